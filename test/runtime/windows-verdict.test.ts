import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { WINDOWS, windowsVerdict } from '../../src/runtime/windows-verdict.js';

/** The verdict as expectNoLeaks reaches it: windows one at a time, stopping at the first answer. */
function verdictOf(windows: number[], perWindow: number): { kept: number; windowsRead: number } {
  const all = Float64Array.from(windows);
  for (let k = 1; k <= WINDOWS; k++) {
    const v = windowsVerdict(all.subarray(0, k), perWindow);
    if (v !== undefined) return { kept: v, windowsRead: k };
  }
  throw new Error('no verdict after every window');
}

test('windowsVerdict: a 16-byte leak per run over 50-run windows, as Node 26 moved them', () => {
  // seen under Node 26: a window 16 bytes short, another 64 long
  assert.deepEqual(verdictOf([784, 800, 800, 864, 800], 50), { kept: 16, windowsRead: 5 });
  assert.deepEqual(verdictOf([800, 800, 800, 0, 0], 50), { kept: 16, windowsRead: 3 });
  // seen under Node 26: 360 bytes counted a window late (the old rule, smallest at least half
  // the largest, said nothing was kept)
  assert.deepEqual(verdictOf([784, 800, 1160, 440, 800], 50), { kept: 16, windowsRead: 5 });
  // one window with 1,760 bytes freed in it (a growth once seen between two single runs) is left out
  assert.deepEqual(verdictOf([800, 800 - 1760, 800, 800, 0], 50), { kept: 16, windowsRead: 4 });
  assert.deepEqual(verdictOf([784, 800 - 1760, 816, 800, 792], 50), { kept: 16, windowsRead: 5 });
  // and one that grew by as much
  assert.deepEqual(verdictOf([784, 800 + 1760, 816, 800, 792], 50), { kept: 16, windowsRead: 5 });
});

test('windowsVerdict: windows that kept nothing, or moved apart, say nothing is kept', () => {
  assert.deepEqual(verdictOf([0, 0, 800, 800, 800], 50), { kept: 0, windowsRead: 2 });
  assert.deepEqual(verdictOf([88, 0, -88, 800, 800], 50), { kept: 0, windowsRead: 3 });
  // growths of unlike sizes are not one function's: the second smallest below half the second largest
  assert.deepEqual(verdictOf([120, 400, 2000, 64, 900], 50), { kept: 0, windowsRead: 5 });
});

test('windowsVerdict: the figure is the median window per run, whatever one window at each end did', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4096 }),
      fc.integer({ min: 10, max: 200 }),
      fc.array(fc.integer({ min: -64, max: 64 }), { minLength: WINDOWS, maxLength: WINDOWS }),
      fc.integer({ min: 0, max: WINDOWS - 1 }),
      fc.integer({ min: -100_000, max: 100_000 }),
      (bytesPerRun, perWindow, jitter, outlierAt, outlier) => {
        // a growth well above the jitter (expectNoLeaks' windows: 50 runs; its smallest leak: 16 bytes)
        fc.pre(bytesPerRun * perWindow >= 256);
        const windows = jitter.map((j) => bytesPerRun * perWindow + j);
        windows[outlierAt] += outlier;
        const { kept } = verdictOf(windows, perWindow);
        // the median of the other four is within the jitter of the true growth
        const tolerance = Math.ceil(64 / perWindow) + 1;
        assert.ok(Math.abs(kept - bytesPerRun) <= tolerance, `${kept} vs ${bytesPerRun} (${windows})`);
      },
    ),
  );
});
