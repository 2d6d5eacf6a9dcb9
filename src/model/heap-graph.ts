import type { SnapshotStrings } from './snapshot-strings.js';

/**
 * A V8 heap snapshot as typed arrays: the object graph at one moment. Nodes are objects
 * (numbered 0..nodeCount-1 in file order; node 0 is the synthetic root), edges are the
 * references between them, grouped by the node they leave (`firstEdge`). Strings are
 * interned as in the file. Sized by the snapshot, not by a JS object per node: a 7.5 M-node
 * snapshot is about 30 bytes per node and 10 per edge.
 */
export interface HeapGraph {
  nodeCount: number;
  edgeCount: number;
  /** Names of node types (`object`, `closure`, `string`…) and edge types (`property`, `weak`…), from the snapshot's meta. */
  nodeTypeNames: string[];
  edgeTypeNames: string[];
  strings: SnapshotStrings;
  // per node
  nodeType: Uint8Array;
  /** Index into strings. */
  nodeName: Uint32Array;
  /** V8's object id: stable across the snapshots of one process. */
  nodeId: Uint32Array;
  /** 32-bit unless an object of 4 GiB or more is in the snapshot. */
  selfSize: Uint32Array | Float64Array;
  /** Node n's edges are firstEdge[n] .. firstEdge[n + 1] - 1. */
  firstEdge: Uint32Array;
  /** The allocation stack's node in `trace`, 0 when none (allocation tracking off). */
  traceNode: Uint32Array | null;
  // per edge
  edgeType: Uint8Array;
  /** A string index (named edges) or an element index (`element`, `hidden` edges). */
  edgeName: Uint32Array;
  /** The node the edge points to. */
  edgeTo: Uint32Array;
  /** Allocation stacks, when the snapshot was taken with allocation tracking. */
  trace: AllocationTrace | null;
}

/**
 * V8's allocation tracking tree (`trace_tree`, `trace_function_infos`): each trace node is a
 * call site under its parent; node ids are what `HeapGraph.traceNode` names.
 */
export interface AllocationTrace {
  /** Per trace node (in file order): its id, parent (index, -1 for roots) and function. */
  id: Uint32Array;
  parent: Int32Array;
  functionInfo: Uint32Array;
  /** Per function info: name and script name (string indices), line and column (1-based, 0 unknown). */
  functionName: Uint32Array;
  scriptName: Uint32Array;
  line: Uint32Array;
  column: Uint32Array;
}

/** The edge types a collector does not follow (DevTools and memlab skip them for retention). */
export const WEAK_EDGE = 'weak';
/** Shortcut edges only mean something from the root (user global objects). */
export const SHORTCUT_EDGE = 'shortcut';

/** Who retains what: computed once per snapshot (see import/heapsnapshot/retention.ts). */
export interface Retention {
  /** Each node's immediate dominator (the root's is itself). */
  dominator: Uint32Array;
  /** Bytes freed if the node went: its own and everything it dominates (32-bit when the heap is under 4 GiB). */
  retained: Float64Array | Uint32Array;
  /** Nodes in depth-first order from the root: a dominator comes before what it dominates. */
  order: Uint32Array;
  /**
   * The reference (edge index) through which the node's shortest path from the root reaches
   * it; -1 for the root and unreachable nodes (see distanceToRoot).
   */
  pathEdge: Int32Array;
}

/** What the class of an object is called, for types whose name is not one (a string's name is its text). */
const KIND_NAMES: Record<string, string> = {
  string: '(string)',
  'concatenated string': '(string)',
  'sliced string': '(string)',
  number: '(number)',
  bigint: '(bigint)',
  symbol: '(symbol)',
  code: '(compiled code)',
  // (V8 names a regular expression by its source, which can be kilobytes)
  regexp: '(regexp)',
};

/**
 * Node types that are V8's own structures, never the program's objects ("native": Node's and
 * the embedder's objects, whose ids V8 derives afresh for each snapshot).
 */
const INTERNAL_TYPES = new Set(['hidden', 'array', 'code', 'synthetic', 'object shape', 'native']);

const SYSTEM_PREFIX = new TextEncoder().encode('system / ');

/** Longest class or reference name shown (a property name can be any string). */
const MAX_LABEL = 200;

function clip(s: string): string {
  return s.length > MAX_LABEL ? `${s.slice(0, MAX_LABEL)}…` : s;
}

/**
 * How objects and references are named to people: a class (constructor, `closure()`, or a
 * kind such as "(string)"), and a reference by its name, with elements and V8's numbered
 * hash-table slots as "[]" so that the entries of one collection read alike.
 */
export class HeapNames {
  /** Per edge type: its edges are named by a string (not an element or hidden index). */
  readonly namedType: Uint8Array;
  /** Per node type: the kind it is called by, when its name is not a class. */
  readonly kindOfType: (string | undefined)[];
  private readonly kindKey: number[];
  private readonly closure: number;
  private readonly internalType: boolean[];

