import { edgeSource, type HeapGraph, HeapNames, reachable, type Retention, retainerPath } from '../model/heap-graph.js';
import { PairTable } from '../model/hash-tables.js';
import type { LeakCluster, LeakReport } from '../model/profile.js';

/**
 * Leaks the three-snapshot way (memlab's): objects allocated between BASE and TARGET (their
 * ids are in TARGET, not in BASE) that are still alive in FINAL, after the work that made them
 * was over. V8 keeps an object's id for its life, so ids say "the same object".
 *
 * What is reported: the program's leaked objects (not V8's internals: shapes, code, internal
 * arrays; nor Node's native objects) that no other reported leaked object keeps alive — what the others hang from —
 * grouped by their shortest retainer path read as classes and reference names (the 200
 * sessions of one cache are one cluster), largest retained size first. Each cluster names
 * what its objects hold, the path of its largest one, and the allocation stack most of them
 * share when the snapshot was taken with allocation tracking. Objects whose shortest path passes through
 * compiled code are V8's too (allocation-site boilerplates).
 *
 * `baseIds`, `targetIds`: sorted ids of every object in BASE and TARGET; `final` the graph
 * (and retention) the leaks are looked for in. Without a FINAL, TARGET itself is searched:
 * `targetIds` null, every object of `final` is TARGET's.
 */
export function findLeaks(
  baseIds: Uint32Array,
  targetIds: Uint32Array | null,
  final: { graph: HeapGraph; retention: Retention },
  options: { maxClusters?: number } = {},
): LeakReport {
  const g = final.graph;
  const leaked = new Uint8Array(g.nodeCount);
  for (let n = 1; n < g.nodeCount; n++)
    leaked[n] = (!targetIds || has(targetIds, g.nodeId[n])) && !has(baseIds, g.nodeId[n]) ? 1 : 0;
  return leaksOf(leaked, final, options);
}

/**
 * The objects of `final` V8 first saw after an earlier snapshot of the same process whose
 * largest object id was `maxBaseId` (V8 numbers objects in the order it first sees them): the
 * leaks since then, without reading that snapshot. Node's native objects get their ids afresh
 * each snapshot: they are left out of the clusters anyway.
 */
export function findLeaksSince(
  maxBaseId: number,
  final: { graph: HeapGraph; retention: Retention },
  options: { maxClusters?: number } = {},
): LeakReport {
  const g = final.graph;
  const leaked = new Uint8Array(g.nodeCount);
  for (let n = 1; n < g.nodeCount; n++) leaked[n] = g.nodeId[n] > maxBaseId ? 1 : 0;
  return leaksOf(leaked, final, options);
}

/** The report of the objects marked leaked (reachable ones only). */
function leaksOf(
  leaked: Uint8Array,
  final: { graph: HeapGraph; retention: Retention },
  options: { maxClusters?: number },
): LeakReport {
  const { graph: g, retention: r } = final;
  for (let n = 1; n < g.nodeCount; n++) if (!reachable(r, n)) leaked[n] = 0;
  const names = new HeapNames(g);
  const reported = (n: number) => leaked[n] === 1 && !names.isInternal(n);
  // the reported leaked object each leaked object hangs from (itself if none): dominators first
  const top = new Int32Array(g.nodeCount).fill(-1);
  let objects = 0;
  let retained = 0;
  for (let i = 1; i < r.order.length; i++) {
    const n = r.order[i];
    if (!leaked[n]) continue;
    objects++;
    const above = top[r.dominator[n]];
    top[n] = above >= 0 ? above : reported(n) ? n : -1;
    if (!leaked[r.dominator[n]]) retained += r.retained[n];
  }
  const clusters = clustersOf(names, r, top, reported);
  const clustersRetained = clusters.reduce((sum, c) => sum + c.retained, 0);
  return { objects, retained, clustersRetained, clusters: clusters.slice(0, options.maxClusters ?? clusters.length) };
}

function has(sorted: Uint32Array, id: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid];
    if (v === id) return true;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * Retainer-path signatures as ids: a node's is its holder's (on its shortest path) and the
 * step into it, interned, so a million leaked objects make no strings. -2: the path passes
 * through compiled code.
 */
class Signatures {
  private readonly stepIds = new Map<number, number>();
  private readonly table = new PairTable(1024);
  private readonly of: Int32Array;
  private readonly code: number;
  private count = 0;

  constructor(
    private readonly g: HeapGraph,
    private readonly r: Retention,
    private readonly names: HeapNames,
  ) {
    this.of = new Int32Array(g.nodeCount).fill(-1);
    this.code = g.nodeTypeNames.indexOf('code');
  }

  signature(node: number): number {
    const chain: number[] = [];
    let n = node;
    // up to a node already known, or the root
    while (this.of[n] === -1) {
      chain.push(n);
      const e = this.r.pathEdge[n];
      if (e < 0) break;
      n = edgeSource(this.g, e);
    }
    let sig = this.of[n] === -1 ? -1 : this.of[n];
    for (let i = chain.length - 1; i >= 0; i--) {
      const m = chain[i];
      sig = sig === -2 || this.g.nodeType[m] === this.code ? -2 : this.intern(sig, m);
      this.of[m] = sig;
    }
    return sig;
  }

