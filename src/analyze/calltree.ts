import { PairTable } from '../model/hash-tables.js';
import { grown } from '../model/typed-arrays.js';
import { type CostId, costIndex, type Frame, type Profile, requireCost } from '../model/profile.js';

/**
 * The merged, ordered and pruned tree a flame graph draws: one node per distinct path of frame
 * labels, in depth-first order, each with its inclusive value and its offset among siblings.
 */
export interface CallTree {
  /** Label per node ('' for the root). */
  labels: string[];
  /** Label id per node (-1 for the root): nodes with the same label share an id. */
  label: Int32Array;
  parent: Int32Array;
  depth: Int32Array;
  /** Inclusive value. */
  total: Float64Array;
  /** Offset from the root's left edge, in value units. */
  x: Float64Array;
  /** Inclusive value of the second cost (differential trees), else empty. */
  other: Float64Array;
  count: number;
  maxDepth: number;
  /** Root value: the sum over all stacks. */
  rootTotal: number;
}

export interface CallTreeOptions {
  cost?: CostId;
  /** A second cost carried along (the base of a differential graph). */
  otherCost?: CostId;
  /** Merge stacks from the leaf: who calls the hot functions (flamegraph.pl --reverse). */
  reverse?: boolean;
  /** Sibling order: by label (flamegraph.pl, stable across graphs) or widest first. */
  sort?: 'name' | 'weight';
  /** Drop nodes whose inclusive value is below this (and what is under them). */
  minValue?: number;
  /** How a frame is labelled; frames with equal labels under one parent merge. */
  label?: (frame: Frame) => string;
}

export const defaultLabel = (f: Frame) => f.name || `0x${f.address}`;

/** Stacks merged by label, unordered, with the self value of every cost column. */
export interface MergedTree {
  labels: string[];
  /** Label id per node (-1 for the root, node 0). */
  label: Int32Array;
  /** Parent per node; parents come before their children. */
  parent: Int32Array;
  /** self[c][node]: value of cost column c for stacks ending at the node. */
  self: Float64Array[];
  count: number;
  /** The merged node of each node of the profile. */
  nodeOf: Int32Array;
}

/** Interns the display label of every frame; returns the labels and each frame's label id. */
function labelFrames(profile: Profile, labelOf: (f: Frame) => string): { labels: string[]; frameLabel: Int32Array } {
  const labels: string[] = [''];
  const ids = new Map<string, number>();
  const frameLabel = Int32Array.from(profile.frames, (f) => {
    const l = labelOf(f);
    let id = ids.get(l);
    if (id === undefined) {
      id = labels.length;
      labels.push(l);
      ids.set(l, id);
    }
    return id;
  });
  return { labels, frameLabel };
}

/** The profile's stacks merged by label, every cost column kept (the HTML report's data). */
export function mergeByLabel(profile: Profile, labelOf: (f: Frame) => string = defaultLabel): MergedTree {
  const { labels, frameLabel } = labelFrames(profile, labelOf);
  // At most one merged node per node of the profile: arrays that long, filled as far as needed
  // (their untouched ends cost no memory). Growing them had taken twice the memory, and the
  // page of 1 M stacks is drawn near the command's peak.
  const nodeCount = profile.nodeCount;
  const parent = new Int32Array(Math.max(1, nodeCount));
  const label = new Int32Array(Math.max(1, nodeCount));
  parent[0] = label[0] = -1;
  let count = 1;
  const pairs = new PairTable(nodeCount);
  const map = new Int32Array(nodeCount);
  for (let n = 1; n < nodeCount; n++) {
    const p = map[profile.nodeParent[n]];
    const lab = frameLabel[profile.nodeFrame[n]];
    let id = pairs.get(p, lab);
    if (id < 0) {
      id = count++;
      parent[id] = p;
      label[id] = lab;
      pairs.set(p, lab, id);
    }
    map[n] = id;
  }
  pairs.release();
  const self = profile.values.map(() => new Float64Array(count));
  for (let i = 0; i < profile.sampleCount; i++) {
    const node = map[profile.sampleNode[i]];
    for (let c = 0; c < self.length; c++) self[c][node] += profile.values[c][i];
  }
  return { labels, label: label.subarray(0, count), parent: parent.subarray(0, count), self, count, nodeOf: map };
}

