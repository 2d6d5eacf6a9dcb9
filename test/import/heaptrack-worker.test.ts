import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { importHeaptrack } from '../../src/import/heaptrack/importer.js';
import { prestartWorker, RING_LAYOUT, takeStandby, WorkerRun } from '../../src/import/heaptrack/prestart.js';
import { createRing, WRITTEN } from '../../src/import/heaptrack/ring.js';
import { SMALL_INPUT_BYTES } from '../../src/import/io/sniff.js';
import { FORMATS } from '../../src/import/registry.js';
import { WARM_UP_FORMATS } from '../../src/import/warm-up.js';
import type { Profile } from '../../src/model/profile.js';
import { fixture, fixtureFile, tempFiles, zstdText } from '../helpers/paths.js';

/**
 * Recordings of SMALL_INPUT_BYTES or more are tokenized on a worker thread, which the command
 * line starts reading ahead (prestart.ts) before it knows what the file is. The fixtures are
 * smaller, so these tests write the text of one out whole.
 */

const files = tempFiles('heaptrack-worker');
after(() => files.remove());

const recordingText = zstdText(fixture('heaptrack.big_20k.zst'));
const large = files.file(Buffer.from(recordingText, 'latin1'));

function summary(p: Profile) {
  return {
    totals: p.totals,
    samples: p.sampleCount,
    nodes: p.nodeCount,
    frames: p.frames.map((f) => f.name),
    values: p.values.map((v) => Array.from(v)),
    warnings: p.warnings,
  };
}

test('worker: a large recording read on the worker is the profile read on the main thread', async () => {
  assert.ok(recordingText.length >= SMALL_INPUT_BYTES, 'the text is large enough for the worker');
  // the compressed fixture is small: it is read on this thread
  const inThread = await importHeaptrack(fixture('heaptrack.big_20k.zst'));
  const onWorker = await importHeaptrack(large);
  assert.deepEqual(summary(onWorker), summary(inThread));
  assert.ok(inThread.totals.allocations > 200_000);
});

test('worker: started ahead on the same file, it is taken over; on another file, it is stopped', async () => {
  const expected = summary(await importHeaptrack(large));
  prestartWorker(large);
  assert.deepEqual(summary(await importHeaptrack(large)), expected);
  const other = files.file(Buffer.from(recordingText, 'latin1'));
  prestartWorker(other);
  assert.deepEqual(summary(await importHeaptrack(large)), expected);
  assert.equal(takeStandby(other), null, 'the run for the other file was given up');
});

test('worker: started ahead on a file that is no recording, it reads no further and says so', async () => {
  const plain = files.file(`${'main;work;alloc 1\n'.repeat(80_000)}`);
  for (const path of [plain, fixtureFile('folded/perf-example.folded')]) {
    const run = new WorkerRun({ path, ring: createRing(RING_LAYOUT), speculative: true });
    try {
      const until = Date.now() + 20_000;
      while (!run.outcome && !run.crash && Date.now() < until) await Promise.race([run.event(), sleep(100)]);
      assert.deepEqual(run.outcome, { type: 'foreign' }, path);
      assert.equal(new Int32Array(run.job.ring.control)[WRITTEN], 0, 'nothing was handed on');
    } finally {
      await run.stop();
    }
  }
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('worker: a run taken over before it found the file foreign is read again, as without it', async () => {
  const folded = files.file(`${'main;work;alloc 1\n'.repeat(80_000)}`);
  const without = await importHeaptrack(folded).then(summary, (e: Error) => e.message);
  prestartWorker(folded);
  // taken at once: the worker has not looked at the file yet
  const withRun = await importHeaptrack(folded).then(summary, (e: Error) => e.message);
  assert.deepEqual(withRun, without);
});

test('warm-up: every format of the registry with a warm-up is in the list loaded without the registry', () => {
  const withWarmUp = FORMATS.filter((f) => f.warmUp).map((f) => f.name);
  assert.deepEqual(
    WARM_UP_FORMATS.map((f) => f.name),
    withWarmUp,
  );
  assert.ok(withWarmUp.includes('heaptrack'));
});
