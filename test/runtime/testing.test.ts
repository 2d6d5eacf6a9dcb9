import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { expectNoForgottenTasks, expectNoLeaks, heapStats } from 'heapflame/testing';

/** heapflame/testing as a user's node:test file uses it (imported by the package's name). */

const cache: unknown[] = [];
function leakyHandler() {
  // a module-level cache nobody empties: 64 objects a call
  for (let i = 0; i < 64; i++) cache.push({ id: i, payload: [i, i, i] });
}
function cleanHandler() {
  let sum = 0;
  for (let i = 0; i < 64; i++) sum += JSON.stringify({ id: i, payload: [i, i, i] }).length;
  return sum;
}

test('expectNoLeaks: a clean function passes, a leaking one fails and names who allocated and who holds it', async () => {
  await expectNoLeaks(cleanHandler);
  await expectNoLeaks(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    cleanHandler();
  });
  await assert.rejects(expectNoLeaks(leakyHandler), (e: Error) => {
    assert.match(e.message, /each run of leakyHandler keeps \d+ bytes \(counted over 5 × 50 runs; tolerance 0\)/);
    assert.match(e.message, /leakyHandler \(.*testing\.test\.js:\d+\)/);
    assert.doesNotMatch(e.message, /sampler\.js|runtime\/testing\.js/, "heapflame's own frames are not named");
    // who holds it: the 50 runs of the last window made 50 × 64 objects, all in the cache
    assert.match(
      e.message,
      /held by [^\n]*:\n {2}3,200 × Object \([^)]*retained\): … .*--cache \(context\)--> Array --\[\d+\] \(element\)--> Object\n/,
    );
    return true;
  });
  // a tolerance above what it keeps lets it pass
  await expectNoLeaks(leakyHandler, { toleranceBytes: 1 << 20, runs: 3 });
});

test('expectNoForgottenTasks: a forgotten interval and a forgotten promise fail with where they were made; awaited work passes', async () => {
  await expectNoForgottenTasks(async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    await new Promise((resolve) => server.close(resolve));
  });
  let interval: NodeJS.Timeout | undefined;
  try {
    await assert.rejects(
      expectNoForgottenTasks(function startsPolling() {
        interval = setInterval(() => {}, 60_000);
      }),
      (e: Error) => {
        assert.match(e.message, /1 task left running/);
        assert.match(e.message, /timer created at startsPolling/);
        return true;
      },
    );
  } finally {
    clearInterval(interval);
  }
  await assert.rejects(
    expectNoForgottenTasks(async function waitsForever() {
      void new Promise(() => {});
    }),
    (e: Error) => {
      assert.match(e.message, /pending promise created at waitsForever/);
      return true;
    },
  );
});

test('heapStats: dhat-rs names; totals grow with what is allocated, the maximum holds the peak', () => {
  const before = heapStats();
  const big = Array.from({ length: 200_000 }, (_, i) => ({ i }));
  const during = heapStats();
  assert.ok(
    during.totalBytes - before.totalBytes >= 200_000 * 16,
    `allocated ${during.totalBytes - before.totalBytes}`,
  );
  assert.ok(during.maxBytes >= during.currBytes);
  assert.equal(big.length, 200_000);
  assert.equal(during.currBlocks, undefined, 'V8 does not count objects');
  for (const k of ['currBytes', 'maxBytes', 'totalBytes', 'externalBytes'] as const)
    assert.ok(Number.isFinite(during[k]) && during[k] >= 0, k);
});
