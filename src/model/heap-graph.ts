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
  strings: string[];
  // per node
  nodeType: Uint8Array;
  /** Index into strings. */
  nodeName: Uint32Array;
  /** V8's object id: stable across the snapshots of one process. */
  nodeId: Uint32Array;
  selfSize: Float64Array;
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
  /** Bytes freed if the node went: its own and everything it dominates. */
  retained: Float64Array;
  /** Nodes in depth-first order from the root: a dominator comes before what it dominates. */
  order: Uint32Array;
  /** References on the shortest path from the root (0xffffffff: not reachable). */
  distance: Uint32Array;
  /** The reference (edge index) through which that path reaches the node; -1 for the root and unreachable nodes. */
  pathEdge: Int32Array;
}
