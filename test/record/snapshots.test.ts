import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../helpers/paths.js';

/**
 * record --snapshot exit and --snapshot-every: heap snapshots beside the recording, bounded in
 * number, that `leaks` reads as BASE, TARGET and FINAL; refused for native programs.
 */

const dir = mkdtempSync(join(tmpdir(), 'heapflame-record-snapshots-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// a cache that grows for about 1.2 s: 40 Entry objects every 50 ms, never evicted
const program = join(dir, 'growing.mjs');
writeFileSync(
  program,
  `class Entry { constructor(i) { this.i = i; this.data = new Array(16).fill(i); } }
const cache = new Map();
let n = 0;
const timer = setInterval(() => {
  for (let k = 0; k < 40; k++, n++) cache.set('k' + n, new Entry(n));
  if (n >= 960) clearInterval(timer);
}, 50);
`,
);

/** Records the program as NAME.heapflame with a snapshot at exit and every 0.2 s, and `extra`. */
function recordWithSnapshots(name: string, extra: string[] = []) {
  const out = join(dir, `${name}.heapflame`);
  const r = runCli([
    'record',
    ...extra,
    '--snapshot',
    'exit',
    '--snapshot-every',
    '0.2',
    '-o',
    out,
    '--',
    process.execPath,
    program,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return { out, stderr: r.stderr };
}

test('--snapshot exit and --snapshot-every: the first, the last two and the exit one; leaks finds the growing cache', () => {
  const { out, stderr } = recordWithSnapshots('run');
  assert.ok(existsSync(out), 'the recording is written too');
  const snaps = readdirSync(dir)
    .filter((f) => f.endsWith('.heapsnapshot'))
    .sort();
  const periodic = snaps.filter((f) => f.startsWith('run.every-'));
  assert.ok(snaps.includes('run.exit.heapsnapshot'), snaps.join(' '));
  assert.ok(periodic.includes('run.every-1.heapsnapshot'), 'the first is kept');
  assert.equal(periodic.length, 3, `the first and the last two: ${periodic.join(' ')}`);
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.tmp')).length, 0, 'no half-written file');
  for (const f of snaps) assert.match(stderr, new RegExp(`wrote .*${f.replace(/\./g, '\\.')}`));
  // BASE: the first, TARGET: the latest periodic, FINAL: at exit
  const latest = periodic
    .map((f) => Number(/every-(\d+)/.exec(f)?.[1]))
    .sort((a, b) => a - b)
    .at(-1);
  const leaks = runCli([
    'leaks',
    join(dir, 'run.every-1.heapsnapshot'),
    join(dir, `run.every-${latest}.heapsnapshot`),
    join(dir, 'run.exit.heapsnapshot'),
    '--json',
  ]);
  assert.equal(leaks.code, 0, leaks.stderr);
  const clusters = JSON.parse(leaks.stdout).clusters as { className: string; count: number; signature: string[] }[];
  const entry = clusters.find((c) => c.className === 'Entry');
  assert.ok(entry && entry.count > 0, clusters.map((c) => c.className).join(', '));
  assert.ok(entry.signature.includes('cache → Map'));
});

test('--track-allocations: each leaked object carries the stack that allocated it', () => {
  recordWithSnapshots('tracked', ['--track-allocations']);
  const leaks = runCli([
    'leaks',
    join(dir, 'tracked.every-1.heapsnapshot'),
    join(dir, 'tracked.exit.heapsnapshot'),
    '--json',
  ]);
  assert.equal(leaks.code, 0, leaks.stderr);
  const clusters = JSON.parse(leaks.stdout).clusters as {
    className: string;
    allocatedAt: { name: string; file: string; line: number }[] | null;
  }[];
  const entry = clusters.find((c) => c.className === 'Entry');
  assert.ok(entry?.allocatedAt, JSON.stringify(entry));
  // new Entry(n) in the interval's callback: V8 names each function by where it begins
  // (line 4, the arrow function), called from Node's timers; the trace's root is not a frame
  assert.equal(entry.allocatedAt[0].file.endsWith('growing.mjs') && entry.allocatedAt[0].line, 4);
  assert.ok(entry.allocatedAt.some((f) => f.name === 'listOnTimeout'));
  assert.ok(!entry.allocatedAt.some((f) => f.name === '(root)'), JSON.stringify(entry.allocatedAt));
  assert.match(
    runCli(['leaks', join(dir, 'tracked.every-1.heapsnapshot'), join(dir, 'tracked.exit.heapsnapshot')]).stdout,
    /allocated at:/,
  );
});

test('snapshots of a native program, or with --pid, are refused before anything runs', () => {
  const r = runCli(['record', '--snapshot', 'exit', '-o', join(dir, 'native.zst'), '--', '/bin/true']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /heap snapshots of Node programs/);
  const bad = runCli(['record', '--snapshot-every', '0', '--', process.execPath, program]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /at least 0\.1/);
  const alone = runCli(['record', '--track-allocations', '--', process.execPath, program]);
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /add --snapshot exit or --snapshot-every/);
});
