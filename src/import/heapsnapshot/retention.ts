import { type HeapGraph, HeapNames, type Retention } from '../../model/heap-graph.js';

/**
 * Who retains what in a heap snapshot: the dominator tree (Lengauer and Tarjan, "A fast
 * algorithm for finding dominators in a flowgraph", TOPLAS 1979, with path compression),
 * retained sizes, and each object's shortest retainer path from the root.
 *
 * Which references count is what Chrome DevTools and memlab count, so retained sizes equal
 * theirs: not weak ones; not shortcuts except from the root; not a node's reference to
 * itself; and not one from an object the root cannot reach into one it can (a debugger's
 * references). Objects nothing reachable holds hang under the root, as they do there.
 */
export function computeRetention(g: HeapGraph): Retention {
  // the retainer lists and the search's arrays are let go before the paths' are made
  const owned = ownedByRoot(g);
  const { dominator, order } = dominators(g, retainersOf(g, owned), owned);
  const retained = Float64Array.from(g.selfSize);
  for (let i = order.length - 1; i > 0; i--) retained[dominator[order[i]]] += retained[order[i]];
  const { distance, pathEdge } = shortestPaths(g);
  return { dominator, retained, order, distance, pathEdge };
}

/**
 * The references into each node that retain (see essential), as the nodes they leave: CSR by
 * target. Only those: the search never looks at the others, and no edge type is kept.
 */
interface Retainers {
  first: Uint32Array;
  from: Uint32Array;
  /** Per node: held by a reference that is neither weak nor a shortcut. */
  strong: Uint8Array;
}

function retainersOf(g: HeapGraph, owned: Uint8Array): Retainers {
  const weak = edgeTypeIndex(g, 'weak');
  const shortcut = edgeTypeIndex(g, 'shortcut');
  const first = new Uint32Array(g.nodeCount + 1);
  const strong = new Uint8Array(g.nodeCount);
  for (let n = 0; n < g.nodeCount; n++) {
    for (let e = g.firstEdge[n]; e < g.firstEdge[n + 1]; e++) {
      const to = g.edgeTo[e];
      const type = g.edgeType[e];
      if (type !== weak && type !== shortcut) strong[to] = 1;
      if (essential(n, type, to, weak, shortcut, owned)) first[to + 1]++;
    }
  }
  for (let n = 0; n < g.nodeCount; n++) first[n + 1] += first[n];
  const fill = first.slice(0, g.nodeCount);
  const from = new Uint32Array(first[g.nodeCount]);
  for (let n = 0; n < g.nodeCount; n++) {
    for (let e = g.firstEdge[n]; e < g.firstEdge[n + 1]; e++) {
      const to = g.edgeTo[e];
      if (essential(n, g.edgeType[e], to, weak, shortcut, owned)) from[fill[to]++] = n;
    }
  }
  return { first, from, strong };
}

const ROOT = 0;

function edgeTypeIndex(g: HeapGraph, name: string): number {
  return g.edgeTypeNames.indexOf(name);
}

/**
 * Nodes the root reaches over its non-shortcut references and then any non-weak ones,
 * except through "(Document DOM trees)" (a page's detached DOM, in browser snapshots).
 */
function ownedByRoot(g: HeapGraph): Uint8Array {
  const owned = new Uint8Array(g.nodeCount);
  const weak = edgeTypeIndex(g, 'weak');
  const shortcut = edgeTypeIndex(g, 'shortcut');
  const element = edgeTypeIndex(g, 'element');
  const synthetic = g.nodeTypeNames.indexOf('synthetic');
  const stack = new Uint32Array(g.nodeCount);
  let top = 0;
  for (let e = g.firstEdge[ROOT]; e < g.firstEdge[ROOT + 1]; e++) {
    const to = g.edgeTo[e];
    const t = g.edgeType[e];
    if (t === shortcut) continue;
    if (t === element && g.nodeType[to] === synthetic && g.strings[g.nodeName[to]] === '(Document DOM trees)') continue;
    if (!owned[to]) stack[top++] = to;
    owned[to] = 1;
  }
  while (top > 0) {
    const n = stack[--top];
    for (let e = g.firstEdge[n]; e < g.firstEdge[n + 1]; e++) {
      const to = g.edgeTo[e];
      if (owned[to] || g.edgeType[e] === weak) continue;
      owned[to] = 1;
      stack[top++] = to;
    }
  }
  return owned;
}

