import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './paths.js';

/** V8's layout of a heap snapshot (Node 20–26 write exactly these fields and types). */
const NODE_FIELDS = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'];
const NODE_TYPES = [
  'hidden',
  'array',
  'string',
  'object',
  'code',
  'closure',
  'regexp',
  'number',
  'native',
  'synthetic',
  'concatenated string',
  'sliced string',
  'symbol',
  'bigint',
  'object shape',
];
const EDGE_FIELDS = ['type', 'name_or_index', 'to_node'];
const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];

export interface SnapshotNode {
  type: string;
  name: string;
  /** V8 ids of objects are odd; default: 2 × index + 1. */
  id?: number;
  size: number;
  /** References: type, name (or element index), and the target node's index. */
  edges?: [type: string, name: string | number, to: number][];
  /** Its node in the allocation tracking tree (0: none). */
  trace?: number;
}

/**
 * An allocation tracking tree (a snapshot taken with --track-allocations): each node's id,
 * the function it is in and its children; node ids start at 1 for V8's "(root)".
 */
export interface SnapshotTrace {
  functions: { name: string; script: string; line: number; column: number }[];
  tree: TraceNode;
}
export interface TraceNode {
  id: number;
  /** Index into `functions`. */
  fn: number;
  children?: TraceNode[];
}

/**
 * A heap snapshot in V8's JSON, from nodes (node 0 is the root), written as V8 writes it (one
 * node or edge per line): for tests of what a graph means, and seeds for damaging.
 */
export function heapSnapshotJson(nodes: SnapshotNode[], trace?: SnapshotTrace): string {
  const strings: string[] = [''];
  const index = new Map<string, number>([['', 0]]);
  const str = (s: string) => {
    let i = index.get(s);
    if (i === undefined) index.set(s, (i = strings.push(s) - 1));
    return i;
  };
  const nodeRows: string[] = [];
  const edgeRows: string[] = [];
  nodes.forEach((n, i) => {
    const edges = n.edges ?? [];
    nodeRows.push(
      [NODE_TYPES.indexOf(n.type), str(n.name), n.id ?? 2 * i + 1, n.size, edges.length, n.trace ?? 0, 0].join(','),
    );
    for (const [type, name, to] of edges)
      edgeRows.push(
        [EDGE_TYPES.indexOf(type), typeof name === 'number' ? name : str(name), to * NODE_FIELDS.length].join(','),
      );
  });
  const meta = {
    node_fields: NODE_FIELDS,
    node_types: [NODE_TYPES, 'string', 'number', 'number', 'number', 'number', 'number'],
    edge_fields: EDGE_FIELDS,
    edge_types: [EDGE_TYPES, 'string_or_number', 'node'],
    trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
    trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
    sample_fields: ['timestamp_us', 'last_assigned_id'],
    location_fields: ['object_index', 'script_id', 'line', 'column'],
  };
  const functions = (trace?.functions ?? []).flatMap((f, k) => [
    k + 1,
    str(f.name),
    str(f.script),
    1,
    f.line,
    f.column,
  ]);
  const treeRows = (t: TraceNode): unknown[] => [t.id, t.fn, 0, 0, (t.children ?? []).flatMap(treeRows)];
  return `{"snapshot":{"meta":${JSON.stringify(meta)},"node_count":${nodes.length},"edge_count":${edgeRows.length},"trace_function_count":${trace?.functions.length ?? 0}},
"nodes":[${nodeRows.join(',\n')}],
"edges":[${edgeRows.join(',\n')}],
"trace_function_infos":${JSON.stringify(functions)},
"trace_tree":${JSON.stringify(trace ? treeRows(trace.tree) : [])},
"samples":[],
"locations":[],
"strings":[${strings.map((s) => JSON.stringify(s)).join(',\n')}]}
`;
}