/** A function (label) of a merged tree: its own value and its inclusive one, in one cost. */
export interface LabelCost {
  label: number;
  self: number;
  /** What passes through it, each stack once however often the function recurs. */
  total: number;
}

/**
 * The functions with the largest own value in cost column `column`, over the whole tree (not
 * a pruned drawing of it). A function's total is what passes through it, each stack once: the
 * sum of the inclusive values of its outermost occurrences (none of whose ancestors is it).
 * Linear in the nodes, however deep the tree. `outer` is outermost(tree), for a caller that
 * asks for several columns.
 */
export function topLabels(
  tree: MergedTree,
  column: number,
  limit: number,
  outer: Uint8Array = outermost(tree),
): LabelCost[] {
  const self = tree.self[column];
  const bySelf = new Float64Array(tree.labels.length);
  const byTotal = new Float64Array(tree.labels.length);
  const inclusive = Float64Array.from(self.subarray(0, tree.count));
  // parents come before their children: one backward pass sums subtrees
  for (let n = tree.count - 1; n > 0; n--) inclusive[tree.parent[n]] += inclusive[n];
  for (let n = 1; n < tree.count; n++) {
    bySelf[tree.label[n]] += self[n];
    if (outer[n]) byTotal[tree.label[n]] += inclusive[n];
  }
  const ids: number[] = [];
  for (let l = 1; l < tree.labels.length; l++) if (bySelf[l] !== 0 || byTotal[l] !== 0) ids.push(l);
  ids.sort((x, y) => Math.abs(bySelf[y]) - Math.abs(bySelf[x]) || Math.abs(byTotal[y]) - Math.abs(byTotal[x]) || x - y);
  return ids.slice(0, limit).map((l) => ({ label: l, self: bySelf[l], total: byTotal[l] }));
}

/**
 * 1 for each node whose label none of its ancestors has: a depth-first walk (iterative, over
 * child lists) that counts the labels on the current path.
 */
export function outermost(tree: Pick<MergedTree, 'count' | 'parent' | 'label' | 'labels'>): Uint8Array {
  const { count, parent, label } = tree;
  const firstChild = new Int32Array(count).fill(-1);
  const nextSibling = new Int32Array(count).fill(-1);
  for (let n = count - 1; n > 0; n--) {
    nextSibling[n] = firstChild[parent[n]];
    firstChild[parent[n]] = n;
  }
  const onPath = new Int32Array(tree.labels.length + 1);
  const out = new Uint8Array(count);
  const stack = new Int32Array(count + 1);
  const entered = new Uint8Array(count);
  let top = 0;
  stack[top++] = 0;
  while (top > 0) {
    const n = stack[top - 1];
    const l = label[n] + 1; // the root's -1 becomes 0
    if (!entered[n]) {
      entered[n] = 1;
      out[n] = onPath[l] === 0 ? 1 : 0;
      onPath[l]++;
      for (let c = firstChild[n]; c >= 0; c = nextSibling[c]) stack[top++] = c;
      continue;
    }
    onPath[l]--;
    top--;
  }
  return out;
}

/**
 * The tree merged by label (step 1 of buildCallTree), with the values of the stacks ending at
 * each node, which step 2 turns into inclusive values in place (no copy: on 4 M nodes each
 * array of values is 35 MB of fresh memory).
 */
interface LabelTree {
  count: number;
  parent: Int32Array;
  /** Label id per node; the fast path reads it from the node's frame when it is drawn. */
  labelOf: (n: number) => number;
  total: Float64Array;
  /** The other cost's values, or null when there is none. */
  other: Float64Array | null;
}

