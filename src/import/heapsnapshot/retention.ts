import { type HeapGraph, HeapNames, type Retention } from '../../model/heap-graph.js';
import { releasedInt32, releasedUint8, releasedUint32 } from '../../model/typed-arrays.js';

/**
 * Who retains what in a heap snapshot: the dominator tree (see dominators), retained sizes,
 * and each object's shortest retainer path from the root.
 *
 * Which references count is what Chrome DevTools and memlab count, so retained sizes equal
 * theirs: not weak ones; not shortcuts except from the root; not a node's reference to
 * itself; and not one from an object the root cannot reach into one it can (a debugger's
 * references). Objects nothing reachable holds hang under the root, as they do there.
 */
export function computeRetention(g: HeapGraph): Retention {
  // The retained sizes' memory is the search's scratch until they are computed: a number per
  // node (the walk's stack, the retainer counts, then the dominators' iteration) and two bytes
  // per node (owned, held strongly). Retained sizes are 32-bit when the whole heap is under
  // 4 GiB (none can be larger), else float64. Heaps of tens of millions of objects fit.
  const N = g.nodeCount;
  let total = 0;
  for (let n = 0; n < N; n++) total += g.selfSize[n];
  const wide = total > 0xffffffff;
  const scratch = releasedUint8((wide ? 8 : 6) * N).buffer;
  const numbers = new Uint32Array(scratch, 0, N);
  const owned = ownedByRoot(g, new Uint8Array(scratch, 4 * N, N), numbers);
  const { dominator, order } = dominatorsOf(g, owned, new Uint8Array(scratch, 5 * N, N), numbers);
  const retained = wide ? new Float64Array(scratch, 0, N) : new Uint32Array(scratch, 0, N);
  retained.set(g.selfSize);
  for (let i = order.length - 1; i > 0; i--) retained[dominator[order[i]]] += retained[order[i]];
  return { dominator, retained, order, pathEdge: shortestPaths(g) };
}

