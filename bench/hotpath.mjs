#!/usr/bin/env node
// heapflame benchmark: the cost of heapflame/hotpath's measure() per call, disabled and
// enabled, against the plain function (each in its own process, median of 5).
// A report, not a test: exits 0 whatever the numbers.
import { spawnSync } from 'node:child_process';

const calls = 2_000_000;
const program = (mode) => `
import { measure } from 'heapflame/hotpath';
function work(x) { return (x * 31) ^ (x >>> 3); }
const f = ${mode === 'plain' ? 'work' : 'measure(work)'};
let acc = 0;
for (let i = 0; i < 100000; i++) acc ^= f(i);
const t0 = performance.now();
for (let i = 0; i < ${calls}; i++) acc ^= f(i);
const ns = ((performance.now() - t0) * 1e6) / ${calls};
process.stdout.write(JSON.stringify({ ns, acc }));
`;
const run = (mode) => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', program(mode)], {
    encoding: 'utf8',
    cwd: new URL('..', import.meta.url).pathname,
    env: { ...process.env, HEAPFLAME_HOTPATH: mode === 'enabled' ? '1' : mode === 'timing' ? 'timing' : '' },
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout).ns;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = {};
for (const mode of ['plain', 'disabled', 'timing', 'enabled'])
  results[mode] = median(Array.from({ length: 5 }, () => run(mode)));
console.log(`heapflame hotpath: ns per call of a trivial function, ${calls} calls, median of 5`);
console.log(
  `  plain ${results.plain.toFixed(1)} ns · measure() disabled ${results.disabled.toFixed(1)} ns (+${(results.disabled - results.plain).toFixed(1)}) · timing only ${results.timing.toFixed(0)} ns (+${(results.timing - results.plain).toFixed(0)}) · time and allocation ${results.enabled.toFixed(0)} ns (+${(results.enabled - results.plain).toFixed(0)})`,
);
