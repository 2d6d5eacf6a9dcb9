import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { topEntries } from '../../src/analyze/top.js';
import { loadProfile } from '../../src/load.js';
import { CLI, ROOT, tempFiles } from '../helpers/paths.js';

/**
 * The recorder's window thread (Node < 26, alloc mode): windows close while a synchronous
 * program runs, frames of a loader's in-memory code keep their source map, and nothing of the
 * thread shows in the program's output.
 */

const native = Number(process.versions.node.split('.')[0]) >= 26;
const skip = native ? 'Node 26+ samples through v8.startHeapProfile, without the window thread' : false;
const FIXTURES = join(ROOT, 'test/fixtures/record');
const files = tempFiles('window-thread');
after(files.remove);

function record(out: string, command: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, [CLI, 'record', '--precise', '-o', out, '--', process.execPath, ...command], {
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
}

test('a synchronous program: windows close during the run (every 2 s), not all at exit', { skip }, async () => {
  const out = join(files.dir, 'busy.heapflame');
  const preload = `--import=${join(FIXTURES, 'says-thread.mjs')}`;
  const r = record(out, [join(FIXTURES, 'busy-sync.mjs'), '5'], { ...process.env, NODE_OPTIONS: preload });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'busy-sync: 2000\n');
  assert.doesNotMatch(r.stderr, /debugger|recorder stopped/i);
  // the program's preloads (here also heapflame's own process's) run in main threads only,
  // not in the recorder's thread
  assert.match(r.stderr, /preload in the main thread/);
  assert.doesNotMatch(r.stderr, /preload in a worker/);
  const p = await loadProfile(out);
  // 5 s of JavaScript that never yields: two windows or more before the exit's
  assert.ok((p.meta.sampling?.windows ?? 0) >= 3, JSON.stringify(p.meta.sampling));
  const [first] = topEntries(p, 'allocated', { limit: 1 });
  assert.equal(p.frames[first.frame].name, 'buildRecords');
  // every window's samples are merged: a loop of 5 s allocates far more than one window holds
  const allocated = p.values[p.costs.findIndex((c) => c.id === 'allocated')].reduce((a, b) => a + b, 0);
  assert.ok(allocated > 100 * 2 ** 20, `allocated ${allocated}`);
});

test("a loader's in-memory source map (no map on disk) moves the frames to the source", async () => {
  const out = join(files.dir, 'loader.heapflame');
  const dir = join(FIXTURES, 'loader-maps');
  const r = record(out, ['--enable-source-maps', '--import', join(dir, 'register.mjs'), join(dir, 'app.shifted.mjs')]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'app: 20000\n');
  const p = await loadProfile(out);
  const [first] = topEntries(p, 'allocated', { limit: 1 });
  const frame = p.frames[first.frame];
  assert.equal(frame.name, 'makeBoxes');
  assert.equal(frame.file, join(dir, 'app.shifted.mjs'));
  // line 12 of the code Node ran, line 2 of the file
  assert.equal(frame.line, 2);
});
