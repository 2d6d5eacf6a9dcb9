import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { requireOrSkip, ROOT } from '../helpers/paths.js';

/** deploy/prometheus: the alert rules are valid and fire (and stay quiet) as their tests say. */

const DIR = join(ROOT, 'deploy/prometheus');

test('promtool: alerts.yml is valid, and alerts.test.yml passes (fire and not-fire cases)', (t) => {
  const missing = requireOrSkip('promtool');
  if (missing) return t.skip(missing);
  const check = spawnSync('promtool', ['check', 'rules', join(DIR, 'alerts.yml')], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /SUCCESS: 4 rules found/);
  const rules = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], { encoding: 'utf8', cwd: DIR });
  assert.equal(rules.status, 0, rules.stdout + rules.stderr);
  assert.match(rules.stdout, /SUCCESS/);
});

test('every series the alerts use is one heapflame/metrics exports', async () => {
  const { readFileSync } = await import('node:fs');
  const { createMetrics } = await import('heapflame/metrics');
  const rules = readFileSync(join(DIR, 'alerts.yml'), 'utf8');
  const used = new Set([...rules.matchAll(/\b(heapflame_\w+?)(?:_bucket|_count|_sum)?\b/g)].map((m) => m[1]));
  const m = createMetrics();
  try {
    const exported = new Set([...(await m.registry.metrics()).matchAll(/^# TYPE (\w+) /gm)].map((x) => x[1]));
    for (const name of used) assert.ok(exported.has(name), `${name} is exported`);
  } finally {
    m.stop();
  }
});
