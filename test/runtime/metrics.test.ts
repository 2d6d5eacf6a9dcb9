import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createMetrics, serveMetrics } from 'heapflame/metrics';
import { forceGc } from '../../src/v8/gc.js';
import { requireOrSkip, runCli } from '../helpers/paths.js';

/** heapflame/metrics: names promtool accepts, a true heap peak, TTFB by route template, bounded labels. */

async function scrape(url: string, accept?: string) {
  const r = await fetch(`${url}/metrics`, { headers: accept ? { accept } : {} });
  return { type: r.headers.get('content-type') ?? '', text: await r.text() };
}

/** An HTTP app on a free loopback port with the middleware in front of `handle`. */
async function instrumentedApp(
  m: ReturnType<typeof createMetrics>,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
) {
  const app = createServer((req, res) => {
    m.http.middleware(req, res);
    handle(req, res);
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  return { app, base: `http://127.0.0.1:${(app.address() as { port: number }).port}` };
}

const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : NaN;
};

/** Summed TTFB and total duration of one series of the HTTP histograms. */
const timingSums = (text: string, labels: string) => ({
  ttfb: value(text, `heapflame_http_ttfb_seconds_sum{${labels}}`),
  total: value(text, `heapflame_http_request_duration_seconds_sum{${labels}}`),
});

test('the exposition passes promtool check metrics; OpenMetrics when asked; loopback by default', async (t) => {
  const m = createMetrics();
  const server = await serveMetrics({ registry: m.registry, port: 0 });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const classic = await scrape(server.url);
    assert.match(classic.type, /^text\/plain; version=0\.0\.4/);
    for (const name of [
      'heapflame_heap_used_bytes',
      'heapflame_heap_peak_bytes',
      'heapflame_rss_bytes',
      'heapflame_rss_peak_bytes',
      'heapflame_external_bytes',
      'heapflame_array_buffers_bytes',
    ]) {
      assert.ok(value(classic.text, name) > 0, name);
    }
    assert.match(classic.text, /heapflame_event_loop_lag_seconds\{percentile="99"\}/);
    assert.match(classic.text, /heapflame_active_tasks\{type="\w+"\} \d+/);
    const om = await scrape(server.url, 'application/openmetrics-text; version=1.0.0');
    assert.match(om.type, /^application\/openmetrics-text/);
    assert.match(om.text, /# EOF\n?$/);
    assert.equal((await fetch(`${server.url}/other`)).status, 404);
    const missing = requireOrSkip('promtool');
    if (missing) return t.skip(missing);
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: classic.text, encoding: 'utf8' });
    assert.equal(lint.status, 0, lint.stdout + lint.stderr);
  } finally {
    server.close();
    m.stop();
  }
});

test('the heap peak holds what was allocated between scrapes', async () => {
  const m = createMetrics({});
  const server = await serveMetrics({ registry: m.registry, port: 0 });
  try {
    const before = value((await scrape(server.url)).text, 'heapflame_heap_peak_bytes');
    let big: unknown[] | null = Array.from({ length: 400_000 }, (_, i) => ({ i }));
    const size = (big as unknown[]).length;
    big = null;
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const after = (await scrape(server.url)).text;
    assert.equal(size, 400_000);
    // 400 000 small objects are several MB: the peak saw them though they are gone
    assert.ok(
      value(after, 'heapflame_heap_peak_bytes') >= before + 4_000_000,
      `${before} -> ${value(after, 'heapflame_heap_peak_bytes')}`,
    );
    assert.ok(value(after, 'heapflame_heap_peak_bytes') >= value(after, 'heapflame_heap_used_bytes'));
  } finally {
    server.close();
    m.stop();
  }
});

test('GC pauses by kind: every collection since metrics started, with its pause', async () => {
  const m = createMetrics();
  try {
    const count = (text: string) => value(text, 'heapflame_gc_pause_seconds_count{kind="major"}') || 0;
    const before = count(await m.registry.metrics());
    const gc = forceGc();
    gc();
    gc();
    const after = await m.registry.metrics();
    assert.ok(count(after) >= before + 2, `${before} -> ${count(after)}`);
    const sum = value(after, 'heapflame_gc_pause_seconds_sum{kind="major"}');
    // a forced full collection pauses for more than nothing and far less than a second here
    assert.ok(sum > 0 && sum / count(after) < 1, String(sum));
  } finally {
    m.stop();
  }
});