/** The dominators, from retainer lists made for them (and let go after). */
function dominatorsOf(g: HeapGraph, owned: Uint8Array, strong: Uint8Array, numbers: Uint32Array) {
  return dominators(g, retainersOf(g, owned, strong, numbers), owned, numbers);
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

/** `counts`: spare memory of a number per node (it is overwritten). */
function retainersOf(g: HeapGraph, owned: Uint8Array, strong: Uint8Array, counts: Uint32Array): Retainers {
  const weak = edgeTypeIndex(g, 'weak');
  const shortcut = edgeTypeIndex(g, 'shortcut');
  const N = g.nodeCount;
  // counts, then where each node's list ends, then (filled from the end down) where it starts
  counts.fill(0);
  strong.fill(0);
  for (let n = 0; n < N; n++) {
    for (let e = g.firstEdge[n]; e < g.firstEdge[n + 1]; e++) {
      const to = g.edgeTo[e];
      const type = g.edgeType[e];
      if (type !== weak && type !== shortcut) strong[to] = 1;
      if (essential(n, type, to, weak, shortcut, owned)) counts[to]++;
    }
  }
  for (let n = 1; n < N; n++) counts[n] += counts[n - 1];
  const total = N > 0 ? counts[N - 1] : 0;
  // the offsets and the lists in one buffer, given back whole when let go (see releasedUint32)
  const lists = releasedUint32(N + 1 + total);
  lists.set(counts);
  lists[N] = total;
  const first = lists.subarray(0, N + 1);
  const from = lists.subarray(N + 1);
  fillRetainers(g, owned, first, from);
  return { first, from, strong };
}

function fillRetainers(g: HeapGraph, owned: Uint8Array, first: Uint32Array, from: Uint32Array): void {
  const weak = edgeTypeIndex(g, 'weak');
  const shortcut = edgeTypeIndex(g, 'shortcut');
  for (let n = 0; n < g.nodeCount; n++) {
    for (let e = g.firstEdge[n]; e < g.firstEdge[n + 1]; e++) {
      const to = g.edgeTo[e];
      if (essential(n, g.edgeType[e], to, weak, shortcut, owned)) from[--first[to]] = n;
    }
  }
}

const ROOT = 0;

function edgeTypeIndex(g: HeapGraph, name: string): number {
  return g.edgeTypeNames.indexOf(name);
}

/**
 * Nodes the root reaches over its non-shortcut references and then any non-weak ones,
 * except through "(Document DOM trees)" (a page's detached DOM, in browser snapshots).
 */
function ownedByRoot(g: HeapGraph, owned: Uint8Array, stack: Uint32Array): Uint8Array {
  owned.fill(0);
  const weak = edgeTypeIndex(g, 'weak');
  const shortcut = edgeTypeIndex(g, 'shortcut');
  const element = edgeTypeIndex(g, 'element');
  const synthetic = g.nodeTypeNames.indexOf('synthetic');
  let top = 0;
  for (let e = g.firstEdge[ROOT]; e < g.firstEdge[ROOT + 1]; e++) {
    const to = g.edgeTo[e];
    const t = g.edgeType[e];
    if (t === shortcut) continue;
    if (t === element && g.nodeType[to] === synthetic && g.strings.get(g.nodeName[to]) === '(Document DOM trees)')
      continue;
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

/** A node not yet seen by the search, or seen and not finished. */
const UNSEEN = 0xffffffff;
const ON_STACK = 0xfffffffe;
/** No dominator known yet (the iteration's "undefined"). */
const UNKNOWN = 0xffffffff;

/**
 * Immediate dominators, by Cooper, Harvey and Kennedy's iteration ("A Simple, Fast Dominance
 * Algorithm", 2001: what Chrome DevTools uses on heap snapshots) over a depth-first postorder
 * from the root. It holds three arrays of a number per node besides the retainer lists (the
 * Lengauer–Tarjan search held seven): tens of millions of objects fit.
 *
 * Nodes reached only through weak references are searched from next, then what is left
 * (cycles nothing holds) is numbered one by one; both hang from the root as if it held them,
 * as DevTools does. Returns each node's dominator, and the nodes in reverse postorder (a
 * dominator before what it dominates).
 */
function dominators(
  g: HeapGraph,
  retainers: Retainers,
  owned: Uint8Array,
  doms: Uint32Array,
): { dominator: Uint32Array; order: Uint32Array } {
  const N = g.nodeCount;
  const post = releasedUint32(N).fill(UNSEEN);
  // finished nodes fill it from the start; the search's stack grows down from its end
  const nodes = releasedUint32(N);
  // `doms`: per node, the next edge to search; then, per postorder index, its dominator's
  const search = new PostorderSearch(g, owned, post, nodes, doms);
  // the root is finished last, after what it holds only in DevTools' sense
  search.from(ROOT, true);
  for (let v = 0; v < N && search.count < N - 1; v++)
    if (post[v] === UNSEEN && retainers.strong[v] === 0) {
      retainers.strong[v] = HELD_BY_ROOT;
      search.from(v, false);
    }
  for (let v = 0; v < N && search.count < N - 1; v++)
    if (post[v] === UNSEEN && v !== ROOT) {
      retainers.strong[v] = HELD_BY_ROOT;
      post[v] = search.count;
      nodes[search.count++] = v;
    }
  post[ROOT] = search.count;
  nodes[search.count++] = ROOT;
  iterate(retainers, post, nodes, doms, search.count);
  // the answers in place: each node's dominator over its postorder index, the order reversed
  for (let n = 0; n < N; n++) post[n] = nodes[doms[post[n]]];
  nodes.subarray(0, search.count).reverse();
  return { dominator: post, order: nodes.subarray(0, search.count) };
}

/** Marks (in Retainers.strong) a node the root holds in DevTools' sense only. */
const HELD_BY_ROOT = 2;

/** An iterative depth-first search over the references that retain, numbering nodes in postorder. */
class PostorderSearch {
  count = 0;
  private readonly weak: number;
  private readonly shortcut: number;

  constructor(
    private readonly g: HeapGraph,
    private readonly owned: Uint8Array,
    private readonly post: Uint32Array,
    private readonly nodes: Uint32Array,
    private readonly cursor: Uint32Array,
  ) {
    this.weak = edgeTypeIndex(g, 'weak');
    this.shortcut = edgeTypeIndex(g, 'shortcut');
  }

  /** Searches from `start`; the root is left unfinished (numbered by the caller, last). */
  from(start: number, isRoot: boolean): void {
    const { g, owned, post, nodes, cursor, weak, shortcut } = this;
    let sp = nodes.length;
    nodes[--sp] = start;
    post[start] = ON_STACK;
    cursor[start] = g.firstEdge[start];
    while (sp < nodes.length) {
      const v = nodes[sp];
      const end = g.firstEdge[v + 1];
      let pushed = false;
      while (cursor[v] < end) {
        const e = cursor[v]++;
        const to = g.edgeTo[e];
        if (post[to] !== UNSEEN || !essential(v, g.edgeType[e], to, weak, shortcut, owned)) continue;
        post[to] = ON_STACK;
        cursor[to] = g.firstEdge[to];
        nodes[--sp] = to;
        pushed = true;
        break;
      }
      if (pushed) continue;
      sp++;
      if (isRoot && v === start) continue;
      post[v] = this.count;
      nodes[this.count++] = v;
    }
  }
}

/**
 * The iteration: in reverse postorder, each node's dominator is the nearest common dominator
 * of its retainers' (and the root, for those it holds in DevTools' sense), until nothing
 * changes. Works on postorder indices; `doms` gets each index's dominator's index.
 */
function iterate(retainers: Retainers, post: Uint32Array, nodes: Uint32Array, doms: Uint32Array, count: number): void {
  const root = count - 1;
  doms.fill(UNKNOWN);
  doms[root] = root;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (a < b) a = doms[a];
      while (b < a) b = doms[b];
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = root - 1; i >= 0; i--) {
      const b = nodes[i];
      let idom = retainers.strong[b] === HELD_BY_ROOT ? root : UNKNOWN;
      for (let k = retainers.first[b]; k < retainers.first[b + 1]; k++) {
        const p = post[retainers.from[k]];
        if (doms[p] === UNKNOWN) continue;
        idom = idom === UNKNOWN ? p : intersect(p, idom);
      }
      // (no retaining reference at all: held by the root, as DevTools hangs it)
      if (idom === UNKNOWN) idom = root;
      if (doms[i] !== idom) {
        doms[i] = idom;
        changed = true;
      }
    }
  }
}

/**
 * Breadth-first from the root over references that keep objects alive (not weak ones, not
 * a WeakMap's reference to its key): the reference that reached each node first, which gives
 * its shortest retainer path (-1: the root, and nodes not reached).
 */
function shortestPaths(g: HeapGraph): Int32Array {
  const N = g.nodeCount;
  const queue = releasedUint32(N);
  const pathEdge = releasedInt32(N).fill(-1);
  const weak = edgeTypeIndex(g, 'weak');
  const named = new HeapNames(g).namedType;
  let head = 0;
  let tail = 0;
  queue[tail++] = ROOT;
  while (head < tail) {
    const n = queue[head++];
    for (let e = g.firstEdge[n]; e < g.firstEdge[n + 1]; e++) {
      const to = g.edgeTo[e];
      if (
        to === ROOT ||
        pathEdge[to] >= 0 ||
        g.edgeType[e] === weak ||
        (named[g.edgeType[e]] && weakMapKeyEdge(g, e, to))
      )
        continue;
      pathEdge[to] = e;
      queue[tail++] = to;
    }
  }
  return pathEdge;
}

const WEAK_MAP_KEY = /@(\d+)\) ->/;

const WEAK_MAP = new TextEncoder().encode('WeakMap');

/** V8 names a WeakMap entry's references "part of key (Key @id) -> value (Value @id) pair in WeakMap (table @id)". */
function weakMapKeyEdge(g: HeapGraph, e: number, to: number): boolean {
  if (!g.strings.includes(g.edgeName[e], WEAK_MAP)) return false;
  const m = WEAK_MAP_KEY.exec(g.strings.get(g.edgeName[e]));
  return m !== null && Number(m[1]) === g.nodeId[to];
}
