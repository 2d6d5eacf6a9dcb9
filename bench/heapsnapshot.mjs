#!/usr/bin/env node
// heapflame benchmark: reading a large V8 heap snapshot (dominators and retained sizes) against
// memlab's getFullHeapFromFile path (@memlab/core: parse, dominators, retained sizes), side
// by side in one session: wall time and peak RSS, and RSS against the file's size.
// The snapshot is made here: a program holding N small class instances in a Map writes it
// (1.1 M instances ≈ 300 MB). Usage: node bench/heapsnapshot.mjs [--objects N] [--keep]
// A report, not a test: exits 0 whatever the numbers.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(root, 'dist/src/cli/main.js');
const args = process.argv.slice(2);
const objects = args.includes('--objects') ? Number(args[args.indexOf('--objects') + 1]) : 1_100_000;
const TARGET_SPEEDUP = 3;
const TARGET_RSS_PER_FILE = 1.5;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heapflame-bench-snapshot-'));
const file = path.join(dir, 'big.heapsnapshot');

function timed(command, options = {}) {
  const timeFile = path.join(dir, 'time');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', timeFile, ...command], {
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 28,
    ...options,
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${command.join(' ')} failed: ${r.stderr}`);
  const kb = Number(fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop());
  return { wall, rssMB: (kb * 1024) / 1e6, stdout: r.stdout.toString() };
}

const make = `
class Session { constructor(i) { this.id = i; this.name = 'session-' + i; this.tags = [i & 7, i & 15]; } }
globalThis.sessions = new Map();
for (let i = 0; i < ${objects}; i++) sessions.set(i, new Session(i));
require('node:v8').writeHeapSnapshot(process.argv[1]);`;
console.log(`making a snapshot of ${objects.toLocaleString('en')} objects in a Map...`);
const made = timed([process.execPath, '--max-old-space-size=8192', '-e', make, file]);
const mb = fs.statSync(file).size / 1e6;
console.log(`  ${mb.toFixed(0)} MB written by V8 in ${made.wall.toFixed(1)} s (${made.rssMB.toFixed(0)} MB RSS)`);

const memlabScript = `
const { utils, analysis, config } = require('@memlab/core');
(async () => {
  config.verbose = false;
  const heap = await utils.getSnapshotFromFile(process.argv[1], { buildNodeIdIndex: true, verbose: false });
  analysis.preparePathFinder(heap);
  let top = 0;
  heap.nodes.forEach((n) => { if (n.nodeIndex !== 0 && n.retainedSize > top) top = n.retainedSize; });
  console.log('nodes', heap.nodes.length, 'largest retained', top);
})();`;

const ours = timed([process.execPath, cli, 'report', file, '--top', '1', '--stacks', '1', '-q']);
console.log(
  `heapflame report:  ${ours.wall.toFixed(1)} s, ${ours.rssMB.toFixed(0)} MB peak RSS (${(ours.rssMB / mb).toFixed(2)} × the file; target <= ${TARGET_RSS_PER_FILE})`,
);
let theirs;
try {
  theirs = timed([process.execPath, '--max-old-space-size=16384', '-e', memlabScript, file], { cwd: root });
  console.log(
    `memlab (getSnapshotFromFile + dominators): ${theirs.wall.toFixed(1)} s, ${theirs.rssMB.toFixed(0)} MB peak RSS (${(theirs.rssMB / mb).toFixed(2)} × the file)`,
  );
  console.log(
    `heapflame is ${(theirs.wall / ours.wall).toFixed(1)} × faster than memlab (target >= ${TARGET_SPEEDUP}), RSS ${(ours.rssMB / theirs.rssMB).toFixed(2)} × memlab's`,
  );
} catch (e) {
  console.log(`memlab did not complete: ${String(e.message).split('\n')[0].slice(0, 200)}`);
}
if (!args.includes('--keep')) fs.rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${file}`);
