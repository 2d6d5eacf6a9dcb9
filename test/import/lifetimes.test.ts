import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rangeValues } from '../../src/analyze/lifetimes.js';
import { importHeaptrack } from '../../src/import/heaptrack/importer.js';
import { loadProfile } from '../../src/load.js';
import { join } from 'node:path';
import { costIndex, type Profile } from '../../src/model/profile.js';
import { fixture, ROOT } from '../helpers/paths.js';
import { SliceLog } from '../../src/import/heaptrack/slices.js';
import { ALLOCS, EFF_SIZE, LIVE, STRIDE } from '../../src/import/peak-tracker.js';

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

test('time slices: counts past 32 bits move the per-site state to doubles and stay exact', () => {
  // one site of 8-byte blocks: 2^33 + 3 allocated in slice 0, 2^32 + 1 freed in slice 1, the rest live
  const info = new Float64Array(STRIDE);
  const infos = { infoCount: 1, infoRecord: Int32Array.of(0), infoIncluded: Uint8Array.of(1), peak: { info } };
  const log = new SliceLog(infos);
  log.ensureInfos(1);
  const many = 2 ** 33 + 3;
  const freed = 2 ** 32 + 1;
  info[EFF_SIZE] = 8;
  info[ALLOCS] = many;
  info[LIVE] = many;
  log.tick(1);
  log.tick(5);
  info[LIVE] = many - freed;
  log.tick(9);
  const l = log.lifetimes();
  const rows = Array.from(l.sample, (_, r) => [l.born[r], l.died[r], l.flags[r], l.count[r], l.bytes[r]]);
  assert.deepEqual(rows, [
    [0, 1, 0, freed, freed * 8],
    [0, 3, 0, many - freed, (many - freed) * 8],
  ]);
});