export function buildCallTree(profile: Profile, options: CallTreeOptions = {}): CallTree {
  const c = costIndex(profile, requireCost(profile, options.cost).id);
  const o = options.otherCost !== undefined ? costIndex(profile, options.otherCost) : -1;
  const { labels, frameLabel } = labelFrames(profile, options.label ?? defaultLabel);
  const values = profile.values[c];
  const others = o >= 0 ? profile.values[o] : null;
  // 1. The tree merged by label. When every frame has its own label (folded input), the
  //    profile's own tree already is that tree; otherwise stacks are merged again.
  const tree =
    labels.length - 1 === profile.frames.length && !options.reverse
      ? profileTree(profile, frameLabel, values, others)
      : mergedTree(profile, frameLabel, values, others, options.reverse === true);
  // 2. Inclusive values: children come after their parents.
  const { count, parent, total, other } = tree;
  for (let n = count - 1; n > 0; n--) total[parent[n]] += total[n];
  if (other) for (let n = count - 1; n > 0; n--) other[parent[n]] += other[n];
  // 3. The drawn nodes in depth-first order, siblings sorted.
  return { labels, ...drawnTree(tree, labels, options), rootTotal: total[0] };
}

/** The profile's own tree, when its frames are its labels: only the stacks' values are summed. */
function profileTree(
  profile: Profile,
  frameLabel: Int32Array,
  values: Float64Array,
  others: Float64Array | null,
): LabelTree {
  const count = profile.nodeCount;
  const nodeFrame = profile.nodeFrame;
  const total = new Float64Array(count);
  const other = others ? new Float64Array(count) : null;
  for (let i = 0; i < profile.sampleCount; i++) {
    total[profile.sampleNode[i]] += values[i];
    if (other && others) other[profile.sampleNode[i]] += others[i];
  }
  return { count, parent: profile.nodeParent, labelOf: (n) => frameLabel[nodeFrame[n]], total, other };
}

/** Stacks merged again by label, from the root (or from the leaf, reversed). */
function mergedTree(
  profile: Profile,
  frameLabel: Int32Array,
  values: Float64Array,
  others: Float64Array | null,
  reverse: boolean,
): LabelTree {
  const t = new GrowTree();
  const pairs = new PairTable(profile.nodeCount);
  const child = (p: number, lab: number) => {
    let id = pairs.get(p, lab);
    if (id < 0) {
      id = t.add(p, lab);
      pairs.set(p, lab, id);
    }
    return id;
  };
  if (!reverse) {
    // Profile nodes come after their parents: one pass maps them all.
    const map = new Int32Array(profile.nodeCount);
    for (let n = 1; n < profile.nodeCount; n++)
      map[n] = child(map[profile.nodeParent[n]], frameLabel[profile.nodeFrame[n]]);
    for (let i = 0; i < profile.sampleCount; i++)
      t.addSelf(map[profile.sampleNode[i]], values[i], others ? others[i] : 0);
  } else {
    for (let i = 0; i < profile.sampleCount; i++) {
      let node = 0;
      for (let n = profile.sampleNode[i]; n > 0; n = profile.nodeParent[n])
        node = child(node, frameLabel[profile.nodeFrame[n]]);
      t.addSelf(node, values[i], others ? others[i] : 0);
    }
  }
  const label = t.label;
  return {
    count: t.count,
    parent: t.parent,
    labelOf: (n) => label[n],
    total: t.self,
    other: others ? t.otherSelf : null,
  };
}

/** The drawn nodes, in depth-first order; `count` of them are filled. */
class DrawnNodes {
  label: Int32Array<ArrayBuffer>;
  parent: Int32Array<ArrayBuffer>;
  depth: Int32Array<ArrayBuffer>;
  total: Float64Array<ArrayBuffer>;
  other: Float64Array<ArrayBuffer>;
  x: Float64Array<ArrayBuffer>;
  count = 0;

  constructor(capacity: number) {
    this.label = new Int32Array(capacity);
    this.parent = new Int32Array(capacity);
    this.depth = new Int32Array(capacity);
    this.total = new Float64Array(capacity);
    this.other = new Float64Array(capacity);
    this.x = new Float64Array(capacity);
  }

  add(label: number, parent: number, depth: number, total: number, other: number, x: number): number {
    const id = this.count++;
    if (id === this.label.length) {
      this.label = grown(this.label);
      this.parent = grown(this.parent);
      this.depth = grown(this.depth);
      this.total = grown(this.total);
      this.other = grown(this.other);
      this.x = grown(this.x);
    }
    this.label[id] = label;
    this.parent[id] = parent;
    this.depth[id] = depth;
    this.total[id] = total;
    this.other[id] = other;
    this.x[id] = x;
    return id;
  }
}

