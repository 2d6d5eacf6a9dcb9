#!/usr/bin/env node
// heapflame benchmark: the cost of `heapflame record` on Node programs, against the same
// program without it, run alternately in one session (wall time median of N runs, peak RSS).
// Usage: node bench/record.mjs [--runs N] [--long SECONDS | --skip-long]
// A report, not a test: exits 0 whatever the numbers.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(root, 'dist/src/cli/main.js');
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const runs = opt('--runs', 7);
const longSeconds = args.includes('--skip-long') ? 0 : opt('--long', 60);
const TARGET_OVERHEAD = 0.1;
/** The recorder's exit step (stop the sampler, build and write the profile), at most. */
const TARGET_EXIT_S = 0.3;
const TARGET_MEMORY_MB = 50;

const workloads = [
  { name: 'JSON-heavy loop (20k requests)', command: [process.execPath, path.join(root, 'bench/workloads/json.mjs')] },
  {
    name: 'demo: 500 S3 GETs (planted churn)',
    command: [process.execPath, path.join(root, 'dist/examples/s3-get/main.js')],
  },
  {
    name: 'sync objects: 60 x 20k, JSON round trip',
    command: [process.execPath, path.join(root, 'bench/workloads/objects.mjs')],
  },
  {
    // a real compile: TypeScript 5 (pure JavaScript; the project's TypeScript 7 is a Go binary)
    name: 'tsc 5 --noEmit (heapflame, 130 files)',
    command: [
      process.execPath,
      path.join(root, 'node_modules/typescript5/bin/tsc'),
      '-p',
      path.join(root, 'tsconfig.json'),
      '--noEmit',
    ],
  },
];

function run(command) {
  const timeFile = path.join(os.tmpdir(), `heapflame-bench-record-${process.pid}.time`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', timeFile, ...command], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, HEAPFLAME_BENCH_EXIT_STEP: '1' },
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${command.join(' ')} failed: ${r.stderr}`);
  const kb = Number(fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop());
  fs.rmSync(timeFile, { force: true });
  // the recorder's exit step, which it reports when asked (src/record/recorder.ts)
  const exit = /heapflame: exit step ([\d.]+) ms/.exec(String(r.stderr));
  return { wall, rssMB: (kb * 1024) / 1e6, exitS: exit ? Number(exit[1]) / 1000 : null };
}

const out = path.join(os.tmpdir(), `heapflame-bench-${process.pid}.heapflame`);
const recorded = (command, extra = []) => [process.execPath, cli, 'record', '-o', out, ...extra, '--', ...command];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(
  `heapflame record benchmark: ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), node ${process.version}, ${runs} runs each, alternating`,
);
console.log(
  `${'workload'.padEnd(40)} ${'plain s'.padStart(8)} ${'recorded s'.padStart(11)} ${'overhead'.padStart(9)} ${'exit step s'.padStart(12)} ${'RSS MB plain/recorded'.padStart(22)}  (targets <= ${TARGET_OVERHEAD * 100} %, exit <= ${TARGET_EXIT_S} s)`,
);
for (const w of workloads) {
  const plain = [];
  const rec = [];
  run(w.command); // warm the file cache
  for (let i = 0; i < runs; i++) {
    plain.push(run(w.command));
    rec.push(run(recorded(w.command)));
  }
  const p = median(plain.map((x) => x.wall));
  const r = median(rec.map((x) => x.wall));
  const overhead = r / p - 1;
  const rssP = median(plain.map((x) => x.rssMB));
  const rssR = median(rec.map((x) => x.rssMB));
  const exits = rec.map((x) => x.exitS).filter((x) => x !== null);
  const exitS = exits.length ? median(exits) : null;
  const pass = overhead <= TARGET_OVERHEAD && (exitS === null || exitS <= TARGET_EXIT_S);
  console.log(
    `${w.name.padEnd(40)} ${p.toFixed(3).padStart(8)} ${r.toFixed(3).padStart(11)} ${`${(overhead * 100).toFixed(1)} %`.padStart(9)} ${(exitS === null ? '-' : exitS.toFixed(3)).padStart(12)} ${`${rssP.toFixed(0)} / ${rssR.toFixed(0)}`.padStart(22)}  ${pass ? 'PASS' : 'FAIL'}`,
  );
}

if (longSeconds > 0) {
  // memory over a long run: the recorder's samples are merged per window, so its memory should
  // stay flat (the RSS difference includes the recorder's own process, which stays small)
  const command = [process.execPath, path.join(root, 'bench/workloads/json.mjs'), String(longSeconds)];
  const plain = run(command);
  const rec = run(recorded(command));
  const extra = rec.rssMB - plain.rssMB;
  console.log(
    `${longSeconds} s run of the JSON loop: peak RSS ${plain.rssMB.toFixed(0)} MB plain, ${rec.rssMB.toFixed(0)} MB recorded: +${extra.toFixed(0)} MB ${extra <= TARGET_MEMORY_MB ? 'PASS' : 'FAIL'} (target <= ${TARGET_MEMORY_MB} MB)`,
  );
}
fs.rmSync(out, { force: true });
