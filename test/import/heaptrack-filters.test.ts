import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { importHeaptrack } from '../../src/import/heaptrack/importer.js';
import { loadProfile } from '../../src/load.js';
import type { Profile } from '../../src/model/profile.js';
import { fixture } from '../helpers/paths.js';

/**
 * Size and time filters run inside the import; known answers from leaks.c (reference 9.2)
 * and from a hand-made recording with a clear time structure.
 */

const dir = mkdtempSync(join(tmpdir(), 'heapflame-filters-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const summary = (p: Profile) => ({
  allocations: p.totals.allocations,
  temporary: p.totals.temporary,
  leaked: p.totals.leaked,
  peak: p.totals.peak,
  allocated: p.totals.allocated,
});

test('leaks.c with --min-size 1K: the peak phase and the EH pool only', async () => {
  const p = await importHeaptrack(fixture('heaptrack.leaks.zst'), { minSize: 1024 });
  // 10 x 100000 B (peak_phase) + 1 x 72704 B (EH pool); the pool's free counts as temporary
  // (heaptrack's info-0 rule) as does the first of peak_phase's frees
  assert.deepEqual(summary(p), { allocations: 11, temporary: 2, leaked: 0, peak: 1_072_704, allocated: 1_072_704 });
});

test('leaks.c with --max-size 100: small blocks only, temporary and peak recomputed', async () => {
  const p = await importHeaptrack(fixture('heaptrack.leaks.zst'), { maxSize: 100 });
  // leak_small 10, temp_alloc 100, nontemp_pair 100, realloc_chain 60, same_site_pair 20, deep 8 B 1
  // temporaries: temp_alloc 100 + realloc_chain 60 + same_site_pair 10
  // peak: leak_small's 1000 B live + same_site_pair's 2 x 48 B
  assert.deepEqual(summary(p), { allocations: 291, temporary: 170, leaked: 1000, peak: 1096, allocated: 13_808 });
  const leakSmall = p.frames.findIndex((f) => f.name === 'leak_small');
  assert.ok(leakSmall >= 0);
});

test('a size range that matches nothing gives zero totals, not an error', async () => {
  const p = await importHeaptrack(fixture('heaptrack.leaks.zst'), { minSize: 200_000 });
  assert.deepEqual(summary(p), { allocations: 0, temporary: 0, leaked: 0, peak: 0, allocated: 0 });
});

/**
 * t=0: 10 x early (64 B) and 3 x steady (32 B) allocated before the window.
 * t=1000: 5 x steady malloc+free (temporary); one more steady free (an old block);
 *         5 early frees (old blocks); 4 x late (128 B), 2 of them freed.
 * t=2000: 3 x late after the window.
 */
function windowRecording(): string {
  const lines = ['v 10400 3', 'X prog', 'I 1000 100'];
  for (const s of ['main', 'early', 'late', 'steady']) lines.push(`s ${s.length.toString(16)} ${s}`);
  lines.push('i 1 0 1', 'i 2 0 2', 'i 3 0 3', 'i 4 0 4', 't 1 0', 't 2 1', 't 3 1', 't 4 1');
  // info 0 stays unused: heaptrack counts any free of info 0 after another free as temporary
  lines.push('a 1 1', 'a 40 2', 'a 80 3', 'a 20 4', 'c 0');
  for (let i = 0; i < 10; i++) lines.push('+ 1');
  for (let i = 0; i < 3; i++) lines.push('+ 3');
  lines.push('c 3e8');
  for (let i = 0; i < 5; i++) lines.push('+ 3', '- 3');
  lines.push('- 3');
  for (let i = 0; i < 5; i++) lines.push('- 1');
  lines.push('+ 2', '+ 2', '+ 2', '+ 2', '- 2', '- 2', 'c 7d0', '+ 2', '+ 2', '+ 2', 'c bb8', '');
  return lines.join('\n');
}

test('time window: only events inside count; leaked = allocated in the window, live at its end', async () => {
  const path = join(dir, 'window');
  writeFileSync(path, windowRecording());
  const whole = await importHeaptrack(path);
  assert.deepEqual(summary(whole), {
    allocations: 25,
    temporary: 6,
    leaked: 5 * 64 + 2 * 32 + 5 * 128,
    peak: 1024,
    allocated: 1792,
  });

  const p = await importHeaptrack(path, { from: { ms: 1000 }, to: { ms: 1500 } });
  // in the window: 5 steady (all temporary) + 4 late; the first late free directly follows a late
  // malloc, so it is temporary too (heaptrack's rule). Frees of older blocks do not count.
  assert.deepEqual(summary(p), { allocations: 9, temporary: 6, leaked: 256, peak: 512, allocated: 5 * 32 + 4 * 128 });
  assert.equal(p.meta.durationMs, 500);
  const late = p.frames.findIndex((f) => f.name === 'late');
  const lateLeaked = [...Array(p.sampleCount).keys()]
    .filter((i) => p.nodeFrame[p.sampleNode[i]] === late)
    .reduce((s, i) => s + p.values[2][i], 0);
  assert.equal(lateLeaked, 256);

  const byPercent = await importHeaptrack(path, { from: { percent: 33.3 }, to: { percent: 50 } });
  assert.deepEqual(summary(byPercent), summary(p));

  const after = await importHeaptrack(path, { from: { ms: 2000 } });
  assert.deepEqual(summary(after), { allocations: 3, temporary: 0, leaked: 384, peak: 384, allocated: 384 });
});

test('leaks.c focus and exclude keep matching stacks and recompute totals', async () => {
  const focus = await loadProfile(fixture('heaptrack.leaks.zst'), { focus: /^leak_/ });
  assert.equal(focus.totals.allocations, 15);
  assert.equal(focus.totals.leaked, 2000);
  assert.equal(focus.totals.peak, 2000); // their share of the global peak
  const exclude = await loadProfile(fixture('heaptrack.leaks.zst'), { exclude: /temp_alloc|realloc_chain/ });
  assert.equal(exclude.totals.allocations, 308 - 100 - 60);
  assert.equal(exclude.totals.temporary, 172 - 100 - 60);
});
