import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { foldedChunks } from '../../src/export/folded.js';
import { loadProfile } from '../../src/load.js';
import { importHeaptrack } from '../../src/import/heaptrack/importer.js';
import { requireOrSkip, ROOT } from '../helpers/paths.js';

/**
 * With the real tool: compile a small C program, record it with the installed heaptrack and
 * compare heapflame with the installed heaptrack_print on that fresh recording.
 * (Skipped where heaptrack is missing, except in CI, where .ci/run installs it.)
 */

const skip = requireOrSkip('heaptrack') ?? requireOrSkip('gcc');
const dir = mkdtempSync(join(tmpdir(), 'heapflame-live-'));
let recording = '';
after(() => rmSync(dir, { recursive: true, force: true }));
before(() => {
  if (skip) return;
  const exe = join(dir, 'phases');
  execFileSync('gcc', ['-g', '-O0', '-fno-omit-frame-pointer', '-o', exe, join(ROOT, 'test/fixtures/live/phases.c')]);
  execFileSync('heaptrack', ['-o', join(dir, 'heaptrack.phases'), exe], {
    cwd: dir,
    stdio: 'ignore',
    timeout: 120_000,
  });
  const made = readdirSync(dir).find((f) => f.startsWith('heaptrack.phases.'));
  assert.ok(made, 'heaptrack wrote a recording');
  recording = join(dir, made);
});

test('fresh recording: folded output per cost equals heaptrack_print -F', { skip }, async () => {
  const profile = await loadProfile(recording, { raw: true, heaptrackCompat: true });
  for (const cost of ['allocations', 'temporary', 'leaked', 'peak']) {
    const out = join(dir, `${cost}.folded`);
    execFileSync(
      'heaptrack_print',
      [recording, '-a', '0', '-p', '0', '-T', '0', '-F', out, '--flamegraph-cost-type', cost],
      { stdio: 'ignore' },
    );
    const theirs = readFileSync(out, 'latin1').split('\n').filter(Boolean).sort();
    const ours = Buffer.from([...foldedChunks(profile, { cost, heaptrackOrder: true })].join(''), 'utf8')
      .toString('latin1')
      .split('\n')
      .filter(Boolean)
      .sort();
    assert.deepEqual(ours, theirs, cost);
  }
});

test('fresh recording: totals equal heaptrack_print summary', { skip }, async () => {
  const text = execFileSync('heaptrack_print', [recording], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const num = (re: RegExp) => Number(re.exec(text)?.[1]);
  const p = await importHeaptrack(recording);
  assert.equal(p.totals.allocations, num(/^calls to allocation functions: (\d+)/m));
  assert.equal(p.totals.temporary, num(/^temporary memory allocations: (\d+)/m));
  assert.equal(p.totals.allocations, 1000 + 20 + 50 * 9 + 8 + 30 + 1, 'program allocations + the EH pool');
  assert.equal(p.totals.leaked, 20 * 100 + (19 * 20) / 2, 'the 20 leak_block blocks');
  assert.ok(p.totals.peak >= 8 * 250000 + 2190);
});

test('fresh recording: a time window isolates the middle phase', { skip }, async () => {
  // phase 1 (1000 temporaries) runs at ~0 ms, phase 2 at ~150 ms, phase 3 at ~300 ms
  const p = await importHeaptrack(recording, { from: { ms: 100 }, to: { ms: 250 } });
  assert.equal(p.totals.allocations, 20 + 50 * 9 + 8);
  assert.equal(p.totals.temporary, 50 * 9 + 1);
  assert.equal(p.totals.leaked, 2190);
  assert.equal(p.totals.peak, 8 * 250000 + 2190);
});
