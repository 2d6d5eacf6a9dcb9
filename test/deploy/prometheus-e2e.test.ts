import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CLI, requireOrSkip, ROOT, tempFiles } from '../helpers/paths.js';

/**
 * End to end with a real Prometheus (Debian's): the demo service on loopback, Prometheus
 * scraping it every second with a copy of the alert rules whose heap threshold is lowered, GET
 * requests driven through it; the query API must show the heap peak and the TTFB histogram,
 * and HeapPeakHigh must go pending.
 */
const files = tempFiles('prom-e2e');
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGTERM');
  files.remove();
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

test('Prometheus scrapes the demo service: heap peak and TTFB queryable, HeapPeakHigh pending', {
  timeout: 120_000,
}, async (t) => {
  const missing = requireOrSkip('prometheus');
  if (missing) return t.skip(missing);
  const [s3Port, metricsPort, promPort] = [await freePort(), await freePort(), await freePort()];
  const demo = spawn(
    process.execPath,
    [
      CLI,
      'demo',
      '--serve',
      '--port',
      String(s3Port),
      '--metrics-port',
      String(metricsPort),
      '--data',
      join(files.dir, 'data'),
    ],
    { stdio: 'ignore' },
  );
  children.push(demo);
  // the alerts as shipped, with the heap threshold lowered so that the demo crosses it
  const rules = readFileSync(join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8').replace(
    '> 2 * 1024 * 1024 * 1024',
    '> 1024',
  );
  assert.ok(rules.includes('> 1024'), 'the threshold was found');
  writeFileSync(join(files.dir, 'alerts.yml'), rules);
  writeFileSync(
    join(files.dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [alerts.yml]\nscrape_configs:\n  - job_name: demo\n    static_configs:\n      - targets: ['127.0.0.1:${metricsPort}']\n`,
  );
  const prom = spawn(
    'prometheus',
    [
      `--config.file=${join(files.dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(files.dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ],
    { stdio: 'ignore' },
  );
  children.push(prom);
  const api = `http://127.0.0.1:${promPort}/api/v1`;
  const query = async (q: string) => {
    const r = (await (await fetch(`${api}/query?query=${encodeURIComponent(q)}`)).json()) as {
      data: { result: { value: [number, string] }[] };
    };
    return r.data.result;
  };

  // traffic: a bucket, objects, and GETs
  await until('the demo service', async () => ((await fetch(`http://127.0.0.1:${s3Port}/`)).ok ? true : undefined));
  await fetch(`http://127.0.0.1:${s3Port}/e2e`, { method: 'PUT' });
  for (let i = 0; i < 5; i++)
    await fetch(`http://127.0.0.1:${s3Port}/e2e/obj${i}`, { method: 'PUT', body: Buffer.alloc(10_000, i) });
  const drive = setInterval(
    () =>
      void fetch(`http://127.0.0.1:${s3Port}/e2e/obj${Math.floor(Math.random() * 5)}`)
        .then((r) => r.arrayBuffer())
        .catch(() => undefined),
    50,
  );
  try {
    const peak = await until('heapflame_heap_peak_bytes in Prometheus', async () => {
      const r = await query('heapflame_heap_peak_bytes{job="demo"}');
      return r.length ? Number(r[0].value[1]) : undefined;
    });
    assert.ok(peak > 1024);
    const p99 = await until('the GET TTFB histogram', async () => {
      const r = await query(
        'histogram_quantile(0.99, sum by (le) (rate(heapflame_http_ttfb_seconds_bucket{method="GET",route="/:bucket/:key"}[30s])))',
      );
      return r.length && Number.isFinite(Number(r[0].value[1])) ? Number(r[0].value[1]) : undefined;
    });
    assert.ok(p99 > 0 && p99 < 1, `p99 TTFB ${p99}`);
    const state = await until('HeapPeakHigh pending', async () => {
      const r = (await (await fetch(`${api}/alerts`)).json()) as {
        data: { alerts: { labels: { alertname: string }; state: string }[] };
      };
      return r.data.alerts.find((a) => a.labels.alertname === 'HeapPeakHigh')?.state;
    });
    assert.equal(state, 'pending', 'for: 1m has not passed yet');
  } finally {
    clearInterval(drive);
  }
});
