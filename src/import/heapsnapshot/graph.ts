import { SnapshotStrings } from '../../model/snapshot-strings.js';
import { HeapflameError } from '../../model/errors.js';
import type { AllocationTrace, HeapGraph } from '../../model/heap-graph.js';
import type { RowColumns } from './columns.js';
import type { SnapshotParts } from './reader.js';

/** The `snapshot` object: how the flat arrays are laid out, and how long the header says they are. */
export interface SnapshotHeader {
  nodeFields: string[];
  nodeTypes: string[];
  edgeFields: string[];
  edgeTypes: string[];
  functionInfoFields: string[];
  traceNodeFields: string[];
  locationFields: string[];
  nodeCount: number;
  edgeCount: number;
  /** Functions of the allocation trace: 0 when the snapshot was taken without allocation tracking. */
  traceFunctionCount: number;
}

const NODE_FIELDS = ['type', 'name', 'id', 'self_size', 'edge_count'];
const EDGE_FIELDS = ['type', 'name_or_index', 'to_node'];

export function parseHeader(text: string, file: string): SnapshotHeader {
  const fail = (what: string): never => {
    throw new HeapflameError(`not a valid heap snapshot: ${what}`, { file });
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    fail(`its "snapshot" header is not valid JSON (${(e as Error).message})`);
  }
  const meta = (doc as { meta?: Record<string, unknown> } | null)?.meta;
  if (typeof meta !== 'object' || meta === null) return fail('its "snapshot" header has no "meta"');
  const strings = (x: unknown, what: string, required: string[]): string[] => {
    if (x === undefined && required.length === 0) return [];
    if (!Array.isArray(x) || !x.every((s) => typeof s === 'string'))
      return fail(`meta.${what} must be a list of names`);
    for (const r of required) if (!x.includes(r)) fail(`meta.${what} has no "${r}"`);
    return x;
  };
  const count = (x: unknown) => (Number.isSafeInteger(x) && (x as number) >= 0 ? (x as number) : 0);
  const snapshot = doc as Record<string, unknown>;
  return {
    nodeFields: strings(meta.node_fields, 'node_fields', NODE_FIELDS),
    nodeTypes: strings((meta.node_types as unknown[] | undefined)?.[0], 'node_types[0]', []),
    edgeFields: strings(meta.edge_fields, 'edge_fields', EDGE_FIELDS),
    edgeTypes: strings((meta.edge_types as unknown[] | undefined)?.[0], 'edge_types[0]', []),
    functionInfoFields: strings(meta.trace_function_info_fields, 'trace_function_info_fields', []),
    traceNodeFields: strings(meta.trace_node_fields, 'trace_node_fields', []),
    locationFields: strings(meta.location_fields, 'location_fields', []),
    nodeCount: count(snapshot.node_count),
    edgeCount: count(snapshot.edge_count),
    traceFunctionCount: count(snapshot.trace_function_count),
  };
}

/**
 * The graph of what was read, checked: a snapshot cut short keeps its complete nodes and the
 * edges that point at them, with a warning; indices out of range are dropped or named "?"
 * with a warning; nothing unchecked reaches the analysis.
 */
export function buildGraph(parts: SnapshotParts, file: string, warnings: string[]): HeapGraph {
  const { header: h, nodes, edges } = parts;
  warnCut(parts, file, warnings);
  const own: string[] = [];
  if (edges.rows < h.edgeCount && parts.complete.has('nodes'))
    own.push(`${edges.rows} of the ${h.edgeCount} edges its header declares were read`);
  if (!parts.strings) own.push('it has no strings: objects and references have no names');
  if (parts.stringsCut) own.push(`${parts.stringsCut} strings longer than 1 MiB were cut`);
  const nodeCount = nodes.rows;
  if (nodeCount === 0) throw new HeapflameError('not a valid heap snapshot: it has no nodes', { file });
  const strings = parts.strings ?? new SnapshotStrings();
  const names = new NameCheck(strings);
  const nf = (name: string) => h.nodeFields.indexOf(name);
  const nodeName = names.checked(nodes.columns[nf('name')].subarray(0, nodeCount));
  const traceField = nf('trace_node_id');
  const firstEdge = firstEdges(nodes.columns[nf('edge_count')], nodeCount, edges.rows);
  const edgeTypeNames = h.edgeTypes;
  const kept = keepValidEdges(edges, h, firstEdge, nodeCount, names, edgeTypeNames, own);
  names.warn(own);
  warnings.push(...own.map((w) => `${file}: ${w}`));
  const trace = allocationTrace(parts, names);
  return {
    nodeCount,
    edgeCount: kept,
    nodeTypeNames: h.nodeTypes,
    edgeTypeNames,
    strings,
    nodeType: nodes.bytes[nf('type')].subarray(0, nodeCount),
    nodeName,
    nodeId: nodes.columns[nf('id')].subarray(0, nodeCount),
    selfSize: nodes.sizes[nf('self_size')].subarray(0, nodeCount),
    firstEdge,
    // without allocation tracking every trace node id is 0: not kept
    traceNode: trace && traceField >= 0 ? nodes.columns[traceField].subarray(0, nodeCount) : null,
    edgeType: edges.bytes[h.edgeFields.indexOf('type')].subarray(0, kept),
    edgeName: edges.columns[h.edgeFields.indexOf('name_or_index')].subarray(0, kept),
    edgeTo: edges.columns[h.edgeFields.indexOf('to_node')].subarray(0, kept),
    trace,
  };
}

