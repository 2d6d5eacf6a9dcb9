import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { SnapshotReader } from '../../src/import/heapsnapshot/reader.js';
import { readHeapSnapshot, readSnapshotIds } from '../../src/import/heapsnapshot/reader.js';
import { buildGraph } from '../../src/import/heapsnapshot/graph.js';
import { computeRetention } from '../../src/import/heapsnapshot/retention.js';
import { detectFormat } from '../../src/import/registry.js';
import { loadProfile } from '../../src/load.js';
import { MAX_CHAIN } from '../../src/import/heapsnapshot/profile.js';
import { renderDhat } from '../../src/export/dhat.js';
import { renderHtml } from '../../src/export/html.js';
import { encodePprof } from '../../src/export/pprof.js';
import { renderTextReport } from '../../src/export/report-text.js';
import { renderSpeedscope } from '../../src/export/speedscope.js';
import { renderSvg } from '../../src/export/svg.js';
import { HeapflameError } from '../../src/model/errors.js';
import { distanceToRoot, type HeapGraph, HeapNames, UNREACHED } from '../../src/model/heap-graph.js';
import type { Profile } from '../../src/model/profile.js';
import {
  deepHeapSnapshot,
  heapSnapshotJson,
  leakyServerSnapshots,
  memlabRetention,
  type SnapshotNode,
} from '../helpers/heap-snapshots.js';
import { tempFiles } from '../helpers/paths.js';

/**
 * V8 heap snapshots: read by streaming (equal to JSON.parse of the file), their dominators and
 * retained sizes (equal to memlab's for every node of real snapshots), and the dominator tree
 * as a profile. The real snapshots are taken at test time of a server with planted leaks.
 */

const snaps = leakyServerSnapshots();
const files = tempFiles('heapsnapshot');
after(() => {
  rmSync(snaps.dir, { recursive: true, force: true });
  files.remove();
});

