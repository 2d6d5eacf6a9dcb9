import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LIVE, PeakTracker, STRIDE } from '../../src/import/peak-tracker.js';

/** Drives a tracker as the parsers do: events into the log, LIVE alongside, checkpoints when full. */
function run(tracker: PeakTracker, infos: number, events: number[], sizes: number[]) {
  tracker.ensureInfos(infos);
  let bytes = 0;
  let peak = 0;
  for (const e of events) {
    const v = Math.abs(e) - 1;
    tracker.info[v * STRIDE + LIVE] += Math.sign(e);
    bytes += Math.sign(e) * sizes[v];
    tracker.log[tracker.len++] = e;
    if (bytes > peak) {
      peak = bytes;
      tracker.markPeakAt(tracker.len);
    }
    if (tracker.len === tracker.log.length) tracker.checkpoint();
  }
  return tracker.finish();
}

test('peak tracker: live blocks per info at the first maximum, across checkpoints', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.tuple(fc.nat(5), fc.boolean()), { maxLength: 300 }),
      fc.integer({ min: 1, max: 40 }),
      (sizes, steps, capacity) => {
        // frees only of live blocks
        const live = sizes.map(() => 0);
        const events: number[] = [];
        for (const [i, alloc] of steps) {
          const v = i % sizes.length;
          if (alloc) live[v]++;
          else if (live[v] > 0) live[v]--;
          else continue;
          events.push(alloc ? v + 1 : -(v + 1));
        }
        // brute force: the counts after the event that first reached the maximum
        const counts = sizes.map(() => 0);
        let expected = [...counts];
        let bytes = 0;
        let peak = 0;
        for (const e of events) {
          counts[Math.abs(e) - 1] += Math.sign(e);
          bytes += Math.sign(e) * sizes[Math.abs(e) - 1];
          if (bytes > peak) {
            peak = bytes;
            expected = [...counts];
          }
        }
        const got = run(new PeakTracker(capacity), sizes.length, events, sizes);
        assert.deepEqual([...got.subarray(0, sizes.length)], expected);
      },
    ),
  );
});

test('peak tracker: counts past 32 bits widen the checkpoint arrays and stay exact', () => {
  const tracker = new PeakTracker(8);
  tracker.ensureInfos(2);
  const many = 2 ** 33 + 3;
  tracker.info[0 * STRIDE + LIVE] = many;
  tracker.checkpoint();
  // the peak early in the log: it is replayed from the checkpoint's copy
  for (const e of [2, -2, 2, -2]) {
    tracker.log[tracker.len++] = e;
    tracker.info[1 * STRIDE + LIVE] += Math.sign(e);
    if (tracker.len === 1) tracker.markPeakAt(1);
  }
  const atPeak = tracker.finish();
  assert.equal(atPeak[0], many);
  assert.equal(atPeak[1], 1);
});

test('peak tracker: infos made room for while events come (arrays grown past their first 4,096) stay exact', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(9), fc.boolean()), { maxLength: 200 }),
      fc.integer({ min: 1, max: 30 }),
      (steps, capacity) => {
        // ten infos spread over 40,000 indices, each made room for when first seen
        const index = (i: number) => i * 4001;
        const tracker = new PeakTracker(capacity);
        const live = new Map<number, number>();
        const counts = new Map<number, number>();
        let expected = new Map<number, number>();
        let bytes = 0;
        let peak = 0;
        for (const [i, alloc] of steps) {
          const v = index(i);
          if (!alloc && !live.get(v)) continue;
          tracker.ensureInfos(v + 1);
          live.set(v, (live.get(v) ?? 0) + (alloc ? 1 : -1));
          counts.set(v, live.get(v)!);
          tracker.info[v * STRIDE + LIVE] += alloc ? 1 : -1;
          bytes += (alloc ? 1 : -1) * (i + 1);
          tracker.log[tracker.len++] = alloc ? v + 1 : -(v + 1);
          if (bytes > peak) {
            peak = bytes;
            expected = new Map(counts);
            tracker.markPeakAt(tracker.len);
          }
          if (tracker.len === tracker.log.length) tracker.checkpoint();
        }
        const got = tracker.finish();
        for (let i = 0; i < 10; i++) assert.equal(got[index(i)] ?? 0, expected.get(index(i)) ?? 0);
      },
    ),
  );
});