test('TTFB and duration by method, route template and status; raw paths never become labels', async () => {
  const m = createMetrics();
  const { app, base } = await instrumentedApp(m, (req, res) => {
    const key = req.url!.slice('/bucket/'.length);
    if (req.url!.startsWith('/bucket/')) (res as typeof res & { locals?: object }).locals = { route: '/bucket/:key' };
    // headers after 30 ms, the body 30 ms later: TTFB and duration differ
    setTimeout(() => {
      res.writeHead(key === 'missing' ? 404 : 200, { 'content-type': 'text/plain' });
      res.write('x');
      setTimeout(() => res.end('y'), 30);
    }, 30);
  });
  const server = await serveMetrics({ registry: m.registry, port: 0 });
  try {
    for (const key of ['photos/a.jpg', 'photos/b.jpg', 'missing', 'secret-object-key'])
      await (await fetch(`${base}/bucket/${key}`)).text();
    await (await fetch(`${base}/elsewhere`)).text();
    const text = (await scrape(server.url)).text;
    assert.equal(value(text, 'heapflame_http_ttfb_seconds_count{method="GET",route="/bucket/:key",status="200"}'), 3);
    assert.equal(value(text, 'heapflame_http_ttfb_seconds_count{method="GET",route="/bucket/:key",status="404"}'), 1);
    assert.equal(value(text, 'heapflame_http_ttfb_seconds_count{method="GET",route="unmatched",status="200"}'), 1);
    const sums = timingSums(text, 'method="GET",route="/bucket/:key",status="200"');
    const ttfb = sums.ttfb / 3;
    const total = sums.total / 3;
    assert.ok(ttfb >= 0.025 && total >= ttfb + 0.025, `ttfb ${ttfb}, total ${total}`);
    assert.ok(!text.includes('secret-object-key') && !text.includes('photos/'), 'no object key in any label');
  } finally {
    app.close();
    server.close();
    m.stop();
  }
});

test('the middleware mounted twice counts a response once; responses it never saw are not counted', async () => {
  const m = createMetrics();
  const { app, base } = await instrumentedApp(m, (req, res) => {
    m.http.middleware(req, res); // (mounted again, as an app and a router both might)
    (req as typeof req & { routeTemplate?: string }).routeTemplate = '/twice';
    res.end('ok');
  });
  // a second server in the same process without the middleware: writeHead is wrapped on the
  // prototype once the middleware has run, and must leave its responses alone
  const bare = createServer((_req, res) => void res.writeHead(201, { 'x-bare': '1' }).end('bare'));
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  try {
    await (await fetch(`${base}/x`)).text();
    await (await fetch(`${base}/y`)).text();
    const r = await fetch(`http://127.0.0.1:${(bare.address() as { port: number }).port}/`);
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('x-bare'), '1');
    assert.equal(await r.text(), 'bare');
    const text = await m.registry.metrics();
    assert.equal(value(text, 'heapflame_http_ttfb_seconds_count{method="GET",route="/twice",status="200"}'), 2);
    assert.equal(
      value(text, 'heapflame_http_request_duration_seconds_count{method="GET",route="/twice",status="200"}'),
      2,
    );
    assert.ok(!text.includes('status="201"'));
  } finally {
    app.close();
    bare.close();
    m.stop();
  }
});

