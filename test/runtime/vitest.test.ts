import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/paths.js';

/** heapflame/testing works under vitest too: its own runner, its own workers. */
test('a vitest file using heapflame/testing passes under vitest', () => {
  const r = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--root',
      join(ROOT, 'test/fixtures/vitest'),
      '--reporter',
      'verbose',
    ],
    {
      encoding: 'utf8',
      cwd: ROOT,
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      timeout: 120_000,
    },
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /4 passed/);
});
