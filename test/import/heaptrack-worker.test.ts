import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { after, test } from 'node:test';
import { importHeaptrack } from '../../src/import/heaptrack/importer.js';
import { prestartWorker, takeStandby, WorkerRun } from '../../src/import/heaptrack/prestart.js';
import { WRITTEN } from '../../src/import/heaptrack/ring.js';
import { SMALL_INPUT_BYTES } from '../../src/import/io/sniff.js';
import { FORMATS } from '../../src/import/registry.js';
import { WARM_UP_FORMATS } from '../../src/import/warm-up.js';
import type { Profile } from '../../src/model/profile.js';
import { fixture, fixtureFile, hasCommand, tempFiles, zstdText } from '../helpers/paths.js';

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
    const run = new WorkerRun(path, undefined, true);
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

/** Child processes of this process named `name` (Linux /proc). */
function childrenNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const [, comm, rest] = /^\d+ \((.*)\) (.*)$/s.exec(stat) ?? [];
      if (comm === name && Number(rest?.split(' ')[1]) === process.pid) pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

test('worker: an import that stops early (its time window ended) leaves no zstd process behind', {
  skip: process.platform !== 'linux' || !hasCommand('zstd') ? 'needs Linux and zstd' : false,
}, async () => {
  // random comment lines after the events, so that the compressed file is large enough for
  // the zstd process and the worker, and the window ends long before the data does
  const noise = Array.from({ length: 24_000 }, () => `# ${randomBytes(48).toString('hex')}\n`).join('');
  const text = files.file(Buffer.from(recordingText + noise, 'latin1'));
  const zst = `${text}.zst`;
  assert.equal(spawnSync('zstd', ['-q', '-1', '-f', text, '-o', zst]).status, 0);
  assert.ok(statSync(zst).size >= SMALL_INPUT_BYTES, 'large enough for the worker');
  for (const early of [false, true]) {
    if (early) prestartWorker(zst);
    const p = await importHeaptrack(zst, { from: { ms: 0 }, to: { ms: 5 } });
    assert.ok(p.totals.allocations < 221_076, 'the window holds part of the run');
    // zstd's exit is seen a moment later
    const until = Date.now() + 5_000;
    while (childrenNamed('zstd').length && Date.now() < until) await sleep(50);
    assert.deepEqual(childrenNamed('zstd'), [], early ? 'started ahead' : 'started by the import');
  }
});
