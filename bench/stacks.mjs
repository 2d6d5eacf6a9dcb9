#!/usr/bin/env node
// heapflame benchmark: how cost grows with distinct stacks. A heaptrack recording of N distinct
// stacks (bench/gen-stacks.mjs, 1 M by default, cached in bench/.cache) is read by
// heaptrack_print and `heapflame report` alternately (time and peak RSS), then by every other
// command once (flame graph, HTML, pprof, speedscope, DHAT, folded, .heapflame, JSON report),
// whose memory is compared with report's. The same stacks are then converted into every other
// format heapflame writes (cached too), and each is read by report and every command in turn.
// Targets: report <= 1.0 x heaptrack_print's time and <= 1.5 x its memory; every other command
// <= 2 x report's memory on the same input.
// Usage: node bench/stacks.mjs [--stacks N] [--runs N]
// A report, not a test: exits 0 whatever the numbers.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheDir, projectRoot, which } from './inputs.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const stacks = opt('--stacks', 1_000_000);
const runs = Math.max(1, opt('--runs', 3));
const cli = path.join(projectRoot, 'dist/src/cli/main.js');
const TIME = '/usr/bin/time';

fs.mkdirSync(cacheDir, { recursive: true });
const input = path.join(cacheDir, `heaptrack.stacks-${stacks}.txt`);
if (!fs.existsSync(input)) {
  console.log(`generating ${path.relative(projectRoot, input)} (gen-stacks.mjs --stacks ${stacks}) ...`);
  const out = fs.openSync(`${input}.partial`, 'w');
  const r = spawnSync(process.execPath, [path.join(projectRoot, 'bench/gen-stacks.mjs'), '--stacks', String(stacks)], {
    stdio: ['ignore', out, 'inherit'],
  });
  fs.closeSync(out);
  if (r.status !== 0) {
    console.log('bench/gen-stacks.mjs failed');
    process.exit(0);
  }
  fs.renameSync(`${input}.partial`, input);
}

/** One run: wall seconds and peak RSS in MB (10^6 bytes), or null when it failed. */
function measure(command) {
  const timeFile = path.join(os.tmpdir(), `heapflame-bench-stacks-${process.pid}.time`);
  const useTime = fs.existsSync(TIME);
  const argv = useTime ? [TIME, '-f', '%M', '-o', timeFile, ...command] : command;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const rss = useTime ? (Number(fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()) * 1024) / 1e6 : null;
  fs.rmSync(timeFile, { force: true });
  if (r.status !== 0) return { failed: `exit ${r.status ?? r.signal}: ${String(r.stderr).slice(0, 300)}` };
  return { wall, rss };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const out = path.join(os.tmpdir(), `heapflame-bench-stacks-${process.pid}`);
const hf = (...a) => [process.execPath, cli, ...a];

console.log(
  `heapflame stacks benchmark: ${stacks} distinct stacks, ${(fs.statSync(input).size / 1e6).toFixed(1)} MB of text; ` +
    `${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
);

// report against heaptrack_print, alternating
const anchor = which('heaptrack_print');
const tools = [...(anchor ? [['heaptrack_print', [anchor, input]]] : []), ['heapflame report', hf('report', input)]];
const results = new Map(tools.map(([name]) => [name, []]));
for (let i = 0; i < runs; i++)
  for (const [name, command] of i % 2 ? [...tools].reverse() : tools) results.get(name).push(measure(command));
const summary = new Map();
for (const [name, rs] of results) {
  const failed = rs.find((r) => r.failed);
  summary.set(name, failed ? failed : { wall: median(rs.map((r) => r.wall)), rss: median(rs.map((r) => r.rss)) });
}
const hp = summary.get('heaptrack_print');
const rep = summary.get('heapflame report');
for (const [name, s] of summary) {
  if (s.failed) console.log(`  ${name.padEnd(24)} FAILED ${s.failed}`);
  else console.log(`  ${name.padEnd(24)} ${s.wall.toFixed(2).padStart(6)} s  ${s.rss?.toFixed(0).padStart(6)} MB`);
}
if (hp && !hp.failed && !rep.failed) {
  const t = rep.wall / hp.wall;
  const m = rep.rss / hp.rss;
  console.log(
    `  report / heaptrack_print: time ${t.toFixed(2)} (target <= 1.0) ${t <= 1 ? 'PASS' : 'FAIL'}, memory ${m.toFixed(2)} (target <= 1.5) ${m <= 1.5 ? 'PASS' : 'FAIL'}`,
  );
}

// every other command once, memory against report's on the same input
const OUTPUTS = [
  ['flamegraph (SVG)', 'flamegraph', '.svg'],
  ['flamegraph (HTML)', 'flamegraph', '.html'],
  ['convert (pprof)', 'convert', '.pb.gz'],
  ['convert (speedscope)', 'convert', '.speedscope.json'],
  ['convert (DHAT)', 'convert', '.dhat.json'],
  ['convert (folded)', 'convert', '.folded'],
  ['convert (.heapflame)', 'convert', '.heapflame'],
];
let failures = 0;
function otherCommands(file, reportRss) {
  const commands = [
    ...OUTPUTS.map(([name, command, suffix]) => [name, hf(command, file, '-o', `${out}${suffix}`)]),
    ['report --json', hf('report', file, '--json')],
  ];
  for (const [name, command] of commands) {
    const r = measure(command);
    if (r.failed) {
      failures++;
      console.log(`  ${name.padEnd(24)} FAILED ${r.failed}`);
      continue;
    }
    const ratio = reportRss == null || r.rss == null ? null : r.rss / reportRss;
    if (ratio > 2) failures++;
    console.log(
      `  ${name.padEnd(24)} ${r.wall.toFixed(2).padStart(6)} s  ${r.rss?.toFixed(0).padStart(6)} MB` +
        (ratio == null ? '' : `  ${ratio.toFixed(2)} x report's memory (target <= 2) ${ratio <= 2 ? 'PASS' : 'FAIL'}`),
    );
  }
  for (const [, , suffix] of OUTPUTS) fs.rmSync(`${out}${suffix}`, { force: true });
}
otherCommands(input, rep.failed ? null : rep.rss);

// the same stacks in every other format heapflame writes and reads (made from the recording
// once, cached beside it): report, then every command, against that report's memory
for (const suffix of ['.pb.gz', '.speedscope.json', '.dhat.json', '.folded', '.heapflame']) {
  const file = path.join(cacheDir, `stacks-${stacks}${suffix}`);
  if (!fs.existsSync(file)) {
    const made = measure(hf('convert', input, '-o', `${file}.partial${suffix}`));
    if (made.failed) {
      console.log(`\n${suffix}: could not be made: ${made.failed}`);
      failures++;
      continue;
    }
    fs.renameSync(`${file}.partial${suffix}`, file);
  }
  console.log(`\n${path.basename(file)} (${(fs.statSync(file).size / 1e6).toFixed(1)} MB):`);
  const report = measure(hf('report', file));
  if (report.failed) {
    failures++;
    console.log(`  ${'heapflame report'.padEnd(24)} FAILED ${report.failed}`);
  } else
    console.log(
      `  ${'heapflame report'.padEnd(24)} ${report.wall.toFixed(2).padStart(6)} s  ${report.rss?.toFixed(0).padStart(6)} MB`,
    );
  otherCommands(file, report.failed ? null : report.rss);
}
console.log(
  failures
    ? `\n${failures} command(s) failed or missed the memory target`
    : "\nevery command within 2 x report's memory",
);
