import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { parseProcStatus } from '../../src/runtime/proc-watch.js';
import { CLI } from '../helpers/paths.js';

/** heapflame watch --pid: another process's memory as metrics, until it ends. */

test('/proc/PID/status fields in bytes', () => {
  const s = parseProcStatus('Name:\tsrv\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\nVmSize:\t 8192 kB\nThreads:\t7\n');
  assert.deepEqual(s, { rssBytes: 1024 * 1024, rssPeakBytes: 2048 * 1024, virtualBytes: 8192 * 1024, threads: 7 });
});

test('serves RSS, peak RSS, threads and open files of a running process, and exits when it ends', async () => {
  // a process that holds 50 MB for a while
  const target = spawn(
    process.execPath,
    ['-e', 'const b = Buffer.alloc(50 << 20, 1); setTimeout(() => b.length, 1500)'],
    { stdio: 'ignore' },
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  const watch = spawn(process.execPath, [CLI, 'watch', '--pid', String(target.pid), '--port', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  watch.stderr.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    const poll = setInterval(() => {
      const m = /at (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(stderr);
      if (m) {
        clearInterval(poll);
        resolve(m[1]);
      }
    }, 20);
    watch.once('exit', () => reject(new Error(stderr)));
  });
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  assert.ok(value('heapflame_rss_bytes') > 50e6, `rss ${value('heapflame_rss_bytes')}`);
  assert.ok(value('heapflame_rss_peak_bytes') >= value('heapflame_rss_bytes'));
  assert.ok(value('heapflame_threads') >= 1);
  assert.ok(value('heapflame_open_files') >= 3);
  assert.ok(value('heapflame_virtual_bytes') > value('heapflame_rss_bytes'));
  const code = await new Promise<number | null>((resolve) => watch.once('exit', resolve));
  assert.equal(code, 0, stderr);
  assert.match(stderr, /process \d+ ended/);
});

test('a process that does not exist is one clear error', async () => {
  const watch = spawn(process.execPath, [CLI, 'watch', '--pid', '999999999'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  watch.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => watch.once('exit', resolve));
  assert.equal(code, 2);
  assert.match(stderr, /no process 999999999 to watch/);
});
