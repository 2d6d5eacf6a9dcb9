import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { findLeaks, findLeaksSince } from '../../src/analyze/heap-leaks.js';
import { loadHeapSnapshot, loadSnapshotIds } from '../../src/load.js';
import {
  heapSnapshotJson,
  leakyServerSnapshots,
  memlabLeakClusters,
  type SnapshotNode,
  type SnapshotTrace,
} from '../helpers/heap-snapshots.js';

/**
 * Leaks the three-snapshot way, on snapshots of test/fixtures/record/leaky-server.mjs taken
 * now: its three planted leaks are found, each under what holds it; what it released is not.
 */

// 100 requests: few enough leaked objects (about 2,900) that memlab clusters them all, without
// sampling (it samples past 5,000), so its clusters are the same every run
const snaps = leakyServerSnapshots(100);
after(() => rmSync(snaps.dir, { recursive: true, force: true }));

async function report(final: string | null) {
  const base = await loadSnapshotIds(snaps.base);
  const searched = await loadHeapSnapshot(final ?? snaps.target);
  const target = final ? (await loadSnapshotIds(snaps.target)).ids : null;
  return findLeaks(base.ids, target, searched);
}

test('the planted leaks, each with the path that holds it; released objects are not leaks', async () => {
  const r = await report(snaps.final);
  const byClass = new Map(r.clusters.map((c) => [c.className, c]));
  const session = byClass.get('LeakedSession');
  assert.ok(session, r.clusters.map((c) => c.className).join(', '));
  assert.equal(session.count, 100);
  assert.deepEqual(session.holds, [{ className: 'Array', count: 100 }], 'its buf arrays count inside it');
  assert.deepEqual(session.signature.slice(-3), ['sessionCache → Map', 'table → (array)', '[] → LeakedSession']);
  const path = session.example.path.map((s) => s.edge ?? s.className);
  assert.ok(path.includes('sessionCache (context)') && path.includes('table (internal)'), path.join(' '));
  assert.equal(session.example.path.at(-1)?.className, 'LeakedSession');
  // the listener leak: the emitter's listener array, holding every onConfig closure
  const listeners = r.clusters.find((c) => c.holds.some((h) => h.className === 'onConfig()' && h.count === 100));
  assert.ok(listeners?.signature.includes('configEvents → EventEmitter'));
  // the closure leak: the retry callbacks, and what their scope captured
  assert.equal(byClass.get('retryLater()')?.count, 100);
  assert.equal(byClass.get('ClosureCapture')?.count, 100);
  assert.ok(byClass.get('ClosureCapture')?.signature.includes('[] → retryLater()'));
  assert.equal(byClass.get('RequestContext')?.count, 100);
  // released before FINAL
  assert.ok(
    !r.clusters.some((c) => c.className === 'RequestState' || c.holds.some((h) => h.className === 'RequestState')),
  );
  // largest first; the sessions retain the most
  assert.equal(r.clusters[0].className, 'LeakedSession');
  for (let i = 1; i < r.clusters.length; i++) assert.ok(r.clusters[i - 1].retained >= r.clusters[i].retained);
  assert.ok(r.clustersRetained <= r.retained && r.clustersRetained > 100 * 300);
});

test('two snapshots: what is new in TARGET, the in-flight state included', async () => {
  const r = await report(null);
  const state = r.clusters.find((c) => c.className === 'RequestState');
  assert.equal(state?.count, 100);
  assert.ok(state.signature.includes('inFlight → Array'));
});

