import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rangeValues } from '../../src/analyze/lifetimes.js';
import { importHeaptrack } from '../../src/import/heaptrack/importer.js';
import { loadProfile } from '../../src/load.js';
import { join } from 'node:path';
import { costIndex, type Profile } from '../../src/model/profile.js';
import { fixture, ROOT } from '../helpers/paths.js';

/**
 * Lifetimes by time slice give, for any range of slices, what an import with that time window
 * (`--from/--to`) counts: per allocation site, allocations, temporary, allocated and leaked.
 */

const RECORDINGS = [
  fixture('heaptrack.s3sim.zst'),
  fixture('heaptrack.big_20k.zst'),
  fixture('heaptrack.node.zst'),
  join(ROOT, 'examples/demo/heaptrack.s3-get.zst'),
];

/** Ranges over a recording of `n` slices: whole, halves, a middle third, one slice, the last. */
function ranges(n: number): [number, number][] {
  const third = Math.floor(n / 3);
  return [
    [0, n - 1],
    [0, Math.floor(n / 2)],
    [Math.floor(n / 2), n - 1],
    [third, Math.max(third, 2 * third)],
    [third, third],
    [n - 1, n - 1],
  ];
}

function assertSameSites(range: Record<string, Float64Array>, windowed: Profile, what: string): void {
  for (const id of ['allocations', 'temporary', 'allocated', 'leaked']) {
    const c = costIndex(windowed, id);
    const expected = windowed.values[c];
    // sites first seen after the window are not in the windowed import: they have nothing in it
    for (let s = 0; s < range[id].length; s++) {
      const want = s < windowed.sampleCount ? expected[s] : 0;
      if (range[id][s] !== want) assert.fail(`${what}: ${id} of site ${s}: ${range[id][s]} vs ${want} (--from/--to)`);
    }
  }
}

for (const file of RECORDINGS) {
  test(`time ranges of ${file.split('/').pop()} count as --from/--to do`, async () => {
    const p = await importHeaptrack(file, { lifetimes: true });
    const l = p.lifetimes!;
    assert.ok(l, 'lifetimes asked for');
    const slices = l.edgesMs.length - 1;
    assert.ok(slices >= 1 && slices <= 256, `${slices} slices`);
    // the whole recording: the profile's own values
    const whole = rangeValues(p, 0, slices - 1);
    for (const id of ['allocations', 'temporary', 'allocated', 'leaked'])
      assert.deepEqual(whole[id], p.values[costIndex(p, id)], id);
    for (const [a, b] of ranges(slices)) {
      const from = l.edgesMs[a];
      // heaptrack's stamps are whole milliseconds: the slice ends just before its upper edge
      const to = l.edgesMs[b + 1] - 1;
      const windowed = await importHeaptrack(file, { from: { ms: from }, to: { ms: to } });
      assertSameSites(rangeValues(p, a, b), windowed, `slices ${a}..${b} (${from}..${to} ms)`);
    }
  });
}

test('lifetimes follow the stack filters: the kept sites renumbered', async () => {
  const file = fixture('heaptrack.s3sim.zst');
  const all = await loadProfile(file, { lifetimes: true });
  const focused = await loadProfile(file, { lifetimes: true, focus: /read_object_body/ });
  assert.ok(focused.sampleCount < all.sampleCount);
  const n = focused.lifetimes!.edgesMs.length - 1;
  const whole = rangeValues(focused, 0, n - 1);
  assert.deepEqual(whole.allocations, focused.values[costIndex(focused, 'allocations')]);
});

test('lifetimes are only made when asked for, and not with a time window', async () => {
  const file = fixture('heaptrack.s3sim.zst');
  assert.equal((await importHeaptrack(file)).lifetimes, undefined);
  assert.equal((await importHeaptrack(file, { lifetimes: true, to: { ms: 50 } })).lifetimes, undefined);
});