  private intern(holder: number, node: number): number {
    const key = this.names.stepKey(node, this.r.pathEdge[node]);
    let step = this.stepIds.get(key);
    if (step === undefined) this.stepIds.set(key, (step = this.stepIds.size));
    let id = this.table.get(holder, step);
    if (id < 0) this.table.set(holder, step, (id = this.count++));
    return id;
  }
}

/** Cluster roots (reported objects that hang from no other) grouped by retainer path signature. */
function clustersOf(names: HeapNames, r: Retention, top: Int32Array, reported: (n: number) => boolean): LeakCluster[] {
  const g = names.g;
  const signatures = new Signatures(g, r, names);
  const rootsBySignature = new Map<number, number[]>();
  // per cluster root: the leaked objects it holds, by class (a node of the class names it)
  const held = new Map<number, Map<number, { node: number; count: number }>>();
  for (let n = 1; n < g.nodeCount; n++) {
    const root = top[n];
    if (root < 0) continue;
    if (root === n) {
      const sig = signatures.signature(n);
      if (sig === -2) continue;
      const roots = rootsBySignature.get(sig);
      if (roots) roots.push(n);
      else rootsBySignature.set(sig, [n]);
    } else if (reported(n)) {
      let classes = held.get(root);
      if (!classes) held.set(root, (classes = new Map()));
      const key = names.stepKey(n, -1);
      const c = classes.get(key);
      if (c) c.count++;
      else classes.set(key, { node: n, count: 1 });
    }
  }
  const out = [...rootsBySignature.values()].map((roots) => cluster(g, r, names, roots, held));
  return out.sort((a, b) => b.retained - a.retained || b.count - a.count);
}

function cluster(
  g: HeapGraph,
  r: Retention,
  names: HeapNames,
  roots: number[],
  held: Map<number, Map<number, { node: number; count: number }>>,
): LeakCluster {
  let retained = 0;
  let example = roots[0];
  const holds = new Map<number, { node: number; count: number }>();
  for (const n of roots) {
    retained += r.retained[n];
    if (r.retained[n] > r.retained[example]) example = n;
    for (const [key, c] of held.get(n) ?? []) {
      const sum = holds.get(key);
      if (sum) sum.count += c.count;
      else holds.set(key, { ...c });
    }
  }
  const steps = retainerPath(g, r, example);
  const path = steps.map((s) => ({
    edge: s.edge < 0 ? null : names.exactEdge(s.edge),
    className: s.node === 0 ? '(root)' : names.classOf(s.node),
    id: g.nodeId[s.node],
    retained: r.retained[s.node],
    internal: s.node === 0 || names.isInternal(s.node),
  }));
  return {
    className: names.classOf(example),
    signature: steps.map((s) => names.stepLabel(s.node, s.edge)),
    count: roots.length,
    retained,
    holds: [...holds.values()]
      .sort((a, b) => b.count - a.count)
      .slice(0, 5)
      .map((c) => ({ className: names.classOf(c.node), count: c.count })),
    example: { node: example, id: g.nodeId[example], retained: r.retained[example], path },
    allocatedAt: allocationStack(g, typicalAllocation(g, roots, example)),
  };
}

/**
 * The cluster's object whose allocation stack most of its objects share (the example's when it
 * is one of the most shared). One object's record can be wrong: V8's allocation tracker once
 * gave a session made in a timer the stack of the module loader that had run before it, and
 * the stack a cluster is fixed at is the one most of it comes from.
 */
function typicalAllocation(g: HeapGraph, roots: number[], example: number): number {
  const trace = g.traceNode;
  if (!trace) return example;
  const counts = new Map<number, number>();
  for (const n of roots) if (trace[n] !== 0) counts.set(trace[n], (counts.get(trace[n]) ?? 0) + 1);
  let most = counts.get(trace[example]) ?? 0;
  let typical = example;
  for (const n of roots) {
    const c = counts.get(trace[n]) ?? 0;
    if (c > most) {
      most = c;
      typical = n;
    }
  }
  return typical;
}

/**
 * A node's allocation stack from the snapshot's allocation tracking tree, innermost first.
 * V8 places each function where it begins (its line and column), not at the call.
 */
export function allocationStack(g: HeapGraph, node: number): LeakCluster['allocatedAt'] {
  const t = g.trace;
  const traceId = g.traceNode?.[node] ?? 0;
  if (!t || traceId === 0) return null;
  const at = t.id.indexOf(traceId);
  if (at < 0) return null;
  const frames: NonNullable<LeakCluster['allocatedAt']> = [];
  // (the tree's root is V8's "(root)", no frame)
  for (let i = at; i >= 0 && t.parent[i] >= 0 && frames.length < 1000; i = t.parent[i]) {
    const f = t.functionInfo[i];
    if (f >= t.functionName.length) continue;
    frames.push({
      name: g.strings.get(t.functionName[f]) || '(anonymous)',
      file: g.strings.get(t.scriptName[f]),
      line: t.line[f],
      column: t.column[f],
    });
  }
  return frames;
}
