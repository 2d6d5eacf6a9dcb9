#!/usr/bin/env node
// heapflame benchmark: the cost of heapflame/metrics on a service. The S3 demo server
// (heapflame demo --serve) takes GET load from autocannon on loopback, instrumented and not,
// alternately; compares p99 latency and the memory the instrumentation adds over the run.
// Usage: node bench/metrics-load.mjs [--seconds 30] [--rounds 3]
// A report, not a test: exits 0 whatever the numbers.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const seconds = opt('--seconds', 30);
const rounds = opt('--rounds', 3);
const TARGET_P99 = 0.03;

async function start(instrument) {
  const data = mkdtempSync(join(tmpdir(), 'heapflame-load-'));
  const child = spawn(process.execPath, [join(root, 'dist/src/cli/main.js'), 'demo', '--serve', '--port', '0', '--metrics-port', '0', '--data', data, ...(instrument ? [] : ['--no-instrument'])], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const url = await new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      const m = /S3 server at (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearInterval(poll);
        resolve(m[1]);
      }
    }, 20);
    child.once('exit', () => reject(new Error(out)));
  });
  await fetch(`${url}/load`, { method: 'PUT' });
  await fetch(`${url}/load/object`, { method: 'PUT', body: Buffer.alloc(10 * 1024, 7) });
  return { url, child, data };
}

const rssOf = (pid) => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

async function round(instrument) {
  const s = await start(instrument);
  try {
    // a short warm-up, then the measured run
    await autocannon({ url: `${s.url}/load/object`, connections: 10, duration: 2 });
    const before = rssOf(s.child.pid);
    const r = await autocannon({ url: `${s.url}/load/object`, connections: 10, duration: seconds });
    return { p99: r.latency.p99, p50: r.latency.p50, rps: r.requests.average, rssGrowth: rssOf(s.child.pid) - before, errors: r.errors + r.non2xx };
  } finally {
    s.child.kill('SIGTERM');
    rmSync(s.data, { recursive: true, force: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = { plain: [], instrumented: [] };
for (let i = 0; i < rounds; i++) {
  results.plain.push(await round(false));
  results.instrumented.push(await round(true));
}
const summary = (rs) => ({ p99: median(rs.map((r) => r.p99)), p50: median(rs.map((r) => r.p50)), rps: median(rs.map((r) => r.rps)), rssGrowthMB: median(rs.map((r) => r.rssGrowth)) / 1e6, errors: rs.reduce((a, r) => a + r.errors, 0) });
const plain = summary(results.plain);
const inst = summary(results.instrumented);
const overhead = inst.p99 / plain.p99 - 1;
console.log(`heapflame metrics under load: ${rounds} rounds of ${seconds} s GET (10 KB object, 10 connections, loopback), alternating; medians`);
console.log(`  plain:        p50 ${plain.p50} ms, p99 ${plain.p99} ms, ${plain.rps.toFixed(0)} req/s, RSS ${plain.rssGrowthMB.toFixed(1)} MB over the run, ${plain.errors} errors`);
console.log(`  instrumented: p50 ${inst.p50} ms, p99 ${inst.p99} ms, ${inst.rps.toFixed(0)} req/s, RSS ${inst.rssGrowthMB.toFixed(1)} MB over the run, ${inst.errors} errors`);
console.log(`  p99 overhead ${(overhead * 100).toFixed(1)} % ${overhead <= TARGET_P99 ? 'PASS' : 'FAIL'} (target <= ${TARGET_P99 * 100} %); memory added by the instrumentation ${(inst.rssGrowthMB - plain.rssGrowthMB).toFixed(1)} MB`);