  constructor(readonly g: HeapGraph) {
    this.namedType = new Uint8Array(256);
    g.edgeTypeNames.forEach((t, i) => {
      this.namedType[i] = t === 'element' || t === 'hidden' ? 0 : 1;
    });
    this.kindOfType = g.nodeTypeNames.map((t) => KIND_NAMES[t]);
    // types called by one kind ("(string)": three string types) share a key
    this.kindKey = this.kindOfType.map((k) => (k === undefined ? -1 : this.kindOfType.indexOf(k)));
    this.closure = g.nodeTypeNames.indexOf('closure');
    this.internalType = g.nodeTypeNames.map((t) => INTERNAL_TYPES.has(t));
  }

  /** An object of V8's or Node's own (code, shapes, internal arrays, native objects, "system / …"), not the program's. */
  isInternal(node: number): boolean {
    // (V8 names its own objects "system / Context", "system / Map"…)
    return this.internalType[this.g.nodeType[node]] || this.g.strings.startsWith(this.g.nodeName[node], SYSTEM_PREFIX);
  }

  /** Whether a reference is named by a string of its own (not an element, not a numbered slot). */
  namedEdge(edge: number): boolean {
    const g = this.g;
    return this.namedType[g.edgeType[edge]] === 1 && !g.strings.isNumber(g.edgeName[edge], 15);
  }

  classOf(node: number): string {
    const type = this.g.nodeType[node];
    const kind = this.kindOfType[type];
    if (kind !== undefined) return kind;
    const name = clip(this.g.strings.get(this.g.nodeName[node]));
    if (type === this.closure) return `${name || '(anonymous)'}()`;
    return name || `(${this.g.nodeTypeNames[type] ?? 'unknown'})`;
  }

  /** A reference's name: "[]" for elements and slots; V8's ids in internal names ("Key @21") as "@…". */
  edgeOf(edge: number): string {
    if (!this.namedEdge(edge)) return '[]';
    return clip(this.g.strings.get(this.g.edgeName[edge])).replace(/@\d+/g, '@…');
  }

  /**
   * A step of a retainer path as one number, equal for steps named alike: the reference's
   * name (none, "[]", or a string) and the object's class (a string, or a kind by type).
   */
  stepKey(node: number, edge: number): number {
    const g = this.g;
    const strings = g.strings.length;
    const type = g.nodeType[node];
    // a class is named by its string (a closure's apart: "f()"), by its kind, or, unnamed, by its type
    let classKey: number;
    if (this.kindKey[type] >= 0) classKey = 2 * strings + this.kindKey[type];
    else if (g.strings.isEmpty(g.nodeName[node]) && type !== this.closure) classKey = 2 * strings + 256 + type;
    else classKey = 2 * g.nodeName[node] + (type === this.closure ? 1 : 0);
    const edgeKey = edge < 0 ? 0 : this.namedEdge(edge) ? g.edgeName[edge] + 2 : 1;
    return edgeKey * (2 * strings + 512) + classKey;
  }

  /** A step of a retainer path as people read it: `sessionCache → Map`, `[] → Session`, or the class alone. */
  stepLabel(node: number, edge: number): string {
    return edge < 0 ? this.classOf(node) : `${this.edgeOf(edge)} → ${this.classOf(node)}`;
  }

  /** A reference exactly as V8 names it: the index of an element, the type in parentheses. */
  exactEdge(edge: number): string {
    const g = this.g;
    const type = g.edgeTypeNames[g.edgeType[edge]] ?? 'unknown';
    const name = this.namedType[g.edgeType[edge]] ? clip(g.strings.get(g.edgeName[edge])) : `[${g.edgeName[edge]}]`;
    return `${name} (${type})`;
  }
}

/** The node an edge leaves (edges are grouped by it: a binary search of firstEdge). */
export function edgeSource(g: HeapGraph, edge: number): number {
  let lo = 0;
  let hi = g.nodeCount - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (g.firstEdge[mid] <= edge) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A node's distance from the root in references (its shortest path's length); UNREACHED when none. */
export function distanceToRoot(g: HeapGraph, r: Retention, node: number): number {
  let d = 0;
  for (let n = node; n !== 0; d++) {
    const e = r.pathEdge[n];
    if (e < 0) return UNREACHED;
    n = edgeSource(g, e);
  }
  return d;
}

export const UNREACHED = 0xffffffff;

/** Whether the root reaches a node (not through weak references). */
export function reachable(r: Retention, node: number): boolean {
  return node === 0 || r.pathEdge[node] >= 0;
}

/** The shortest retainer path of a node: from the root, each step a node and the reference into it (-1 at the root). */
export function retainerPath(g: HeapGraph, r: Retention, node: number): { node: number; edge: number }[] {
  const steps: { node: number; edge: number }[] = [];
  for (let n = node, guard = 0; guard <= g.nodeCount; guard++) {
    const e = r.pathEdge[n];
    steps.push({ node: n, edge: e });
    if (e < 0) break;
    n = edgeSource(g, e);
  }
  return steps.reverse();
}
