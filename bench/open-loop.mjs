#!/usr/bin/env node
// An open-loop HTTP load: GETs sent on a fixed schedule (RATE per second over keep-alive
// connections), whether or not earlier ones have answered, each timed from when it was due to
// be sent, so a stalled server shows as latency instead of as fewer requests (the coordinated
// omission wrk2 corrects; autocannon's percentiles are whole milliseconds and wrk has no
// rate). Several URLs (comma-separated) take turns request by request, so servers compared
// with each other meet the same moments of machine noise. Prints one JSON line: per URL, sent,
// answered, errors, non-2xx, p50/p90/p99/p99.9/max in ms.
// Usage: node bench/open-loop.mjs URL[,URL...] RATE SECONDS [CONNECTIONS per URL]
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

const [urlArg, rateArg, secondsArg, connectionsArg] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const targets = urlArg.split(',').map((url) => ({
  url,
  agent: new Agent({ keepAlive: true, maxSockets: Number(connectionsArg ?? 32) }),
  latencies: [],
  sent: 0,
  errors: 0,
  non2xx: 0,
}));
const total = Math.floor(rate * seconds);
let finished = 0;
let sent = 0;

const start = performance.now();
const done = new Promise((resolve) => {
  const settle = () => ++finished === total && resolve();
  const send = (t, due) => {
    t.sent++;
    const req = request(t.url, { agent: t.agent }, (res) => {
      if (res.statusCode < 200 || res.statusCode > 299) t.non2xx++;
      res.resume();
      res.on('end', () => {
        t.latencies.push(performance.now() - due);
        settle();
      });
    });
    req.on('error', () => {
      t.errors++;
      settle();
    });
    req.end();
  };
  // every millisecond, send what has come due (a late timer sends the backlog at once, timed
  // from when each was due)
  const tick = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    for (; sent < due; sent++) send(targets[sent % targets.length], start + (sent / rate) * 1000);
    if (sent === total) clearInterval(tick);
  }, 1);
});
await Promise.race([done, new Promise((resolve) => setTimeout(resolve, (seconds + 30) * 1000))]);
const report = targets.map((t) => {
  t.agent.destroy();
  const sorted = Float64Array.from(t.latencies).sort();
  const at = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN);
  return {
    url: t.url,
    sent: t.sent,
    answered: sorted.length,
    errors: t.errors,
    non2xx: t.non2xx,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    p999: at(0.999),
    max: at(1),
  };
});
console.log(JSON.stringify(report));
process.exit(0);