test('each planted leak memlab clusters is a cluster of ours, and the two largest agree', async () => {
  const ours = await report(snaps.final);
  const memlab = memlabLeakClusters(snaps.base, snaps.target, snaps.final);
  // which planted leak a path shows, by the variable that holds it (memlab's representative of
  // a cluster can be any object of it: a session, a key string, a captured scope)
  const leakOf = (path: string): string =>
    path.includes('sessionCache')
      ? 'cache'
      : path.includes('pendingRetries')
        ? 'closure'
        : path.includes('configEvents')
          ? 'listener'
          : 'other';
  const theirs = memlab.map((c) => leakOf(c.path.map((s) => `${s.name} → ${s.edge}`).join(' → ')));
  const mine = ours.clusters.map((c) => leakOf(c.signature.join(' → ')));
  for (const leak of ['cache', 'closure', 'listener']) {
    assert.ok(theirs.includes(leak), `memlab clusters the ${leak} leak`);
    assert.ok(mine.includes(leak), `so do we: the ${leak} leak`);
  }
  assert.deepEqual(theirs.slice(0, 2).sort(), ['cache', 'closure'], "memlab's two largest");
  assert.deepEqual(mine.slice(0, 2).sort(), ['cache', 'closure'], 'ours');
});

test("since an earlier snapshot's largest id (expectNoLeaks' way): the same clusters as by BASE's ids", async () => {
  const base = await loadHeapSnapshot(snaps.base);
  const types = base.graph.nodeTypeNames;
  let maxId = 0;
  for (let n = 0; n < base.graph.nodeCount; n++) {
    const type = types[base.graph.nodeType[n]];
    if (type !== 'native' && type !== 'synthetic') maxId = Math.max(maxId, base.graph.nodeId[n]);
  }
  const target = await loadHeapSnapshot(snaps.target);
  const byIds = findLeaks((await loadSnapshotIds(snaps.base)).ids, null, target);
  const since = findLeaksSince(maxId, target);
  const clusters = (r: typeof byIds) => r.clusters.map((c) => [c.signature.join(' / '), c.count, c.retained]);
  assert.deepEqual(clusters(since), clusters(byIds));
  assert.ok(since.clusters.some((c) => c.className === 'LeakedSession' && c.count === 100));
});

test("a cluster's allocation stack is the one most of its objects share, not only its largest's", async () => {
  // V8's allocation tracker has given one object of a cluster a wrong stack (the module
  // loader's): the largest Thing (the example) is recorded there, the two others in handleLogin
  const trace: SnapshotTrace = {
    functions: [
      { name: '(root)', script: '', line: 0, column: 0 },
      { name: 'handleLogin', script: 'file:///app/sessions.mjs', line: 20, column: 20 },
      { name: 'syncLink', script: 'node:internal/modules/esm/module_job', line: 260, column: 10 },
    ],
    tree: {
      id: 1,
      fn: 0,
      children: [
        { id: 2, fn: 1 },
        { id: 3, fn: 2 },
      ],
    },
  };
  const nodes: SnapshotNode[] = [
    { type: 'synthetic', name: '', size: 0, edges: [['element', 1, 1]] },
    { type: 'synthetic', name: '(GC roots)', size: 0, edges: [['property', 'sessions', 2]] },
    { type: 'object', name: 'Holder', size: 32, edges: [['internal', 'table', 3]] },
    {
      type: 'array',
      name: '',
      size: 64,
      edges: [
        ['element', 0, 4],
        ['element', 1, 5],
        ['element', 2, 6],
      ],
    },
    { type: 'object', name: 'Thing', size: 200, trace: 3 },
    { type: 'object', name: 'Thing', size: 100, trace: 2 },
    { type: 'object', name: 'Thing', size: 100, trace: 2 },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'heapflame-leaks-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'final.heapsnapshot');
  writeFileSync(file, heapSnapshotJson(nodes, trace));
  // BASE held the holder and its table: the Things are what leaked
  const base = Uint32Array.from([1, 3, 5, 7]);
  const r = findLeaks(base, null, await loadHeapSnapshot(file));
  const things = r.clusters.find((c) => c.className === 'Thing');
  assert.equal(things?.count, 3, JSON.stringify(r.clusters));
  assert.equal(things.example.retained, 200);
  assert.deepEqual(
    things.allocatedAt?.map((f) => `${f.name} ${f.file}:${f.line}`),
    ['handleLogin file:///app/sessions.mjs:20'],
  );
});
