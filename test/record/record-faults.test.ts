import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readHeapflameMeta } from '../../src/import/heapflame.js';
import { CLI, tempFiles } from '../helpers/paths.js';

/**
 * `record` under faults: an output that cannot be written is refused before the program runs
 * (never run half: the program's status would be lost behind the error); concurrent runs with
 * one -o and forking children each list their own processes' files.
 */

const files = tempFiles('record-faults');
after(files.remove);

test('-o in a missing folder or naming a directory: exit 2 before the program runs', () => {
  const marker = join(files.dir, 'ran');
  const program = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); process.exit(3)`;
  mkdirSync(join(files.dir, 'adir'));
  for (const [out, why] of [
    [
      join(files.dir, 'missing', 'deeper', 'x.heapflame'),
      /the folder .*missing\/deeper does not exist; the program was not run/,
    ],
    [join(files.dir, 'adir'), /is a directory; -o names the recording file/],
  ] as const) {
    const r = spawnSync(process.execPath, [CLI, 'record', '-o', out, '--', process.execPath, '-e', program], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, why);
    assert.ok(!existsSync(marker), 'the program did not run');
    assert.doesNotMatch(r.stderr, /wrote/);
  }
  assert.deepEqual(readdirSync(join(files.dir, 'adir')), [], 'nothing was written into the directory');
  // a writable -o: the program's own status
  const ok = spawnSync(
    process.execPath,
    [CLI, 'record', '-o', join(files.dir, 'ok.heapflame'), '--', process.execPath, '-e', program],
    { encoding: 'utf8' },
  );
  assert.equal(ok.status, 3, ok.stderr);
  assert.ok(existsSync(marker));
});

test('three concurrent runs with one -o, each forking four Node children: each lists its own files only', async () => {
  const out = join(files.dir, 'shared.heapflame');
  const script = files.file(`
    const { execFileSync } = require('child_process');
    for (let i = 0; i < 4; i++) execFileSync(process.execPath, ['-e', 'Array.from({ length: 1000 }, (_, i) => ({ i }))']);
  `);
  const runs = await Promise.all(
    [0, 1, 2].map(
      () =>
        new Promise<{ code: number | null; wrote: string[] }>((resolve) => {
          const child = spawn(process.execPath, [CLI, 'record', '-o', out, '--', process.execPath, script], {
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let err = '';
          child.stderr.on('data', (d) => (err += d));
          child.on('close', (code) =>
            resolve({ code, wrote: [...err.matchAll(/^heapflame: wrote (\S+?)(?::\s|$)/gm)].map((m) => m[1]) }),
          );
        }),
    ),
  );
  const seen = new Map<string, number>();
  const runIds = new Set<string>();
  runs.forEach((r, k) => {
    assert.equal(r.code, 0);
    const children = r.wrote.filter((f) => f !== out);
    assert.equal(children.length, 4, `run ${k} lists its four children: ${r.wrote.join(', ')}`);
    // every child file a run lists was written by that run (the shared top file is the last
    // top process's to finish: another run may write it after this one listed it)
    const ids = new Set(children.map((f) => readHeapflameMeta(f)?.recordRun));
    assert.equal(ids.size, 1, `run ${k}'s files are of one run`);
    runIds.add([...ids][0]!);
    for (const f of children) seen.set(f, (seen.get(f) ?? 0) + 1);
  });
  assert.equal(runIds.size, 3, 'three runs, three ids');
  assert.equal(seen.size, 12, 'no child file is claimed twice');
});

test('record becomes the Node program where Node can (execve): one process, the files listed at its exit', async () => {
  const out = join(files.dir, 'exec.heapflame');
  const child = spawn(
    process.execPath,
    [
      CLI,
      'record',
      '-o',
      out,
      '--',
      process.execPath,
      '-e',
      'console.log(JSON.stringify({ pid: process.pid, ppid: process.ppid }))',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  const seen = JSON.parse(stdout) as { pid: number; ppid: number };
  if (typeof (process as { execve?: unknown }).execve === 'function') {
    // no `heapflame record` process waits beside the program: the program is it
    assert.equal(seen.pid, child.pid);
    assert.equal(seen.ppid, process.pid);
  } else assert.notEqual(seen.pid, child.pid, 'Node 20: the program is a child of record');
  assert.equal(
    stderr,
    `heapflame: wrote ${out}: ${process.execPath} -e ${'console.log(JSON.stringify({ pid: process.pid, ppid: process.ppid }))'}\n`,
  );
  assert.equal(readHeapflameMeta(out)?.format, 'node');
});

test('a recording that cannot be written: the recorder says why and that none was written, the status stays', () => {
  const dir = join(files.dir, 'goes-away');
  mkdirSync(dir);
  // the program takes the folder of its own recording away before it ends
  const program = `require('fs').rmSync(${JSON.stringify(dir)}, { recursive: true }); process.exit(4)`;
  const r = spawnSync(
    process.execPath,
    [CLI, 'record', '-o', join(dir, 'lost.heapflame'), '--', process.execPath, '-e', program],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 4, r.stderr);
  assert.match(r.stderr, /^heapflame: recorder stopped: .*ENOENT/m);
  assert.match(r.stderr, /^heapflame: no recording was written$/m);
  assert.doesNotMatch(r.stderr, /wrote/);
});