/** The reference rule of the module comment, for one reference. */
function essential(from: number, type: number, to: number, weak: number, shortcut: number, owned: Uint8Array): boolean {
  if (from === to || type === weak || (type === shortcut && from !== ROOT)) return false;
  return from === ROOT || !owned[to] || owned[from] === 1;
}

/**
 * Immediate dominators. Vertices are numbered 1..n (0: none) in depth-first order from the
 * root; nodes reached only through weak references are searched from next, then what is
 * left (cycles nothing holds) is put under the root, in node order, as DevTools does.
 */
function dominators(
  g: HeapGraph,
  retainers: Retainers,
  owned: Uint8Array,
): { dominator: Uint32Array; order: Uint32Array } {
  const N = g.nodeCount;
  const weak = edgeTypeIndex(g, 'weak');
  const shortcut = edgeTypeIndex(g, 'shortcut');
  const isEssential = (from: number, type: number, to: number) => essential(from, type, to, weak, shortcut, owned);
  const dfs = new DepthFirst(g, isEssential);
  const r = ROOT + 1;
  dfs.from(r);
  if (dfs.count < N) {
    // reached only through weak references (or shortcuts)
    for (let v = 1; v <= N; v++)
      if (dfs.semi[v] === 0 && retainers.strong[v - 1] === 0) {
        dfs.parent[v] = r;
        dfs.from(v);
      }
  }
  if (dfs.count < N) {
    for (let v = 1; v <= N; v++)
      if (dfs.semi[v] === 0) {
        dfs.parent[v] = r;
        dfs.number(v);
      }
  }
  const dom = semidominators(dfs, retainers);
  // both answers in place of arrays the search is done with (1-based to 0-based, moving down)
  for (let n = 0; n < N; n++) dom[n] = dom[n + 1] - 1;
  const { vertex } = dfs;
  for (let i = 1; i <= dfs.count; i++) vertex[i - 1] = vertex[i] - 1;
  return { dominator: dom.subarray(0, N), order: vertex.subarray(0, dfs.count) };
}

/** The depth-first numbering of Lengauer–Tarjan, iterative (heaps are deep). */
class DepthFirst {
  readonly semi: Uint32Array;
  readonly vertex: Uint32Array;
  readonly parent: Uint32Array;
  readonly label: Uint32Array;
  /** Per node, the next edge to look at; after the search, free for other use. */
  readonly nextEdge: Uint32Array;
  count = 0;

  constructor(
    private readonly g: HeapGraph,
    private readonly isEssential: (from: number, type: number, to: number) => boolean,
  ) {
    const n = g.nodeCount + 1;
    this.semi = new Uint32Array(n);
    this.vertex = new Uint32Array(n);
    this.parent = new Uint32Array(n);
    this.label = new Uint32Array(n);
    this.nextEdge = new Uint32Array(n);
  }

  number(v: number): void {
    this.semi[v] = ++this.count;
    this.vertex[this.count] = v;
    this.label[v] = v;
  }

  from(root: number): void {
    const { g, semi, parent, nextEdge } = this;
    nextEdge[root - 1] = g.firstEdge[root - 1];
    let v = root;
    while (v !== 0) {
      if (semi[v] === 0) this.number(v);
      let next = parent[v];
      const from = v - 1;
      const end = g.firstEdge[from + 1];
      for (; nextEdge[from] < end; nextEdge[from]++) {
        const e = nextEdge[from];
        const to = g.edgeTo[e];
        if (!this.isEssential(from, g.edgeType[e], to)) continue;
        const w = to + 1;
        if (semi[w] === 0) {
          parent[w] = v;
          nextEdge[to] = g.firstEdge[to];
          next = w;
          break;
        }
      }
      v = next;
    }
  }
}

/** A vertex linked into the forest: its parent entry is then its ancestor link, with this bit. */
const LINKED = 0x80000000;

/**
 * Steps 2–4 of Lengauer–Tarjan: semidominators, then immediate dominators (1-based). To hold
 * fewer arrays (heaps of tens of millions of objects): once a vertex is linked, its DFS parent
 * is not needed and its entry holds its forest ancestor (marked LINKED); a vertex's dominator
 * entry holds the next vertex of its bucket until it leaves the bucket and gets its dominator;
 * the search's edge cursors become the compression stack.
 */