/**
 * The children of every node that can be drawn, as linked lists (0 ends a list: the root is
 * nobody's child), then a depth-first walk that keeps children above the threshold and sorts
 * only those. Pruned children are listed too: they still take their space.
 */
function drawnTree(
  tree: LabelTree,
  labels: string[],
  options: CallTreeOptions,
): Omit<CallTree, 'labels' | 'rootTotal'> {
  const { labelOf, total, other } = tree;
  const minValue = options.minValue ?? 0;
  const children = drawnChildren(tree, minValue);
  const cmp = siblingOrder(labels, labelOf, total, options.sort);
  const out = new DrawnNodes(1024);
  let maxDepth = 0;
  // explicit stack: [source node, output parent, x, depth]
  const stack: number[] = [0, -1, 0, 0];
  const list: number[] = [];
  const entries: number[] = [];
  while (stack.length) {
    const depth = stack.pop()!;
    const x = stack.pop()!;
    const outParentId = stack.pop()!;
    const src = stack.pop()!;
    const id = out.add(src === 0 ? -1 : labelOf(src), outParentId, depth, total[src], other ? other[src] : 0, x);
    if (depth > maxDepth) maxDepth = depth;
    list.length = 0;
    children.of(src, list);
    if (list.length === 0) continue;
    list.sort(cmp);
    // pruned siblings still take their space; push in reverse so the first child comes first
    let offset = x;
    entries.length = 0;
    for (const k of list) {
      if (total[k] >= minValue && total[k] > 0) entries.push(k, offset);
      offset += total[k];
    }
    for (let e = entries.length - 2; e >= 0; e -= 2) stack.push(entries[e], id, entries[e + 1], depth + 1);
  }
  const n = out.count;
  return {
    label: out.label.subarray(0, n),
    parent: out.parent.subarray(0, n),
    depth: out.depth.subarray(0, n),
    total: out.total.subarray(0, n),
    x: out.x.subarray(0, n),
    other: other ? out.other.subarray(0, n) : new Float64Array(0),
    count: n,
    maxDepth,
  };
}

/** The children of a node that can be drawn, put into `into`. */
interface ChildLists {
  of(node: number, into: number[]): void;
}

/**
 * The children of every node that can be drawn (the root, and nodes of at least `minValue`):
 * linked lists over the whole tree when most nodes are drawn; otherwise the same lists over a
 * table of the drawn parents, holding only their children. A flame graph draws a few thousand of
 * 4 M nodes, and two arrays as long as the tree were 35 MB of fresh memory, a tenth of the
 * graph's time.
 */
function drawnChildren(tree: LabelTree, minValue: number): ChildLists {
  const { count, parent, total } = tree;
  const drawn = (n: number) => n === 0 || (total[n] >= minValue && total[n] > 0);
  let drawnCount = 0;
  for (let n = 0; n < count; n++) if (drawn(n)) drawnCount++;
  if (drawnCount * 8 > count) {
    const firstChild = new Int32Array(count);
    const nextSibling = new Int32Array(count);
    for (let n = count - 1; n > 0; n--) {
      const p = parent[n];
      if (!drawn(p)) continue;
      nextSibling[n] = firstChild[p];
      firstChild[p] = n;
    }
    return {
      of(node, into) {
        for (let k = firstChild[node]; k !== 0; k = nextSibling[k]) into.push(k);
      },
    };
  }
  // the same lists over a dense number per drawn parent (a table's), holding only their children
  const slotOf = new PairTable(drawnCount);
  const head = new Int32Array(drawnCount).fill(-1);
  let kid = new Int32Array(1024);
  let next = new Int32Array(1024);
  let kids = 0;
  for (let n = count - 1; n > 0; n--) {
    const p = parent[n];
    if (!drawn(p)) continue;
    let slot = slotOf.get(p, 0);
    if (slot < 0) slotOf.set(p, 0, (slot = slotOf.size));
    if (kids === kid.length) [kid, next] = [grown(kid), grown(next)];
    kid[kids] = n;
    next[kids] = head[slot];
    head[slot] = kids++;
  }
  return {
    of(node, into) {
      const slot = slotOf.get(node, 0);
      if (slot >= 0) for (let k = head[slot]; k >= 0; k = next[k]) into.push(kid[k]);
    },
  };
}