/** What a cut file lost, for a graph or for ids only. */
export function warnCut(parts: SnapshotParts, file: string, warnings: string[]): void {
  const { header: h, nodes } = parts;
  if (parts.cutIn !== null)
    warnings.push(
      `${file}: the snapshot ends early${parts.cutIn ? ` (inside "${parts.cutIn}")` : ''}: what was read is shown`,
    );
  if (nodes.rows < h.nodeCount)
    warnings.push(`${file}: ${nodes.rows} of the ${h.nodeCount} nodes its header declares were read`);
}

/**
 * Each node's first edge, in place of its edge count (the column has room for one more
 * row): an edge count past what was read ends at the last edge.
 */
function firstEdges(edgeCounts: Uint32Array, nodeCount: number, edgeRows: number): Uint32Array {
  let first = 0;
  for (let n = 0; n < nodeCount; n++) {
    const count = edgeCounts[n];
    edgeCounts[n] = first;
    first = Math.min(first + count, edgeRows);
  }
  edgeCounts[nodeCount] = first;
  return edgeCounts.subarray(0, nodeCount + 1);
}

/** String indices out of range point at a "?" added to the strings, counted for one warning. */
class NameCheck {
  /** The strings the file has (the "?" comes after them). */
  private readonly valid: number;
  private unknown = -1;
  bad = 0;

  constructor(private readonly strings: SnapshotStrings) {
    this.valid = strings.length;
  }

  index(i: number): number {
    if (i < this.valid) return i;
    this.bad++;
    if (this.unknown < 0) this.unknown = this.strings.addString('?');
    return this.unknown;
  }

  checked(column: Uint32Array): Uint32Array {
    for (let i = 0; i < column.length; i++) if (column[i] >= this.valid) column[i] = this.index(column[i]);
    return column;
  }

  warn(warnings: string[]): void {
    if (this.bad && this.valid > 0) warnings.push(`${this.bad} names point past the strings; shown as "?"`);
  }
}

/**
 * Edges whose target is a whole node, moved down over those that are not (a cut file's
 * last edges, hostile indices); `firstEdge` is rewritten to match. Returns the edges kept.
 */
function keepValidEdges(
  edges: RowColumns,
  h: SnapshotHeader,
  firstEdge: Uint32Array,
  nodeCount: number,
  names: NameCheck,
  edgeTypeNames: string[],
  warnings: string[],
): number {
  const nodeFieldCount = h.nodeFields.length;
  const type = edges.bytes[h.edgeFields.indexOf('type')];
  const [name, to] = ['name_or_index', 'to_node'].map((f) => edges.columns[h.edgeFields.indexOf(f)]);
  const byIndex = new Set(['element', 'hidden'].map((t) => edgeTypeNames.indexOf(t)).filter((t) => t >= 0));
  let w = 0;
  let dropped = 0;
  let start = 0;
  for (let n = 0; n < nodeCount; n++) {
    const end = firstEdge[n + 1];
    firstEdge[n] = w;
    for (let e = start; e < end; e++) {
      const target = to[e] / nodeFieldCount;
      if (!Number.isInteger(target) || target >= nodeCount) {
        dropped++;
        continue;
      }
      type[w] = type[e];
      name[w] = byIndex.has(type[e]) ? name[e] : names.index(name[e]);
      to[w] = target;
      w++;
    }
    start = end;
  }
  firstEdge[nodeCount] = w;
  if (dropped) warnings.push(`${dropped} references point past the nodes and were left out`);
  return w;
}

function allocationTrace(parts: SnapshotParts, names: NameCheck): AllocationTrace | null {
  const { functionInfos: fi, traceTree: tree, header: h } = parts;
  if (!fi || !tree || tree.id.length === 0) return null;
  const col = (f: string) => {
    const i = h.functionInfoFields.indexOf(f);
    return i >= 0 ? fi.columns[i].subarray(0, fi.rows) : new Uint32Array(fi.rows);
  };
  const functionName = col('name').map((s) => names.index(s));
  const scriptName = col('script_name').map((s) => names.index(s));
  const functionInfo = Uint32Array.from(tree.functionInfo, (f) => (f < fi.rows ? f : 0));
  return {
    id: Uint32Array.from(tree.id),
    parent: Int32Array.from(tree.parent),
    functionInfo,
    functionName,
    scriptName,
    line: col('line'),
    column: col('column'),
  };
}
