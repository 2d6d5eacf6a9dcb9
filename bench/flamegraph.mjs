#!/usr/bin/env node
// heapflame benchmark: folded stacks -> SVG flame graph, against flamegraph.pl run side by side
// where it is installed (Debian: libdevel-nytprof-perl), else against its figures measured on
// the project's 2-vCPU machine (Perl 5.36). Inputs: bench/inputs.mjs.
// Usage: node bench/flamegraph.mjs [--runs N] [--skip-large]
// A report, not a test: exits 0 whatever the numbers.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchRecording, fixtureFolded, generatedFolded, projectRoot as root } from './inputs.mjs';

const cli = path.join(root, 'dist/src/cli/main.js');
const args = process.argv.slice(2);
const runs =
  Number(args[args.indexOf('--runs') + 1]) > 0 && args.includes('--runs')
    ? Number(args[args.indexOf('--runs') + 1])
    : 3;
// flamegraph.pl, default options: user+sys CPU seconds and max RSS (MB) as measured. Targets
// (issue #17): <= 0.1 x flamegraph.pl's CPU at 20 k stacks, <= 0.05 x at 200 k; the small
// inputs have none (Node's start-up alone is about 0.08 s).
const inputs = [
  { name: 'small-1k.folded', fixture: true, perl: { cpu: 0.38, rssMB: 27 } },
  { name: 'perf-example.folded', fixture: true, perl: null },
  { name: 'medium-20k.folded', stacks: 20000, seed: 11, perl: { cpu: 4.21, rssMB: 236 }, target: 0.1 },
  { name: 'large-200k.folded', stacks: 200000, seed: 42, perl: { cpu: 40.2, rssMB: 2060 }, large: true, target: 0.05 },
];

const prepare = (input) =>
  input.fixture ? fixtureFolded(input.name) : generatedFolded(input.name, input.stacks, input.seed);

function measure(file, ext = '.svg', command = 'flamegraph') {
  const out = path.join(os.tmpdir(), `heapflame-bench-${process.pid}${ext}`);
  const timeFile = path.join(os.tmpdir(), `heapflame-bench-${process.pid}.time`);
  const t0 = process.hrtime.bigint();
  const args = command === 'report' ? ['report', file, '-q', '-o', out] : ['flamegraph', file, '-q', '-o', out];
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, process.execPath, cli, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) return { error: r.stderr.toString().slice(0, 300) };
  const [u, s, kb] = fs.readFileSync(timeFile, 'utf8').trim().split(/\s+/).map(Number);
  const size = fs.statSync(out).size;
  fs.rmSync(out, { force: true });
  fs.rmSync(timeFile, { force: true });
  return { wall, cpu: u + s, rssMB: (kb * 1024) / 1e6, size };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// flamegraph.pl itself, where installed: on PATH, or the copy Debian's libdevel-nytprof-perl
// ships (apt-get install libdevel-nytprof-perl). Then it is measured in the same run.
const perlScript = [
  ...(process.env.PATH ?? '').split(':').map((d) => path.join(d, 'flamegraph.pl')),
  '/usr/share/perl5/Devel/NYTProf/flamegraph.pl',
].find((f) => fs.existsSync(f));

function measurePerl(file) {
  const timeFile = path.join(os.tmpdir(), `heapflame-bench-perl-${process.pid}.time`);
  const out = fs.openSync('/dev/null', 'w');
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, 'perl', perlScript, file], {
    stdio: ['ignore', out, 'ignore'],
  });
  fs.closeSync(out);
  if (r.status !== 0) return null;
  const [u, s, kb] = fs.readFileSync(timeFile, 'utf8').trim().split(/\s+/).map(Number);
  fs.rmSync(timeFile, { force: true });
  return { cpu: u + s, rssMB: Math.round((kb * 1024) / 1e6), measured: true };
}
console.log(
  perlScript
    ? `flamegraph.pl measured side by side: ${perlScript}`
    : 'flamegraph.pl not installed: its figures as measured on the project machine',
);
console.log(
  `heapflame flamegraph benchmark: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), node ${process.version}, ${runs} runs each`,
);
console.log(
  'input                 heapflame CPU s  wall s  RSS MB  SVG MB | flamegraph.pl CPU s  RSS MB | CPU ratio (target)',
);
for (const input of inputs) {
  if (input.large && args.includes('--skip-large')) continue;
  const file = prepare(input);
  if (!file) {
    console.log(`${input.name.padEnd(21)} skipped (input missing)`);
    continue;
  }
  const results = [];
  for (let i = 0; i < runs; i++) results.push(measure(file));
  const failed = results.find((r) => r.error);
  if (failed) {
    console.log(`${input.name.padEnd(21)} FAILED: ${failed.error}`);
    continue;
  }
  const cpu = median(results.map((r) => r.cpu));
  // one run of Perl: it takes up to a minute on the large input
  if (perlScript) input.perl = measurePerl(file) ?? input.perl;
  const ratio = input.perl ? cpu / input.perl.cpu : null;
  console.log(
    `${input.name.padEnd(21)} ${cpu.toFixed(2).padStart(15)}  ${median(results.map((r) => r.wall))
      .toFixed(2)
      .padStart(6)}  ${median(results.map((r) => r.rssMB))
      .toFixed(0)
      .padStart(6)}  ${(results[0].size / 1e6).toFixed(2).padStart(6)} |` +
      (input.perl
        ? ` ${input.perl.cpu.toFixed(2).padStart(19)}  ${String(input.perl.rssMB).padStart(6)} | ${ratio.toFixed(3)}${input.target ? ` (<= ${input.target}) ${ratio <= input.target ? 'PASS' : 'FAIL'}` : ''}${input.perl.measured ? '' : ' (recorded figure)'}`
        : '                    -       - | -'),
  );
}

// The HTML report of the big heaptrack recording against `report` on it (target: <= 2x),
// and its size against the SVG of one cost (target: <= 25 %).
const { file: big, skip: bigSkipped } = benchRecording('big');
if (bigSkipped) console.log(`heaptrack.big.zst HTML: skipped (${bigSkipped})`);
else {
  const html = [];
  const report = [];
  for (let i = 0; i < runs; i++) {
    html.push(measure(big, '.html'));
    report.push(measure(big, '.txt', 'report'));
  }
  const svg = measure(big, '.svg');
  const bad = [...html, ...report, svg].find((r) => r.error);
  if (bad) console.log(`heaptrack.big.zst HTML: FAILED: ${bad.error}`);
  else {
    const h = median(html.map((r) => r.wall));
    const t = median(report.map((r) => r.wall));
    const sizeRatio = html[0].size / svg.size;
    console.log(
      `\nheaptrack.big.zst -> HTML: ${h.toFixed(2)} s wall (report ${t.toFixed(2)} s): ${(h / t).toFixed(2)}x ${h / t <= 2 ? 'PASS' : 'FAIL'} (target <= 2x); ` +
        `${(html[0].size / 1e3).toFixed(0)} KB with every cost vs ${(svg.size / 1e6).toFixed(2)} MB SVG of one: ${(100 * sizeRatio).toFixed(1)}% ${sizeRatio <= 0.25 ? 'PASS' : 'FAIL'} (target <= 25%)`,
    );
  }
}