/** A chain of `depth` objects, each holding the next (a linked list): a dominator tree as deep. */
export function deepHeapSnapshot(depth: number): Buffer {
  const nodes: SnapshotNode[] = [
    { type: 'synthetic', name: '', size: 0, edges: [['element', 1, 1]] },
    { type: 'synthetic', name: '(GC roots)', size: 0, edges: [['property', 'head', 2]] },
  ];
  for (let i = 0; i < depth; i++)
    nodes.push({
      type: 'object',
      name: `Link${i}`,
      size: 32,
      edges: i < depth - 1 ? [['property', 'next', i + 3]] : [],
    });
  return Buffer.from(heapSnapshotJson(nodes));
}

/** Three snapshots of test/fixtures/record/leaky-server.mjs (BASE, TARGET, FINAL), in a temporary directory. */
export function leakyServerSnapshots(requests = 200): { base: string; target: string; final: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'heapflame-snapshots-'));
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', join(ROOT, 'test/fixtures/record/leaky-server.mjs'), dir, String(requests)],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (run.status !== 0) throw new Error(`leaky-server.mjs failed: ${run.stderr}`);
  return {
    base: join(dir, 'base.heapsnapshot'),
    target: join(dir, 'target.heapsnapshot'),
    final: join(dir, 'final.heapsnapshot'),
    dir,
  };
}

/**
 * memlab's dominators and retained sizes of a snapshot (@memlab/core, run in a child process:
 * it writes progress to the terminal), per node in file order.
 */
export function memlabRetention(file: string): { retained: Float64Array; dominator: Int32Array } {
  const script = `
const { utils, analysis } = require('@memlab/core');
(async () => {
  const heap = await utils.getSnapshotFromFile(process.argv[1], { buildNodeIdIndex: true, verbose: false });
  analysis.preparePathFinder(heap);
  const retained = [], dominator = [];
  heap.nodes.forEach((n) => { retained[n.nodeIndex] = n.retainedSize; dominator[n.nodeIndex] = n.dominatorNode ? n.dominatorNode.nodeIndex : -1; });
  process.stdout.write(JSON.stringify({ retained, dominator }));
})();`;
  const run = spawnSync(process.execPath, ['-e', script, file], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    timeout: 300_000,
  });
  if (run.status !== 0) throw new Error(`memlab failed: ${run.stderr}`);
  const out = JSON.parse(run.stdout.slice(run.stdout.indexOf('{"retained"'))) as {
    retained: number[];
    dominator: number[];
  };
  return { retained: Float64Array.from(out.retained), dominator: Int32Array.from(out.dominator) };
}

/**
 * memlab's leak clusters for BASE/TARGET/FINAL (@memlab/core: the objects new in TARGET and
 * alive in FINAL, clustered by its retainer-trace similarity), largest first: each with its
 * size and the path of its representative, as (reference, class, V8 id) from the root.
 */
export function memlabLeakClusters(
  base: string,
  target: string,
  final: string,
): { count: number; retained: number; path: { edge: string; name: string; id: number }[] }[] {
  const script = `
const { utils, analysis, config } = require('@memlab/core');
(async () => {
  config.verbose = false;
  const [b, t, f] = process.argv.slice(1);
  const baseIds = await utils.getSnapshotNodeIdsFromFile(b, {});
  const targetIds = await utils.getSnapshotNodeIdsFromFile(t, {});
  const heap = await utils.getSnapshotFromFile(f, { buildNodeIdIndex: true, verbose: false });
  const leaked = new Set();
  heap.nodes.forEach((n) => { if (targetIds.has(n.id) && !baseIds.has(n.id)) leaked.add(n.id); });
  const clusters = analysis.clusterHeapObjects(leaked, heap).map((c) => {
    const path = [];
    for (let p = c.path; p; p = p.next) path.push({ edge: p.edge ? String(p.edge.name_or_index) : '', name: p.node.name, id: p.node.id });
    return { count: c.count, retained: c.retainedSize, path };
  });
  process.stdout.write('\\n' + JSON.stringify(clusters));
})();`;
  const run = spawnSync(process.execPath, ['-e', script, base, target, final], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    timeout: 300_000,
  });
  if (run.status !== 0) throw new Error(`memlab failed: ${run.stderr}`);
  return JSON.parse(run.stdout.slice(run.stdout.lastIndexOf('\n[')));
}