test("HTTP/2's compatibility API: its responses are timed by a wrapper of their own", async () => {
  const { createServer: createH2Server, connect } = await import('node:http2');
  const m = createMetrics();
  const app = createH2Server((req, res) => {
    m.http.middleware(req as unknown as IncomingMessage, res as unknown as ServerResponse);
    (req as typeof req & { routeTemplate?: string }).routeTemplate = '/h2/:id';
    setTimeout(() => {
      res.writeHead(200);
      res.write('o');
      setTimeout(() => res.end('k'), 40);
    }, 20);
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const client = connect(`http://127.0.0.1:${(app.address() as { port: number }).port}`);
  try {
    await new Promise<void>((resolve, reject) => {
      const r = client.request({ ':path': '/h2/1' });
      r.on('error', reject).on('end', resolve).resume();
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const text = await m.registry.metrics();
    assert.equal(value(text, 'heapflame_http_ttfb_seconds_count{method="GET",route="/h2/:id",status="200"}'), 1);
    const { ttfb, total } = timingSums(text, 'method="GET",route="/h2/:id",status="200"');
    // headers at 20 ms, the end 40 ms later: the headers were seen, not taken for the end
    assert.ok(ttfb >= 0.015 && total >= ttfb + 0.03, `ttfb ${ttfb}, total ${total}`);
  } finally {
    client.close();
    app.close();
    m.stop();
  }
});

test('route labels are bounded: past 100 templates, "other", counted', async () => {
  const m = createMetrics();
  const { app, base } = await instrumentedApp(m, (req, res) => {
    (req as typeof req & { routeTemplate?: string }).routeTemplate = req.url!;
    res.end('ok');
  });
  try {
    for (let i = 0; i < 120; i++) await (await fetch(`${base}/t${i}`)).text();
    const text = await m.registry.metrics();
    const routes = new Set(
      [...text.matchAll(/heapflame_http_ttfb_seconds_count\{[^}]*route="([^"]+)"/g)].map((x) => x[1]),
    );
    assert.equal(routes.size, 101);
    assert.ok(routes.has('other'));
    assert.equal(value(text, 'heapflame_http_routes_over_limit_total'), 20);
  } finally {
    app.close();
    m.stop();
  }
});

test('on-demand heap profiles: a token is required, one capture at a time, pprof by default', async () => {
  const m = createMetrics();
  const server = await serveMetrics({ registry: m.registry, port: 0, profileToken: 's3cret' });
  // something to capture: allocations while the capture runs
  const churn = setInterval(() => {
    (globalThis as { churned?: unknown }).churned = Array.from({ length: 5000 }, (_, i) => ({ i }));
  }, 5);
  try {
    const url = `${server.url}/debug/heapflame/heap?seconds=0.5`;
    assert.equal((await fetch(url)).status, 401);
    assert.equal((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    const auth = { headers: { authorization: 'Bearer s3cret' } };
    assert.equal((await fetch(`${server.url}/debug/heapflame/heap?seconds=600`, auth)).status, 400, 'bounded');
    const first = fetch(url, auth);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await fetch(url, auth);
    assert.equal(second.status, 429, 'one capture at a time');
    const res = await first;
    assert.equal(res.status, 200);
    const body = Buffer.from(await res.arrayBuffer());
    assert.deepEqual([...body.subarray(0, 2)], [0x1f, 0x8b], 'gzip');
    const { gunzipSync } = await import('node:zlib');
    const { Profile } = await import('pprof-format');
    const pprof = Profile.decode(gunzipSync(body));
    const st = pprof.stringTable.strings;
    assert.deepEqual(
      pprof.sampleType.map((t) => `${st[Number(t.type)]}/${st[Number(t.unit)]}`),
      ['allocated/bytes'],
    );
    assert.ok(pprof.sample.length > 0);
    const svg = await fetch(`${url}&format=svg`, auth);
    assert.equal(svg.status, 200);
    assert.match(await svg.text(), /^<\?xml/);
  } finally {
    clearInterval(churn);
    server.close();
    m.stop();
  }
});

test('without a token the profile endpoint does not exist', async () => {
  const m = createMetrics();
  const server = await serveMetrics({ registry: m.registry, port: 0 });
  try {
    assert.equal(
      (await fetch(`${server.url}/debug/heapflame/heap`, { headers: { authorization: 'Bearer anything' } })).status,
      404,
    );
  } finally {
    server.close();
    m.stop();
  }
});

test("Pyroscope push: gzipped pprof to /ingest with the app's name and labels, retried after a failure, never thrown", async () => {
  const { startPyroscopePush } = await import('heapflame/metrics');
  const { gunzipSync } = await import('node:zlib');
  const { Profile } = await import('pprof-format');
  const received: { url: URL; headers: Record<string, unknown>; body: Buffer }[] = [];
  let calls = 0;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      calls++;
      // the first push is refused: the next attempt must come
      if (calls === 1) return void res.writeHead(503).end();
      received.push({ url: new URL(req.url!, 'http://x'), headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const outcomes: { ok: boolean; attempt: number }[] = [];
  const keep: unknown[] = [];
  const push = startPyroscopePush({
    serverAddress: `http://127.0.0.1:${(receiver.address() as { port: number }).port}`,
    appName: 'objstore.api',
    tags: { region: 'eu west', version: '1.2' },
    intervalMs: 200,
    samplingInterval: 16 * 1024,
    authToken: 'T0K',
    backoffMs: 20,
    onPush: (r) => outcomes.push(r),
  });
  try {
    for (let i = 0; i < 20; i++) {
      keep.push(Array.from({ length: 2000 }, (_, k) => ({ k })));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    await push.stop();
    receiver.close();
  }
  assert.ok(received.length >= 1, `pushes received: ${received.length}`);
  assert.ok(
    outcomes.some((o) => !o.ok && o.attempt === 1) && outcomes.some((o) => o.ok && o.attempt === 2),
    JSON.stringify(outcomes),
  );
  const first = received[0];
  assert.equal(first.url.pathname, '/ingest');
  assert.equal(first.url.searchParams.get('format'), 'pprof');
  assert.equal(first.url.searchParams.get('name'), 'objstore.api{region=eu_west,version=1.2}');
  assert.ok(Number(first.url.searchParams.get('until')) >= Number(first.url.searchParams.get('from')));
  assert.equal(first.headers.authorization, 'Bearer T0K');
  assert.equal(first.headers['content-type'], 'application/octet-stream');
  const pprof = Profile.decode(gunzipSync(first.body));
  const st = pprof.stringTable.strings;
  assert.deepEqual(
    pprof.sampleType.map((t) => `${st[Number(t.type)]}/${st[Number(t.unit)]}`),
    ['inuse_space/bytes'],
  );
  assert.ok(pprof.sample.length > 0 && keep.length === 20);

  // a receiver that is not there: pushes fail quietly
  const failures: string[] = [];
  const nowhere = startPyroscopePush({
    serverAddress: 'http://127.0.0.1:1',
    appName: 'x',
    intervalMs: 50,
    attempts: 1,
    onPush: (r) => r.error && failures.push(r.error),
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  await nowhere.stop();
  assert.ok(failures.length >= 1);
});

test('on-demand heap snapshots: behind the token, refused when the memory is not there; leaks reads them', async () => {
  const m = createMetrics();
  const server = await serveMetrics({ registry: m.registry, port: 0, profileToken: 's3cret' });
  const refusing = await serveMetrics({
    registry: m.registry,
    port: 0,
    profileToken: 's3cret',
    snapshotMemoryLimit: 1,
  });
  const dir = mkdtempSync(join(tmpdir(), 'heapflame-endpoint-'));
  try {
    const url = `${server.url}/debug/heapflame/snapshot`;
    assert.equal((await fetch(url)).status, 401);
    const auth = { headers: { authorization: 'Bearer s3cret' } };
    // (one at a time is the profiles' rule, tested above: V8 writes a snapshot synchronously,
    // so a second request is not even read while the first is written)
    const res = await fetch(url, auth);
    assert.equal(res.status, 200);
    const file = join(dir, 'a.heapsnapshot');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const report = runCli(['report', file, '--top', '1']);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /retained bytes/);
    const refused = await fetch(`${refusing.url}/debug/heapflame/snapshot`, auth);
    assert.equal(refused.status, 507);
    assert.match(await refused.text(), /needs about \d+ MiB/);
  } finally {
    server.close();
    refusing.close();
    m.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
