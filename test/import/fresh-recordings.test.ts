import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { topEntries } from '../../src/analyze/top.js';
import { loadProfile } from '../../src/load.js';
import { fixtureFile, requireOrSkip, tempFiles } from '../helpers/paths.js';

/** Recordings made now by the tools themselves, checked against what those tools report. */

const files = tempFiles('fresh');
after(files.remove);

/** "==123== Total:     1,121,016 bytes in 1,041 blocks" → the numbers on the line named `label`. */
function valgrindLine(stderr: string, label: string): number[] {
  const line = stderr.split('\n').find((l) => l.includes(`${label}:`));
  assert.ok(line, `Valgrind printed "${label}"`);
  return [...line.slice(line.indexOf(`${label}:`)).matchAll(/(\d[\d,]*)/g)].map((m) => Number(m[1].replace(/,/g, '')));
}

test('a fresh valgrind --tool=dhat recording: heapflame totals equal the summary Valgrind prints', async (t) => {
  const missing = requireOrSkip('valgrind') ?? requireOrSkip('gcc');
  if (missing) return t.skip(missing);
  const exe = join(files.dir, 'heapdemo');
  assert.equal(spawnSync('gcc', ['-g', '-O0', '-o', exe, fixtureFile('dhat/heapdemo.c')]).status, 0);
  const out = join(files.dir, 'dhat.out.json');
  const r = spawnSync('valgrind', ['--tool=dhat', `--dhat-out-file=${out}`, exe], { encoding: 'utf8', cwd: files.dir });
  assert.equal(r.status, 0, r.stderr);
  const p = await loadProfile(out);
  const [totalBytes, totalBlocks] = valgrindLine(r.stderr, 'Total');
  const [gmaxBytes] = valgrindLine(r.stderr, 'At t-gmax');
  const [endBytes] = valgrindLine(r.stderr, 'At t-end');
  const [reads] = valgrindLine(r.stderr, 'Reads');
  const [writes] = valgrindLine(r.stderr, 'Writes');
  assert.deepEqual(
    [p.totals.allocated, p.totals.allocations, p.totals.peak, p.totals.leaked, p.totals.reads, p.totals.writes],
    [totalBytes, totalBlocks, gmaxBytes, endBytes, reads, writes],
  );
  const leak = topEntries(p, 'leaked', { limit: 1 })[0].stacks[0].node;
  assert.equal(p.frames[p.nodeFrame[p.nodeParent[leak]]].name, 'leak_never_freed');
});

test('a fresh node --heap-prof file: live bytes are the sum of its selfSize, the retaining function first', async () => {
  const dir = join(files.dir, 'heap-prof');
  const program =
    'globalThis.keep = []; function retain() { for (let i = 0; i < 200000; i++) keep.push({ i, a: [i, i] }); } retain();';
  const r = spawnSync(
    process.execPath,
    ['--heap-prof', `--heap-prof-dir=${dir}`, '--heap-prof-interval=32768', '--no-turbo-inlining', '-e', program],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const file = join(dir, readdirSync(dir)[0]);
  // V8's own figure: the selfSize of every node of the file, summed here without heapflame
  const raw = JSON.parse(readFileSync(file, 'utf8'));
  let selfSizes = 0;
  const walk = (n: { selfSize: number; children: unknown[] }) => {
    selfSizes += n.selfSize;
    for (const c of n.children) walk(c as typeof n);
  };
  walk(raw.head);
  const p = await loadProfile(file);
  assert.equal(p.totals.inuse, selfSizes);
  assert.equal(p.frames[topEntries(p, 'inuse', { limit: 1 })[0].frame].name, 'retain');
});