function semidominators(dfs: DepthFirst, retainers: Retainers): Uint32Array {
  const { semi, vertex, parent, label } = dfs;
  const n = dfs.count;
  const size = semi.length;
  const dom = new Uint32Array(size);
  const bucketHead = new Uint32Array(size);
  const compressStack = dfs.nextEdge;
  const evaluate = (v: number): number => {
    if (parent[v] < LINKED) return v;
    let top = 0;
    let u = v;
    while (parent[parent[u] - LINKED] >= LINKED) {
      compressStack[++top] = u;
      u = parent[u] - LINKED;
    }
    while (top > 0) {
      const w = compressStack[top--];
      const a = parent[w] - LINKED;
      if (semi[label[a]] < semi[label[w]]) label[w] = label[a];
      parent[w] = parent[a];
    }
    return label[v];
  };
  const r = ROOT + 1;
  for (let i = n; i >= 2; i--) {
    const w = vertex[i];
    const to = w - 1;
    let orphan = true;
    for (let k = retainers.first[to]; k < retainers.first[to + 1]; k++) {
      orphan = false;
      const u = evaluate(retainers.from[k] + 1);
      if (semi[u] < semi[w]) semi[w] = semi[u];
    }
    if (orphan) semi[w] = semi[r];
    const s = vertex[semi[w]];
    dom[w] = bucketHead[s];
    bucketHead[s] = w;
    const p = parent[w];
    parent[w] = p + LINKED;
    for (let v = bucketHead[p]; v !== 0; ) {
      const next = dom[v];
      const u = evaluate(v);
      dom[v] = semi[u] < semi[v] ? u : p;
      v = next;
    }
    bucketHead[p] = 0;
  }
  // a bucket of a vertex with no DFS children (objects nothing reachable holds, numbered
  // under the root one by one) is never drained: its vertices hang from the root, as before
  // their links were kept in `dom`
  for (let s = 1; s <= n; s++) {
    for (let v = bucketHead[vertex[s]]; v !== 0; ) {
      const next = dom[v];
      dom[v] = 0;
      v = next;
    }
  }
  dom[0] = dom[r] = r;
  for (let i = 2; i <= n; i++) {
    const w = vertex[i];
    if (dom[w] !== vertex[semi[w]]) dom[w] = dom[dom[w]];
  }
  return dom;
}

/**
 * Breadth-first from the root over references that keep objects alive (not weak ones, not
 * a WeakMap's reference to its key): each node's distance and the reference that reached it
 * first, which gives its shortest retainer path. Unreached nodes: distance 0xffffffff, edge -1.
 */
function shortestPaths(g: HeapGraph): { distance: Uint32Array; pathEdge: Int32Array } {
  const N = g.nodeCount;
  const distance = new Uint32Array(N).fill(UNREACHED);
  const pathEdge = new Int32Array(N).fill(-1);
  const weak = edgeTypeIndex(g, 'weak');
  const named = new HeapNames(g).namedType;
  const queue = new Uint32Array(N);
  let head = 0;
  let tail = 0;
  queue[tail++] = ROOT;
  distance[ROOT] = 0;
  while (head < tail) {
    const n = queue[head++];
    for (let e = g.firstEdge[n]; e < g.firstEdge[n + 1]; e++) {
      const to = g.edgeTo[e];
      if (distance[to] !== UNREACHED || g.edgeType[e] === weak || (named[g.edgeType[e]] && weakMapKeyEdge(g, e, to)))
        continue;
      distance[to] = distance[n] + 1;
      pathEdge[to] = e;
      queue[tail++] = to;
    }
  }
  return { distance, pathEdge };
}

export const UNREACHED = 0xffffffff;

const WEAK_MAP_KEY = /@(\d+)\) ->/;

/** V8 names a WeakMap entry's references "part of key (Key @id) -> value (Value @id) pair in WeakMap (table @id)". */
function weakMapKeyEdge(g: HeapGraph, e: number, to: number): boolean {
  const name = g.strings[g.edgeName[e]];
  if (name === undefined || name.indexOf('WeakMap') < 0) return false;
  const m = WEAK_MAP_KEY.exec(name);
  return m !== null && Number(m[1]) === g.nodeId[to];
}
