import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/paths.js';

/**
 * expectNoLeaks on functions that keep nothing, in the shapes user code has (sync and async,
 * closures, strings, Maps, typed arrays, Buffers, timers, classes; test/fixtures/testing/
 * shapes.mjs), 100 times under node:test and 100 times under vitest: no false positive, and a
 * 16-byte leak per run is caught with its size. The two runners run side by side.
 */

function run(args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    // a runner of its own, not a file of this run (node:test marks its children by NODE_TEST_CONTEXT)
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...env, CI: 'true', NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (status) => resolve({ status, out }));
  });
}

test('expectNoLeaks: clean functions of every shape pass 100 times under node:test and vitest; a 16-byte leak is caught', {
  timeout: 300_000,
}, async () => {
  const [nodeTest, vitest] = await Promise.all([
    run(['--test', '--test-reporter=spec', join(ROOT, 'test/fixtures/testing/shapes.node-test.mjs')]),
    run([
      join(ROOT, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--root',
      join(ROOT, 'test/fixtures/testing/vitest'),
      '--reporter',
      'verbose',
    ]),
  ]);
  assert.equal(nodeTest.status, 0, nodeTest.out);
  assert.match(nodeTest.out, /pass 11\b/);
  assert.match(nodeTest.out, /a 16-byte leak per run is caught/);
  assert.equal(vitest.status, 0, vitest.out);
  assert.match(vitest.out, /11 passed/);
});
