/**
 * The HTML report's data and the trees drawn from it: the page's gzip+base64 data decoded,
 * the call tree with children linked in name order, its view merged by function name, and
 * the differential "larger of before and after" column. Plain script: shares the page's
 * global scope with the other viewer files (src/export/html.ts puts them in one element).
 */

interface Data {
  schema: string;
  title: string;
  /** Costs `before` and `after`: colours from each frame's change; widths as the cost chosen. */
  diff?: boolean;
  costs: CostMeta[];
  /** The cost the page opens on (the profile's main cost). */
  main?: number;
  /** What to look at first, ranked: its line, and the cost and label the graph opens on for it. */
  findings?: { text: string; cost: number; label: number }[];
  /** Per cost: the top functions of the whole profile, [label, self, total]. */
  top?: [number, number, number][][];
  /** Function names, one per label. */
  labels: string[];
  /** Per label: file:line(s), or the module of a frame without a file; '' when unknown. */
  where?: string[];
  parent: string;
  label: string;
  self: string[];
  summary: [string, string][];
  timeline: [number, number, number][];
  /** What was left out to bound the file, in words (absent: nothing). */
  pruned?: string;
}

interface CostMeta {
  id: string;
  unit: 'count' | 'bytes';
  label: string;
}

interface Tree {
  labels: string[];
  where: string[];
  parent: Int32Array;
  label: Int32Array;
  count: number;
  /** first child and next sibling, siblings in label order */
  firstChild: Int32Array;
  nextSibling: Int32Array;
  depth: Int32Array;
  maxDepth: number;
  self: Float64Array[];
  total: Float64Array[];
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function fromBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function loadData(): Promise<Data> {
  const packed = fromBase64($('heapflame-data').textContent!.trim());
  const stream = new Blob([packed as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return JSON.parse(await new Response(stream).text()) as Data;
}

/** The tree of the page's data; differential data gains a third cost, the larger side per frame. */
function treeOfData(d: Data): Tree {
  const parent = new Int32Array(fromBase64(d.parent).buffer);
  const label = new Int32Array(fromBase64(d.label).buffer);
  const self = d.self.map((s) => new Float64Array(fromBase64(s).buffer));
  if (d.diff && self.length === 2) {
    // each frame's own value on the side where it is larger, so a removed cost keeps its width
    self.push(self[0].map((b, n) => Math.max(b, self[1][n])));
    d.costs.push({ ...d.costs[1], id: 'larger', label: 'before or after, whichever is larger' });
  }
  return makeTree(d.labels, d.where ?? d.labels.map(() => ''), parent, label, self);
}

/** Inclusive values, depths and children in name order of a tree given by parents (parents first). */
function makeTree(
  labels: string[],
  where: string[],
  parent: Int32Array,
  label: Int32Array,
  self: Float64Array[],
): Tree {
  const count = parent.length;
  const total = self.map((s) => inclusive(s, parent));
  const depth = new Int32Array(count);
  let maxDepth = 0;
  for (let n = 1; n < count; n++) {
    depth[n] = depth[parent[n]] + 1;
    if (depth[n] > maxDepth) maxDepth = depth[n];
  }
  // children in name order (then place): sort node ids by (parent, label rank), then link them
  const rank = new Int32Array(labels.length);
  labels
    .map((_, i) => i)
    .sort((a, b) => compareText(labels[a], labels[b]) || compareText(where[a], where[b]))
    .forEach((l, r) => {
      rank[l] = r;
    });
  const order = Array.from({ length: count - 1 }, (_, i) => i + 1).sort(
    (a, b) => parent[a] - parent[b] || rank[label[a]] - rank[label[b]],
  );
  const firstChild = new Int32Array(count).fill(-1);
  const nextSibling = new Int32Array(count).fill(-1);
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    nextSibling[n] = firstChild[parent[n]];
    firstChild[parent[n]] = n;
  }
  return { labels, where, parent, label, count, firstChild, nextSibling, depth, maxDepth, self, total };
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function inclusive(self: Float64Array, parent: Int32Array): Float64Array {
  const t = self.slice();
  for (let n = t.length - 1; n > 0; n--) t[parent[n]] += t[n];
  return t;
}

/** The same tree with new own values (a time range's), structure shared. */
function withValues(t: Tree, self: Float64Array[]): Tree {
  return { ...t, self, total: self.map((s) => inclusive(s, t.parent)) };
}

/**
 * The tree merged by function name alone (one frame for every file's `(anonymous)`), and
 * each label's label in it.
 */
function mergedByName(t: Tree): { tree: Tree; labelOf: Int32Array } {
  const ids = new Map<string, number>();
  const labels: string[] = [];
  const labelOf = Int32Array.from(t.labels, (name) => {
    let id = ids.get(name);
    if (id === undefined) {
      id = labels.length;
      ids.set(name, id);
      labels.push(name);
    }
    return id;
  });
  const nodeOf = new Int32Array(t.count);
  const child = new Map<number, number>();
  const parent: number[] = [-1];
  const label: number[] = [-1];
  for (let n = 1; n < t.count; n++) {
    const p = nodeOf[t.parent[n]];
    const key = p * labels.length + labelOf[t.label[n]];
    let m = child.get(key);
    if (m === undefined) {
      m = parent.length;
      child.set(key, m);
      parent.push(p);
      label.push(labelOf[t.label[n]]);
    }
    nodeOf[n] = m;
  }
  const self = t.self.map((s) => {
    const out = new Float64Array(parent.length);
    for (let n = 0; n < t.count; n++) out[nodeOf[n]] += s[n];
    return out;
  });
  const where = labels.map(() => '');
  return { tree: makeTree(labels, where, Int32Array.from(parent), Int32Array.from(label), self), labelOf };
}

/**
 * Per label, its inclusive value in each cost, each stack counted once however often the
 * function recurs (its outermost occurrences): what a table of functions lists.
 */
function labelTotals(t: Tree, costs: number[]): Float64Array[] {
  const out = costs.map(() => new Float64Array(t.labels.length));
  const open = new Int32Array(t.labels.length);
  // depth-first, counting the open occurrences of each label on the path
  const stack: number[] = [];
  for (let c = t.firstChild[0]; c >= 0; c = t.nextSibling[c]) stack.push(c);
  const path: number[] = [];
  while (stack.length) {
    const n = stack.pop()!;
    if (n < 0) {
      open[t.label[path.pop()!]]--;
      continue;
    }
    const l = t.label[n];
    if (open[l] === 0) for (let i = 0; i < costs.length; i++) out[i][l] += t.total[costs[i]][n];
    open[l]++;
    path.push(n);
    stack.push(-1);
    for (let c = t.firstChild[n]; c >= 0; c = t.nextSibling[c]) stack.push(c);
  }
  return out;
}
