import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { findLeaks, findLeaksSince } from '../../src/analyze/heap-leaks.js';
import { loadHeapSnapshot, loadSnapshotIds } from '../../src/load.js';
import { leakyServerSnapshots, memlabLeakClusters } from '../helpers/heap-snapshots.js';

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