/** Siblings by name (labels sorted once: siblings then compare by rank, an integer), or widest first. */
function siblingOrder(
  labels: string[],
  labelOf: (n: number) => number,
  total: Float64Array,
  sort: CallTreeOptions['sort'],
) {
  const rank = new Int32Array(labels.length);
  labels
    .map((_, i) => i)
    .sort((a, b) => (labels[a] < labels[b] ? -1 : labels[a] > labels[b] ? 1 : 0))
    .forEach((l, r) => {
      rank[l] = r;
    });
  const byName = (a: number, b: number) => rank[labelOf(a)] - rank[labelOf(b)];
  const byWeight = (a: number, b: number) => total[b] - total[a] || byName(a, b);
  return sort === 'weight' ? byWeight : byName;
}

/** A tree under construction: parent, label and self values in growing typed arrays. */
class GrowTree {
  parent = new Int32Array(1024);
  label = new Int32Array(1024);
  self = new Float64Array(1024);
  otherSelf = new Float64Array(1024);
  count = 0;

  /** Starts with the root, node 0. */
  constructor() {
    this.parent[0] = -1;
    this.label[0] = -1;
    this.count = 1;
  }

  add(parent: number, label: number): number {
    const id = this.count++;
    if (id >= this.parent.length) {
      this.parent = grown(this.parent);
      this.label = grown(this.label);
      this.self = grown(this.self);
      this.otherSelf = grown(this.otherSelf);
    }
    this.parent[id] = parent;
    this.label[id] = label;
    return id;
  }

  addSelf(node: number, value: number, other: number): void {
    this.self[node] += value;
    this.otherSelf[node] += other;
  }
}

/**
 * A flame chart (flamegraph.pl --flamechart): samples left to right in their order, frames
 * merged only with the same frame of the sample before (x is sequence, not a sum by name).
 */
export function buildFlameChart(profile: Profile, options: CallTreeOptions = {}): CallTree {
  const c = costIndex(profile, requireCost(profile, options.cost).id);
  const { labels, frameLabel } = labelFrames(profile, options.label ?? defaultLabel);
  const values = profile.values[c];
  const label: number[] = [-1];
  const parent: number[] = [-1];
  const depthOf: number[] = [0];
  const x: number[] = [0];
  const total: number[] = [0];
  // the frames open on the current column, root first
  const open: number[] = [0];
  let at = 0;
  const path: number[] = [];
  for (let i = 0; i < profile.sampleCount; i++) {
    const v = values[i];
    if (!(v > 0)) continue;
    path.length = 0;
    for (let n = profile.sampleNode[i]; n > 0; n = profile.nodeParent[n]) path.push(frameLabel[profile.nodeFrame[n]]);
    path.reverse();
    let keep = 1;
    while (keep < open.length && keep - 1 < path.length && label[open[keep]] === path[keep - 1]) keep++;
    open.length = keep;
    for (let d = keep - 1; d < path.length; d++) {
      const id = label.length;
      label.push(path[d]);
      parent.push(open[open.length - 1]);
      depthOf.push(d + 1);
      x.push(at);
      total.push(0);
      open.push(id);
    }
    for (const n of open) total[n] += v;
    at += v;
  }
  const minValue = options.minValue ?? 0;
  const kept = label.map((_, n) => n === 0 || total[n] >= minValue);
  const ids = label.map((_, n) => n).filter((n) => kept[n] && (n === 0 || kept[parent[n]]));
  let maxDepth = 0;
  for (const n of ids) maxDepth = Math.max(maxDepth, depthOf[n]);
  const remap = new Map(ids.map((n, i) => [n, i]));
  return {
    labels,
    label: Int32Array.from(ids, (n) => label[n]),
    parent: Int32Array.from(ids, (n) => (n === 0 ? -1 : remap.get(parent[n])!)),
    depth: Int32Array.from(ids, (n) => depthOf[n]),
    total: Float64Array.from(ids, (n) => total[n]),
    x: Float64Array.from(ids, (n) => x[n]),
    other: new Float64Array(0),
    count: ids.length,
    maxDepth,
    rootTotal: total[0],
  };
}