interface ParsedSnapshot {
  snapshot: { meta: { node_fields: string[]; edge_fields: string[] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

function assertEqualsParsed(graph: HeapGraph, doc: ParsedSnapshot): void {
  const F = doc.snapshot.meta.node_fields.length;
  const EF = doc.snapshot.meta.edge_fields.length;
  assert.equal(graph.nodeCount, doc.nodes.length / F);
  assert.equal(graph.edgeCount, doc.edges.length / EF);
  let edge = 0;
  for (let n = 0; n < graph.nodeCount; n++) {
    const row = doc.nodes.slice(n * F, n * F + F);
    assert.deepEqual(
      [
        graph.nodeType[n],
        graph.nodeName[n],
        graph.nodeId[n],
        graph.selfSize[n],
        graph.firstEdge[n + 1] - graph.firstEdge[n],
      ],
      row.slice(0, 5),
      `node ${n}`,
    );
    assert.equal(graph.firstEdge[n], edge);
    edge += row[4];
  }
  for (let e = 0; e < graph.edgeCount; e++) {
    const row = doc.edges.slice(e * EF, e * EF + EF);
    assert.deepEqual([graph.edgeType[e], graph.edgeName[e], graph.edgeTo[e] * F], row, `edge ${e}`);
  }
  assert.deepEqual(graph.strings.toArray(), doc.strings);
}

test('read by streaming: every node, edge and string equals JSON.parse of the file', async () => {
  for (const file of [snaps.base, snaps.target]) {
    const { graph, warnings } = await readHeapSnapshot(file, { input: { chunkBytes: 64 * 1024 } });
    assert.deepEqual(warnings, []);
    assertEqualsParsed(graph, JSON.parse(readFileSync(file, 'utf8')));
  }
});

test('chunks of any size: strings with escapes and multi-byte characters split anywhere read the same', () => {
  const names = ['plain', 'quote " and \\ backslash', 'tab\tnew\nline', 'é ü 中文 😀', '\u2028', 'x'.repeat(3000)];
  const json = heapSnapshotJson([
    {
      type: 'synthetic',
      name: '',
      size: 0,
      edges: names.map((n, i) => ['property', n, i + 1] as [string, string, number]),
    },
    ...names.map((name): SnapshotNode => ({ type: 'object', name, size: 16 + name.length })),
  ]);
  const bytes = Buffer.from(json);
  const expected = JSON.parse(json) as ParsedSnapshot;
  for (const size of [1, 2, 3, 5, 7, 64, 4096]) {
    const reader = new SnapshotReader('synthetic', 0);
    for (let at = 0; at < bytes.length; at += size) reader.push(Buffer.from(bytes.subarray(at, at + size)));
    const warnings: string[] = [];
    assertEqualsParsed(buildGraph(reader.finish(), 'synthetic', warnings), expected);
    assert.deepEqual(warnings, [], `chunks of ${size}`);
  }
});

test("retained sizes and dominators equal memlab's for every node, on three snapshots of a server with planted leaks", async () => {
  for (const file of [snaps.base, snaps.target, snaps.final]) {
    const { graph } = await readHeapSnapshot(file);
    const ours = computeRetention(graph);
    const memlab = memlabRetention(file);
    let differ = 0;
    for (let n = 0; n < graph.nodeCount; n++)
      if (ours.retained[n] !== memlab.retained[n] || ours.dominator[n] !== memlab.dominator[n]) differ++;
    assert.equal(differ, 0, `${file}: nodes whose retained size or dominator differ from memlab's`);
    assert.ok(graph.nodeCount > 40_000, 'a real snapshot');
  }
});

/** Weak references, shortcuts, self references and unheld cycles, each checked against memlab. */
const SEMANTICS: SnapshotNode[] = [
  // 0: root: the GC roots, and a shortcut to the global (kept: from the root)
  {
    type: 'synthetic',
    name: '',
    size: 0,
    edges: [
      ['element', 1, 1],
      ['shortcut', 'global', 2],
    ],
  },
  // 1: (GC roots) holds the global and a cache
  {
    type: 'synthetic',
    name: '(GC roots)',
    size: 0,
    edges: [
      ['element', 1, 2],
      ['element', 2, 3],
    ],
  },
  // 2: the global: a weak reference to 4 (does not retain it), a strong one to 5, itself
  {
    type: 'object',
    name: 'global',
    size: 10,
    edges: [
      ['weak', 'w', 4],
      ['property', 'table', 5],
      ['property', 'self', 2],
    ],
  },
  // 3: a cache that holds 5 too (so 5 is dominated by the root) and 6 alone
  {
    type: 'object',
    name: 'Cache',
    size: 20,
    edges: [
      ['property', 'shared', 5],
      ['property', 'own', 6],
    ],
  },
  // 4: held weakly only: hangs under the root
  { type: 'object', name: 'WeakTarget', size: 40, edges: [['property', 'child', 7]] },
  { type: 'object', name: 'Shared', size: 50 },
  // 6: a shortcut (not from the root) does not count: 8 stays under 6's holder's rules
  {
    type: 'object',
    name: 'Own',
    size: 60,
    edges: [
      ['shortcut', 'bound', 8],
      ['property', 'data', 8],
    ],
  },
  { type: 'object', name: 'WeakChild', size: 70 },
  { type: 'object', name: 'Data', size: 80 },
  // 9, 10: a cycle nothing holds
  { type: 'object', name: 'CycleA', size: 90, edges: [['property', 'b', 10]] },
  { type: 'object', name: 'CycleB', size: 100, edges: [['property', 'a', 9]] },
];

test('weak references do not retain; a shortcut counts only from the root; an unheld cycle hangs under the root (as memlab)', () => {
  const json = heapSnapshotJson(SEMANTICS);
  const file = files.file(Buffer.from(json));
  const reader = new SnapshotReader(file, 0);
  reader.push(Buffer.from(json));
  const g = buildGraph(reader.finish(), file, []);
  const r = computeRetention(g);
  const name = (n: number) => g.strings.get(g.nodeName[n]) || '(root)';
  assert.deepEqual(
    Array.from(r.dominator, (d, n) => `${name(n)}<${name(d)}`),
    [
      '(root)<(root)',
      '(GC roots)<(root)',
      'global<(root)',
      'Cache<(GC roots)',
      'WeakTarget<(root)',
      'Shared<(root)',
      'Own<Cache',
      'WeakChild<WeakTarget',
      'Data<Own',
      'CycleA<(root)',
      'CycleB<(root)',
    ],
  );
  assert.deepEqual(Array.from(r.retained), [520, 160, 10, 160, 110, 50, 140, 70, 80, 90, 100]);
  const memlab = memlabRetention(file);
  assert.deepEqual(Array.from(r.retained), Array.from(memlab.retained));
  assert.deepEqual(Array.from(r.dominator), Array.from(memlab.dominator));
  // the shortest path does not go through the weak reference; unheld nodes have none
  assert.equal(distanceToRoot(g, r, 7), UNREACHED);
  assert.equal(r.pathEdge[9], -1);
  assert.equal(distanceToRoot(g, r, 8), 4, 'root → (GC roots) → Cache → Own → Data');
});

/** The chain of frame names from the root to a profile node. */
function stackOf(p: Profile, node: number): string[] {
  const out: string[] = [];
  for (let n = node; n > 0; n = p.nodeParent[n]) out.unshift(p.frames[p.nodeFrame[n]].name);
  return out;
}

function rowsNamed(p: Profile, frame: string): number[] {
  const rows: number[] = [];
  for (let i = 0; i < p.sampleCount; i++) if (p.frames[p.nodeFrame[p.sampleNode[i]]].name === frame) rows.push(i);
  return rows;
}

test('the dominator tree as a profile: each planted leak under what holds it; totals are the heap', async () => {
  const p = await loadProfile(snaps.target);
  const { graph } = await readHeapSnapshot(snaps.target);
  assert.equal(p.meta.format, 'heapsnapshot');
  assert.deepEqual(
    p.costs.map((c) => c.id),
    ['retained', 'objects'],
  );
  const sum = (c: number) => p.values[c].reduce((a, b) => a + b, 0);
  assert.equal(
    sum(0),
    Array.from(graph.selfSize).reduce((a, b) => a + b, 0),
    'every object counted once',
  );
  assert.equal(p.totals.retained, sum(0));
  assert.equal(sum(1), graph.nodeCount - 1, 'every object but the root');
  // the 200 sessions of the cache are one frame under the Map that holds them
  const [session] = rowsNamed(p, '[] → LeakedSession');
  assert.deepEqual(stackOf(p, p.sampleNode[session]).slice(-3), [
    'sessionCache → Map',
    'table → (array)',
    '[] → LeakedSession',
  ]);
  assert.equal(p.values[1][session], 200);
  // the listeners, in the emitter's list
  const [listener] = rowsNamed(p, '[] → onConfig()');
  assert.ok(stackOf(p, p.sampleNode[listener]).includes('configEvents → EventEmitter'));
  assert.equal(p.values[1][listener], 200);
  const [retry] = rowsNamed(p, '[] → retryLater()');
  assert.ok(stackOf(p, p.sampleNode[retry]).includes('pendingRetries → Array'));
});

test('recognised by content, compressed or not', async () => {
  const plain = readFileSync(snaps.base);
  const named = files.file(plain);
  assert.equal((await detectFormat(named)).name, 'heapsnapshot');
  const expected = await loadProfile(snaps.base);
  const gz = files.file(gzipSync(plain));
  const zst = join(snaps.dir, 'base.heapsnapshot.zst');
  const z = spawnSync('zstd', ['-q', '-f', snaps.base, '-o', zst]);
  for (const file of z.status === 0 ? [gz, zst] : [gz]) {
    const p = await loadProfile(file);
    assert.deepEqual(p.totals, expected.totals, file);
    assert.equal(p.nodeCount, expected.nodeCount);
  }
});

test('a snapshot cut short keeps its whole nodes and the references into them, with a warning', async () => {
  const bytes = readFileSync(snaps.target);
  const text = bytes.toString('latin1');
  const inEdges =
    text.indexOf('"edges":') + Math.floor((text.indexOf('"trace_function_infos"') - text.indexOf('"edges":')) / 2);
  const beforeStrings = text.indexOf('"strings":') + 20;
  for (const cut of [inEdges, beforeStrings, Math.floor(text.indexOf('"edges":') / 2)]) {
    const { graph, warnings } = await readHeapSnapshot(files.file(bytes.subarray(0, cut)));
    assert.match(warnings.join('\n'), /ends early/);
    assert.ok(graph.nodeCount > 0);
    for (let e = 0; e < graph.edgeCount; e++) assert.ok(graph.edgeTo[e] < graph.nodeCount);
    computeRetention(graph);
  }
});

test('a damaged header is one clear error; references past the nodes are left out with a warning', async () => {
  const good = heapSnapshotJson(SEMANTICS);
  const noFields = good.replace('"node_fields":', '"node_fieldz":');
  await assert.rejects(readHeapSnapshot(files.file(Buffer.from(noFields))), (e: unknown) => {
    assert.ok(e instanceof HeapflameError);
    assert.match(e.message, /meta\.node_fields/);
    return true;
  });
  const past = good.replace(/"edges":\[(\d+),(\d+),(\d+)/, (_, t, n) => `"edges":[${t},${n},7777`);
  const { graph, warnings } = await readHeapSnapshot(files.file(Buffer.from(past)));
  assert.match(warnings.join('\n'), /1 references point past the nodes/);
  assert.equal(graph.edgeCount, SEMANTICS.reduce((a, n) => a + (n.edges?.length ?? 0), 0) - 1);
  const notJson = Buffer.from('{"snapshot":{"meta":{"node_fields":[}}');
  await assert.rejects(readHeapSnapshot(files.file(notJson)), HeapflameError);
});

test('a header declaring ten billion nodes allocates by what the file holds', async () => {
  const lying = heapSnapshotJson(SEMANTICS).replace(
    /"node_count":\d+,"edge_count":\d+/,
    '"node_count":10000000000,"edge_count":30000000000',
  );
  const before = process.memoryUsage().rss;
  const { graph, warnings } = await readHeapSnapshot(files.file(Buffer.from(lying)));
  assert.equal(graph.nodeCount, SEMANTICS.length);
  assert.match(warnings.join('\n'), /11 of the 10000000000 nodes/);
  assert.ok(process.memoryUsage().rss - before < 100 * 2 ** 20, 'no allocation by the declared count');
});

test('a 100,000-long chain: exact retention; the profile shows 1,024 holders, says so, and goes through every output', async () => {
  const bytes = deepHeapSnapshot(100_000);
  const { graph } = await readHeapSnapshot(files.file(bytes));
  const r = computeRetention(graph);
  assert.equal(r.retained[2], 100_000 * 32, 'the head retains the whole list');
  assert.equal(distanceToRoot(graph, r, graph.nodeCount - 1), 100_001);
  const p = await loadProfile(files.file(bytes));
  assert.match(p.warnings.join('\n'), /98977 objects are held by chains over 1024 deep/);
  let deepest = 0;
  for (let n = 1; n < p.nodeCount; n++) {
    let d = 0;
    for (let a = n; a > 0; a = p.nodeParent[a]) d++;
    deepest = Math.max(deepest, d);
  }
  assert.equal(deepest, MAX_CHAIN);
  assert.equal(
    p.values[0].reduce((a, b) => a + b, 0),
    100_000 * 32,
    'widths stay exact',
  );
  renderTextReport(p);
  renderSvg(p);
  renderHtml(p);
  encodePprof(p);
  renderSpeedscope(p);
  renderDhat(p);
});

test('a linked list of one class is one frame, however long', async () => {
  const nodes: SnapshotNode[] = [
    { type: 'synthetic', name: '', size: 0, edges: [['element', 1, 1]] },
    { type: 'synthetic', name: '(GC roots)', size: 0, edges: [['property', 'head', 2]] },
  ];
  for (let i = 0; i < 5000; i++)
    nodes.push({ type: 'object', name: 'Node', size: 24, edges: i < 4999 ? [['property', 'next', i + 3]] : [] });
  const p = await loadProfile(files.file(Buffer.from(heapSnapshotJson(nodes))));
  const rows = rowsNamed(p, 'next → Node');
  assert.equal(rows.length, 1);
  assert.equal(p.values[1][rows[0]], 4999);
  assert.deepEqual(stackOf(p, p.sampleNode[rows[0]]), ['[] → (GC roots)', 'head → Node', 'next → Node']);
  assert.deepEqual(p.warnings, []);
});

test('BASE and TARGET of `leaks` are read for their ids only: the same ids, sorted; a cut file says so', async () => {
  const { graph } = await readHeapSnapshot(snaps.base);
  const { ids, warnings } = await readSnapshotIds(snaps.base);
  assert.deepEqual(ids, graph.nodeId.slice().sort());
  assert.deepEqual(warnings, []);
  const bytes = readFileSync(snaps.base);
  const cut = await readSnapshotIds(files.file(bytes.subarray(0, bytes.indexOf('"edges":') - 1000)));
  assert.match(cut.warnings.join('\n'), /ends early \(inside "nodes"\)/);
  assert.ok(cut.ids.length > 0 && cut.ids.length < ids.length);
});

test('a name longer than 1 MiB is cut there, with a warning', async () => {
  const long = `${'é'.repeat(400_000)}${'x'.repeat(500_000)}`;
  const json = heapSnapshotJson([
    { type: 'synthetic', name: '', size: 0, edges: [['property', 'p', 1]] },
    { type: 'string', name: long, size: 16 },
  ]);
  const { graph, warnings } = await readHeapSnapshot(files.file(Buffer.from(json)), { input: { chunkBytes: 65536 } });
  assert.match(warnings.join('\n'), /1 strings longer than 1 MiB were cut/);
  const kept = graph.strings.get(graph.nodeName[1]);
  assert.equal(Buffer.byteLength(kept), 2 ** 20);
  assert.ok(long.startsWith(kept));
});

/** Per class, by the definition: objects, own bytes, and the retained sizes of those no object of the class dominates. */
function classesByDefinition(graph: HeapGraph, r: ReturnType<typeof computeRetention>) {
  const names = new HeapNames(graph);
  const out = new Map<string, { objects: number; self: number; retained: number }>();
  for (let i = 1; i < r.order.length; i++) {
    const n = r.order[i];
    const name = names.classOf(n);
    const c = out.get(name) ?? { objects: 0, self: 0, retained: 0 };
    out.set(name, c);
    c.objects++;
    c.self += graph.selfSize[n];
    let nested = false;
    for (let d = r.dominator[n]; d !== 0 && !nested; d = r.dominator[d]) nested = names.classOf(d) === name;
    if (!nested) c.retained += r.retained[n];
  }
  return out;
}

test('objects by class: counts, own and retained bytes as defined (one inside another of its class counted once)', async () => {
  const { graph } = await readHeapSnapshot(snaps.target);
  const r = computeRetention(graph);
  const p = await loadProfile(snaps.target);
  const classes = p.heap?.classes ?? [];
  const expected = classesByDefinition(graph, r);
  assert.equal(classes.length, expected.size);
  for (const c of classes) {
    const e = expected.get(c.name);
    assert.ok(e, c.name);
    assert.deepEqual([c.objects, c.self, c.retained], [e.objects, e.self, e.retained], c.name);
    assert.ok(c.retained >= c.self, c.name);
  }
  for (let i = 1; i < classes.length; i++) assert.ok(classes[i - 1].retained >= classes[i].retained);
  assert.equal(
    classes.reduce((a, c) => a + c.objects, 0),
    p.totals.objects,
  );
  // the planted leaks are the program's, V8's code and shapes are not
  const byName = new Map(classes.map((c) => [c.name, c]));
  assert.equal(byName.get('LeakedSession')?.objects, 200);
  assert.equal(byName.get('LeakedSession')?.internal, false);
  assert.equal(byName.get('(compiled code)')?.internal, true);
  assert.equal(byName.get('system / Context')?.internal, true);
  const report = renderTextReport(p, { limit: 50 });
  assert.match(report, /OBJECTS BY CLASS/);
  assert.match(report, /\n\s+200\s+\S+ \S+\s+\S+ \S+\s+LeakedSession\n/);
  assert.doesNotMatch(report.split('MOST RETAINED')[0], /\(compiled code\)/);
});

test('a 5,000-long list of one class retains the list once; a class inside another counts apart', async () => {
  const nodes: SnapshotNode[] = [
    { type: 'synthetic', name: '', size: 0, edges: [['element', 1, 1]] },
    { type: 'synthetic', name: '(GC roots)', size: 0, edges: [['property', 'head', 2]] },
  ];
  for (let i = 0; i < 5000; i++)
    nodes.push({
      type: 'object',
      name: 'Node',
      size: 24,
      edges:
        i < 4999
          ? [
              ['property', 'next', i + 3],
              ['property', 'value', 5002 + i],
            ]
          : [],
    });
  for (let i = 0; i < 4999; i++) nodes.push({ type: 'object', name: 'Value', size: 8 });
  const p = await loadProfile(files.file(Buffer.from(heapSnapshotJson(nodes))));
  const byName = new Map(p.heap?.classes.map((c) => [c.name, c]));
  assert.deepEqual(byName.get('Node'), {
    name: 'Node',
    internal: false,
    objects: 5000,
    self: 120_000,
    retained: 159_992,
  });
  assert.deepEqual(byName.get('Value'), {
    name: 'Value',
    internal: false,
    objects: 4999,
    self: 39_992,
    retained: 39_992,
  });
});

test('an object of 4 GiB or more keeps its exact size (the column widens to float64)', async () => {
  const nodes: SnapshotNode[] = [
    { type: 'synthetic', name: '', size: 0, edges: [['element', 1, 1]] },
    {
      type: 'synthetic',
      name: '(GC roots)',
      size: 0,
      edges: [
        ['property', 'big', 2],
        ['property', 'small', 3],
      ],
    },
    { type: 'object', name: 'ArrayBuffer', size: 6_000_000_123 },
    { type: 'object', name: 'Small', size: 24 },
  ];
  const { graph } = await readHeapSnapshot(files.file(Buffer.from(heapSnapshotJson(nodes))));
  assert.ok(graph.selfSize instanceof Float64Array);
  assert.deepEqual(Array.from(graph.selfSize), [0, 0, 6_000_000_123, 24]);
  assert.equal(computeRetention(graph).retained[0], 6_000_000_147);
});
