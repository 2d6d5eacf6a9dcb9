#!/usr/bin/env node
// heapflame benchmark: what the TTFB middleware costs per response, without a network: a
// node:http request and response are made, the middleware (or nothing) is applied, headers are
// written and 'finish' is emitted, as node does for a real response. Median of --runs runs of
// --responses responses each, alternating. Usage: node bench/metrics-middleware.mjs
// A report, not a test: exits 0 whatever the numbers.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { Registry } from 'prom-client';
import { httpMetrics } from '../dist/src/runtime/http-metrics.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const responses = opt('--responses', 200_000);
const runs = opt('--runs', 7);
const metrics = httpMetrics(new Registry());
const socket = new Socket();

function respond(instrument) {
  const req = new IncomingMessage(socket);
  req.method = 'GET';
  req.url = '/bucket/key';
  req.routeTemplate = '/:bucket/:key';
  const res = new ServerResponse(req);
  if (instrument) metrics.middleware(req, res);
  res.writeHead(200, { 'content-length': '10' });
  res.emit('finish');
}
function run(instrument) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < responses; i++) respond(instrument);
  return Number(process.hrtime.bigint() - start) / responses;
}
for (let i = 0; i < 20_000; i++) respond(false), respond(true); // warm-up: both paths optimized
const plain = [];
const instrumented = [];
for (let i = 0; i < runs; i++) {
  plain.push(run(false));
  instrumented.push(run(true));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p = median(plain);
const m = median(instrumented);
console.log(`heapflame/metrics TTFB middleware, ${runs} alternating runs of ${responses} responses, medians:`);
console.log(
  `  a response without it ${p.toFixed(0)} ns, with it ${m.toFixed(0)} ns: +${(m - p).toFixed(0)} ns per response`,
);
