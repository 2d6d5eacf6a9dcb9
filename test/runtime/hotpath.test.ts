import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { measure } from 'heapflame/hotpath';
import { ROOT, tempFiles } from '../helpers/paths.js';

/** heapflame/hotpath on a program with known hot paths, as a user runs it. */

const WORKLOAD = join(ROOT, 'test/fixtures/hotpath/workload.mjs');
const files = tempFiles('hotpath');
after(files.remove);

test('disabled (no HEAPFLAME_HOTPATH), measure returns the function itself', () => {
  const f = (x: number) => x + 1;
  assert.equal(measure(f), f);
});

test('HEAPFLAME_HOTPATH=1: calls, times, percentiles, % of total and bytes per call, as a table and JSON', () => {
  const json = join(files.dir, 'hotpath.json');
  const r = spawnSync(process.execPath, [WORKLOAD], {
    encoding: 'utf8',
    env: { ...process.env, HEAPFLAME_HOTPATH: '1', HEAPFLAME_HOTPATH_JSON: json },
    cwd: ROOT,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /\[heapflame hotpath\] 4 functions/);
  assert.match(
    r.stderr,
    /\| Function +\| Calls \| +Avg \| +P50 \| +P95 \| +P99 \| +Total \| % Total \| +Alloc\/call \|/,
  );
  const doc = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(doc.schema, 'heapflame.hotpath/1');
  const row = (name: string) => doc.rows.find((x: { name: string }) => x.name === name);
  const spin = row('spin');
  assert.equal(spin.calls, 50);
  assert.ok(spin.avgMs >= 2 && spin.avgMs < 4, `spin avg ${spin.avgMs}`);
  assert.ok(spin.percentilesMs.p50 >= 2 && spin.percentilesMs.p99 >= spin.percentilesMs.p50);
  assert.ok(spin.percentTotal > 20 && spin.percentTotal <= 100, `spin ${spin.percentTotal}%`);
  // 1 000 objects (at least 16 bytes each; new objects carry slack until V8 has seen enough
  // of them) and the growing array that holds them: tens of KB a call
  const build = row('build');
  assert.equal(build.calls, 200);
  assert.ok(build.allocBytesPerCall > 16_000 && build.allocBytesPerCall < 128_000, `build ${build.allocBytesPerCall}`);
  const later = row('fetchLater');
  assert.equal(later.calls, 5);
  assert.ok(later.avgMs >= 4, `async calls count until they settle: ${later.avgMs}`);
  assert.equal(later.allocBytesPerCall, null, 'async calls: bytes not measured');
  assert.equal(row('setup').calls, 1);
  // rows by total, widest first
  assert.deepEqual(doc.rows.map((x: { name: string }) => x.name).slice(0, 1), ['spin']);
});
