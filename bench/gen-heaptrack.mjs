#!/usr/bin/env node
// gen-heaptrack.mjs — a synthetic heaptrack recording (heaptrack_interpret's text format) with
// the call tree of gen-folded.mjs: every folded stack is an allocation site, and allocations and
// frees of them are spread over a run of --ms milliseconds, some freed at once (temporary), some
// later, some never (leaked). For the benchmarks of outputs that need allocation times (the HTML
// report's time ranges) at sizes no test program gives.
//
// Usage: node bench/gen-heaptrack.mjs --stacks 25000 --seed 7 [--events 1000000] [--ms 10000] > out
// Deterministic for given arguments.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const arg = (name, dflt) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : dflt);
const STACKS = arg('stacks', '25000');
const SEED = Number(arg('seed', '7'));
const EVENTS = Number(arg('events', '1000000'));
const RUN_MS = Number(arg('ms', '10000'));

const folded = execFileSync(
  process.execPath,
  [fileURLToPath(new URL('gen-folded.mjs', import.meta.url)), '--stacks', STACKS, '--seed', String(SEED)],
  { maxBuffer: 1 << 30, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
);

let seed = SEED | 0;
function rnd() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const out = [];
let pending = 0;
function emit(line) {
  out.push(line);
  pending += line.length + 1;
  if (pending > 1 << 20) flush();
}
function flush() {
  process.stdout.write(`${out.join('\n')}\n`);
  out.length = 0;
  pending = 0;
}
const hex = (n) => n.toString(16);

emit('v 10400 3');
emit('X ./synthetic-service --serve');
emit('I 1000 200000');
const ipOf = new Map();
const traceOf = new Map();
let strings = 0;
let traces = 0;
const weights = [];
for (const line of folded.split('\n')) {
  const sp = line.lastIndexOf(' ');
  if (sp <= 0) continue;
  let trace = 0;
  for (const name of line.slice(0, sp).split(';')) {
    let ip = ipOf.get(name);
    if (ip === undefined) {
      emit(`s ${hex(Buffer.byteLength(name))} ${name}`);
      ip = ipOf.size + 1;
      emit(`i ${hex(0x400000 + ip * 16)} 0 ${hex(++strings)}`);
      ipOf.set(name, ip);
    }
    const key = `${trace},${ip}`;
    let t = traceOf.get(key);
    if (t === undefined) {
      t = ++traces;
      emit(`t ${hex(ip)} ${hex(trace)}`);
      traceOf.set(key, t);
    }
    trace = t;
  }
  emit(`a ${hex(16 << Math.floor(rnd() * 10))} ${hex(trace)}`);
  weights.push(Number(line.slice(sp + 1)));
}
// sites drawn by their folded counts
const cumulative = new Float64Array(weights.length);
weights.reduce((sum, w, i) => (cumulative[i] = sum + w), 0);
const site = () => {
  const x = rnd() * cumulative[cumulative.length - 1];
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};
const live = [];
const perTick = Math.max(1, Math.floor(EVENTS / (RUN_MS / 10)));
for (let ms = 0, n = 0; n < EVENTS; ms += 10) {
  emit(`c ${hex(ms)}`);
  for (let k = 0; k < perTick && n < EVENTS; k++, n++) {
    const info = site();
    emit(`+ ${hex(info)}`);
    const r = rnd();
    if (r < 0.4) emit(`- ${hex(info)}`);
    else if (r < 0.97) live.push(info);
    // a later free of a random live block
    if (live.length > 0 && rnd() < 0.55) {
      const i = Math.floor(rnd() * live.length);
      emit(`- ${hex(live[i])}`);
      live[i] = live[live.length - 1];
      live.pop();
    }
  }
}
emit(`# strings: ${strings}`);
emit(`# ips: ${ipOf.size}`);
flush();
