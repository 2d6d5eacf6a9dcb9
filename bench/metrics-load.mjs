#!/usr/bin/env node
// heapflame benchmark: the cost of heapflame/metrics on a service. Two S3 demo servers
// (heapflame demo --serve), one instrumented and one not (--no-instrument), run side by side on
// loopback and take the same GET load at the same moments, which on a small shared machine is
// what makes a few per cent measurable (run one after the other, a plain server's p99 varied by
// 45 % between rounds here). Each round starts them in swapped order.
//  - latency: an open-loop load at a fixed rate, half of what the pair sustains, for --seconds,
//    requests alternating between the two (bench/open-loop.mjs: each request timed from when
//    it was due, microseconds). The p99 overhead is judged here: latency is a property of a
//    service under a given load.
//  - saturation: an autocannon closed loop on each (10 connections, as fast as answers come)
//    at once: throughput. Its percentiles are whole milliseconds and, at saturation, queueing.
// Also the memory the instrumentation adds over the run (RSS growth).
// --aa runs two plain servers instead (the second in the instrumented one's place): the noise
// floor of the comparison on this machine.
// Usage: node bench/metrics-load.mjs [--seconds 30] [--rounds 3] [--aa]
// A report, not a test: exits 0 whatever the numbers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { rssBytes, startS3Server } from './s3-server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const seconds = opt('--seconds', 30);
const rounds = opt('--rounds', 3);
const saturationSeconds = Math.min(seconds, 10);
const TARGET_P99 = 0.03;
const aa = args.includes('--aa');

async function start(instrument) {
  const data = mkdtempSync(join(tmpdir(), 'heapflame-load-'));
  const demo = [join(root, 'dist/src/cli/main.js'), 'demo', '--serve', '--port', '0', '--metrics-port', '0'];
  const { child, url } = await startS3Server(
    [...demo, '--data', data, ...(instrument ? [] : ['--no-instrument'])],
    'load',
  );
  return { url, child, data };
}

const openLoop = (urls, rate, s) =>
  JSON.parse(
    execFileSync(process.execPath, [join(root, 'bench/open-loop.mjs'), urls.join(','), String(rate), String(s), '32'], {
      encoding: 'utf8',
    }),
  );
const saturate = (servers, duration) =>
  Promise.all(servers.map((s) => autocannon({ url: `${s.url}/load/object`, connections: 10, duration })));

/** One round: both variants side by side; saturation first (it also warms them up), then the fixed rate. */
async function round(order, rate) {
  const servers = [];
  try {
    for (const instrument of order) servers.push({ instrument, ...(await start(instrument && !aa)) });
    await saturate(servers, 2);
    const before = servers.map((s) => rssBytes(s.child.pid));
    const sat = await saturate(servers, saturationSeconds);
    const fixed = rate
      ? openLoop(
          servers.map((s) => `${s.url}/load/object`),
          rate,
          seconds,
        )
      : null;
    const result = (instrument) => {
      const i = servers.findIndex((s) => s.instrument === instrument);
      const f = fixed?.[i];
      return {
        rps: sat[i].requests.average,
        satP99: sat[i].latency.p99,
        fixed: f,
        rssGrowth: rssBytes(servers[i].child.pid) - before[i],
        errors: sat[i].errors + sat[i].non2xx + (f ? f.errors + f.non2xx + f.sent - f.answered : 0),
      };
    };
    return { plain: result(false), instrumented: result(true) };
  } finally {
    for (const s of servers) {
      s.child.kill('SIGTERM');
      rmSync(s.data, { recursive: true, force: true });
    }
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// the rate: half of what the pair sustains together in a first saturation run
const probe = await round([false, true], 0);
const rate = Math.max(100, Math.round((probe.plain.rps + probe.instrumented.rps) / 2 / 50) * 50);
const results = { plain: [], instrumented: [] };
for (let i = 0; i < rounds; i++) {
  const r = await round(i % 2 ? [true, false] : [false, true], rate);
  results.plain.push(r.plain);
  results.instrumented.push(r.instrumented);
}
const summary = (rs) => ({
  p50: median(rs.map((r) => r.fixed.p50)),
  p99: median(rs.map((r) => r.fixed.p99)),
  p999: median(rs.map((r) => r.fixed.p999)),
  rps: median(rs.map((r) => r.rps)),
  satP99: median(rs.map((r) => r.satP99)),
  rssGrowthMB: median(rs.map((r) => r.rssGrowth)) / 1e6,
  errors: rs.reduce((a, r) => a + r.errors, 0),
});
const plain = summary(results.plain);
const inst = summary(results.instrumented);
// the overhead per round (both servers measured at the same moments), then its median
const ratios = results.plain.map((p, i) => results.instrumented[i].fixed.p99 / p.fixed.p99);
const rpsRatios = results.plain.map((p, i) => results.instrumented[i].rps / p.rps);
const overhead = median(ratios) - 1;
const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
const ms = (x) => x.toFixed(2);
console.log(
  `heapflame metrics under load: 10 KB object GETs on loopback, a plain and an instrumented demo server side by side, ${rounds} rounds; medians${aa ? '\n  (--aa: the "instrumented" server is a second plain one: these are the noise floor)' : ''}`,
);
console.log(
  `  latency at ${rate} req/s (both servers together) for ${seconds} s, open loop, requests alternating between them:`,
);
console.log(`    plain:        p50 ${ms(plain.p50)} ms, p99 ${ms(plain.p99)} ms, p99.9 ${ms(plain.p999)} ms`);
console.log(`    instrumented: p50 ${ms(inst.p50)} ms, p99 ${ms(inst.p99)} ms, p99.9 ${ms(inst.p999)} ms`);
console.log(
  `    p99 per round, plain / instrumented: ${results.plain.map((p, i) => `${ms(p.fixed.p99)} / ${ms(results.instrumented[i].fixed.p99)}`).join(', ')}`,
);
console.log(
  `  saturation for ${saturationSeconds} s (autocannon, 10 connections each, at once): plain ${plain.rps.toFixed(0)} req/s, p99 ${plain.satP99} ms; instrumented ${inst.rps.toFixed(0)} req/s, p99 ${inst.satP99} ms; throughput per round ${rpsRatios.map((r) => pct(r - 1)).join(', ')}`,
);
console.log(
  `  RSS growth over the run: plain ${plain.rssGrowthMB.toFixed(1)} MB, instrumented ${inst.rssGrowthMB.toFixed(1)} MB; errors ${plain.errors + inst.errors}`,
);
console.log(
  `  p99 overhead ${pct(overhead)} ${overhead <= TARGET_P99 ? 'PASS' : 'FAIL'} (target <= ${TARGET_P99 * 100} %; per round ${ratios.map((r) => pct(r - 1)).join(', ')}); throughput ${pct(median(rpsRatios) - 1)}; memory added by the instrumentation ${(inst.rssGrowthMB - plain.rssGrowthMB).toFixed(1)} MB`,
);
