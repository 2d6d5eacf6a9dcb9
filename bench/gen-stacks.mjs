#!/usr/bin/env node
// gen-stacks.mjs — a heaptrack recording (heaptrack_interpret's text format 3) with a given
// number of distinct allocation stacks, for the benchmark of how cost grows with stacks
// (bench/stacks.mjs). The stacks are the leaves of a trace tree of --depth levels whose nodes
// call one of --functions functions (picked by a hash of the path, so names repeat over the
// tree as a real program's do); each stack allocates once or a few times, a share of it is
// freed at once (temporary), most later, a few never (leaked).
//
// Usage: node bench/gen-stacks.mjs --stacks 1000000 [--depth 8] [--functions 4000] [--seed 1] > out
// Deterministic for given arguments; streams its output (memory stays small).
import { writeSync } from 'node:fs';

const args = process.argv.slice(2);
const arg = (name, dflt) => Number(args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : dflt);
const STACKS = arg('stacks', 1000000);
const DEPTH = Math.max(2, arg('depth', 8));
const FUNCTIONS = arg('functions', 4000);
let seed = arg('seed', 1) | 0;
if (!(STACKS > 0 && FUNCTIONS > 0)) {
  process.stderr.write('usage: node bench/gen-stacks.mjs --stacks N [--depth D] [--functions F] [--seed S]\n');
  process.exit(2);
}

function rnd() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

let buffer = '';
function emit(line) {
  buffer += `${line}\n`;
  if (buffer.length > 1 << 20) flush();
}
function flush() {
  writeSync(1, buffer);
  buffer = '';
}
const hex = (n) => n.toString(16);
const str = (s) => emit(`s ${hex(Buffer.byteLength(s))} ${s}`);

emit('v 10400 3');
emit(`X ./server --stacks ${STACKS}`);
emit('I 1000 3e8000');
// strings: 1 the module, 2 main, then per function its name and its file
str('/usr/bin/server');
str('main');
for (let f = 0; f < FUNCTIONS; f++) {
  str(`storage::engine::Handler<storage::Bucket>::step_${f}(storage::Request const&)`);
  str(`/src/server/engine/step_${f % 200}.cpp`);
}
// instruction pointers: 1 main, then one per function (strings 3 + 2f and 4 + 2f)
emit('i 401000 1 2');
for (let f = 0; f < FUNCTIONS; f++)
  emit(`i ${hex(0x402000 + f * 64)} 1 ${hex(3 + 2 * f)} ${hex(4 + 2 * f)} ${hex(10 + (f % 90))}`);

// The leaves are numbered 0..STACKS-1; a leaf's path is its number's digits in base `branch`,
// so that branch^(DEPTH-1) >= STACKS. A trace node is written when its path is first seen.
const branch = Math.max(2, Math.ceil(STACKS ** (1 / (DEPTH - 1))));
emit('t 1 0'); // trace 1: main
let traces = 1;
const open = new Int32Array(DEPTH).fill(0); // trace index of the current path's node per level
const digits = new Int32Array(DEPTH).fill(-1);
let infos = 0;
let timeMs = 0;
const live = [];
for (let leaf = 0; leaf < STACKS; leaf++) {
  let rest = leaf;
  let parent = 1;
  let changed = false;
  let pathHash = 17;
  for (let level = DEPTH - 2; level >= 0; level--) {
    const pow = branch ** level;
    const d = Math.floor(rest / pow);
    rest -= d * pow;
    const depth = DEPTH - 2 - level;
    pathHash = Math.imul(pathHash ^ (d + 1), 0x9e3779b1) >>> 0;
    if (changed || digits[depth] !== d) {
      changed = true;
      digits[depth] = d;
      emit(`t ${hex(2 + (pathHash % FUNCTIONS))} ${hex(parent)}`);
      open[depth] = ++traces;
    }
    parent = open[depth];
  }
  // one to three allocation sites per stack (sizes differ), each allocated once or twice
  const sites = 1 + Math.floor(rnd() * 3);
  for (let s = 0; s < sites; s++) {
    emit(`a ${hex(16 + Math.floor(rnd() * 4096))} ${hex(parent)}`);
    const info = infos++;
    const r = rnd();
    emit(`+ ${hex(info)}`);
    if (r < 0.3)
      emit(`- ${hex(info)}`); // temporary
    else if (r < 0.97) live.push(info); // freed later
  }
  // frees of older blocks, and the clock
  while (live.length > 50000) {
    const k = Math.floor(rnd() * live.length);
    emit(`- ${hex(live[k])}`);
    live[k] = live[live.length - 1];
    live.pop();
  }
  if (leaf % 10000 === 0) {
    emit(`c ${hex(++timeMs * 10)}`);
    emit(`R ${hex(20000 + leaf / 100)}`);
  }
}
for (const info of live) if (rnd() < 0.9) emit(`- ${hex(info)}`);
emit(`c ${hex(++timeMs * 10)}`);
emit(`# strings: ${2 + 2 * FUNCTIONS}`);
emit(`# ips: ${1 + FUNCTIONS}`);
flush();
