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
  /**
   * The typed arrays after the header, [byte offset, length, type]: per node its distance back
   * to its parent (parentGap) and its label; per cost the nodes with an own value, each as the
   * gap from the one before (selfGap.<cost>), and those values (self.<cost>); lifetimes.<field>.
   */
  arrays: Record<string, [number, number, 'i32' | 'u8' | 'f64']>;
  summary: [string, string][];
  timeline: [number, number, number][];
  /** What was left out to bound the file, in words (absent: nothing). */
  pruned?: string;
  /** A heap snapshot's classes and leak clusters (see heap.ts). */
  heap?: HeapData;
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
  /** Inclusive values per cost, each computed when first read (a range redraws one cost). */
  total: Float64Array[];
  /** Per node, 1 when no ancestor has its label (computed when first asked, shared by range trees). */
  outermost: { flags?: Uint8Array };
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function fromBase64(text: string): Uint8Array {
  // the browser's own decoder where it has one (Chromium 140, Firefox 133, Safari 18.2)
  const native = (Uint8Array as unknown as { fromBase64?: (t: string) => Uint8Array }).fromBase64;
  if (native) return native(text);
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The decompressed data: the header's JSON, then its arrays from `arraysAt` (src/export/html.ts's packData). */
let dataBytes = new ArrayBuffer(0);
let arraysAt = 0;

async function loadData(): Promise<Data> {
  const packed = fromBase64($('heapflame-data').textContent!.trim());
  const stream = new Blob([packed as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  dataBytes = await new Response(stream).arrayBuffer();
  const length = new DataView(dataBytes).getUint32(0, true);
  arraysAt = Math.ceil((4 + length) / 8) * 8;
  return JSON.parse(new TextDecoder().decode(new Uint8Array(dataBytes, 4, length))) as Data;
}

function int32s(d: Data, name: string): Int32Array {
  const [offset, length] = d.arrays[name];
  return new Int32Array(dataBytes, arraysAt + offset, length);
}

function bytes(d: Data, name: string): Uint8Array {
  const [offset, length] = d.arrays[name];
  return new Uint8Array(dataBytes, arraysAt + offset, length);
}

/** Numbers stored as gaps from the one before (or from their index: `fromIndex`), restored. */
function ungapped(gaps: Int32Array, fromIndex = false): Int32Array {
  const out = new Int32Array(gaps.length);
  for (let i = 0; i < gaps.length; i++) out[i] = fromIndex ? i - gaps[i] : (i ? out[i - 1] : 0) + gaps[i];
  return out;
}

function float64s(d: Data, name: string): Float64Array {
  const [offset, length] = d.arrays[name];
  return new Float64Array(dataBytes, arraysAt + offset, length);
}

/** The tree of the page's data; differential data gains a third cost, the larger side per frame. */
function treeOfData(d: Data): Tree {
  const parent = ungapped(int32s(d, 'parentGap'), true);
  const label = int32s(d, 'label');
  const self = d.costs.map((_, c) => {
    const dense = new Float64Array(parent.length);
    const at = ungapped(int32s(d, `selfGap.${c}`));
    const values = float64s(d, `self.${c}`);
    for (let i = 0; i < at.length; i++) dense[at[i]] = values[i];
    return dense;
  });
  if (d.diff && self.length === 2) {
    // each frame's own value on the side where it is larger, so a removed cost keeps its width
    self.push(self[0].map((b, n) => Math.max(b, self[1][n])));
    d.costs.push({ ...d.costs[1], id: 'larger', label: 'before or after, whichever is larger' });
  }
  // the data's nodes come depth first with siblings in name order: linked as they are
  return makeTree(d.labels, d.where ?? d.labels.map(() => ''), parent, label, self, true);
}

/** Inclusive values, depths and children in name order of a tree given by parents (parents first). */
function makeTree(
  labels: string[],
  where: string[],
  parent: Int32Array,
  label: Int32Array,
  self: Float64Array[],
  inNameOrder = false,
): Tree {
  const count = parent.length;
  const total = lazyTotals(self, parent);
  const depth = new Int32Array(count);
  let maxDepth = 0;
  for (let n = 1; n < count; n++) {
    depth[n] = depth[parent[n]] + 1;
    if (depth[n] > maxDepth) maxDepth = depth[n];
  }
  const firstChild = new Int32Array(count).fill(-1);
  const nextSibling = new Int32Array(count).fill(-1);
  const order = inNameOrder ? null : nameOrder(labels, where, parent, label);
  // linked from the last child back, so each list runs in order
  for (let i = count - 2; i >= 0; i--) {
    const n = order ? order[i] : i + 1;
    nextSibling[n] = firstChild[parent[n]];
    firstChild[parent[n]] = n;
  }
  return { labels, where, parent, label, count, firstChild, nextSibling, depth, maxDepth, self, total, outermost: {} };
}

/** Inclusive values of each cost, computed on first read of `total[c]` and kept. */
function lazyTotals(self: Float64Array[], parent: Int32Array): Float64Array[] {
  const total: Float64Array[] = [];
  self.forEach((s, c) => {
    Object.defineProperty(total, c, {
      configurable: true,
      enumerable: true,
      get() {
        const value = inclusive(s, parent);
        Object.defineProperty(total, c, { value, enumerable: true });
        return value;
      },
    });
  });
  return total;
}

/** Node ids 1.. sorted by (parent, name, place): children in name order, each parent's together. */
function nameOrder(labels: string[], where: string[], parent: Int32Array, label: Int32Array): number[] {
  const rank = new Int32Array(labels.length);
  labels
    .map((_, i) => i)
    .sort((a, b) => compareText(labels[a], labels[b]) || compareText(where[a], where[b]))
    .forEach((l, r) => {
      rank[l] = r;
    });
  return Array.from({ length: parent.length - 1 }, (_, i) => i + 1).sort(
    (a, b) => parent[a] - parent[b] || rank[label[a]] - rank[label[b]],
  );
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function inclusive(self: Float64Array, parent: Int32Array): Float64Array {
  const t = self.slice();
  for (let n = t.length - 1; n > 0; n--) t[parent[n]] += t[n];
  return t;
}

/** The same tree with new own values (a time range's), structure shared. */
function withValues(t: Tree, self: Float64Array[]): Tree {
  return { ...t, self, total: lazyTotals(self, t.parent) };
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
  const outer = outermost(t);
  for (let n = 1; n < t.count; n++)
    if (outer[n]) for (let i = 0; i < costs.length; i++) out[i][t.label[n]] += t.total[costs[i]][n];
  return out;
}

/** Per node, 1 when no ancestor has its label: the occurrences a function's inclusive value sums. */
function outermost(t: Tree): Uint8Array {
  if (t.outermost.flags) return t.outermost.flags;
  const flags = new Uint8Array(t.count);
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
    if (open[l] === 0) flags[n] = 1;
    open[l]++;
    path.push(n);
    stack.push(-1);
    for (let c = t.firstChild[n]; c >= 0; c = t.nextSibling[c]) stack.push(c);
  }
  t.outermost.flags = flags;
  return flags;
}
