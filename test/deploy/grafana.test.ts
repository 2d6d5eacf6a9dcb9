import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { requireOrSkip, ROOT, tempFiles } from '../helpers/paths.js';

/** deploy/grafana: the dashboard shows what it says, and every PromQL expression in it is valid. */

const files = tempFiles('grafana');
after(files.remove);
const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/heapflame-dashboard.json'), 'utf8'));
const expressions: string[] = dashboard.panels.flatMap((p: { targets: { expr: string }[] }) =>
  p.targets.map((t) => t.expr),
);

test('panels: QPS, TTFB p50/p99, heap and its peak, RSS, tasks', () => {
  const all = expressions.join('\n');
  for (const series of [
    'heapflame_http_request_duration_seconds_count',
    'heapflame_http_ttfb_seconds_bucket',
    'heapflame_heap_used_bytes',
    'heapflame_heap_peak_bytes',
    'heapflame_rss_bytes',
    'heapflame_active_tasks',
  ]) {
    assert.ok(all.includes(series), series);
  }
  assert.ok(all.includes('histogram_quantile(0.5,') && all.includes('histogram_quantile(0.99,'));
});

test('promtool accepts every expression (Grafana variables replaced by what Grafana would send)', (t) => {
  const missing = requireOrSkip('promtool');
  if (missing) return t.skip(missing);
  const concrete = (e: string) => e.replaceAll('$__rate_interval', '1m').replaceAll('$instance', '.*');
  // each expression as a recording rule: `promtool check rules` parses and checks them
  const rules = [
    'groups:',
    '  - name: dashboard',
    '    rules:',
    ...expressions.flatMap((e, i) => [
      `      - record: dashboard:expr${i}`,
      `        expr: ${JSON.stringify(concrete(e))}`,
    ]),
  ].join('\n');
  const file = join(files.dir, 'dashboard-rules.yml');
  writeFileSync(file, `${rules}\n`);
  const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`SUCCESS: ${expressions.length} rules found`));
});
