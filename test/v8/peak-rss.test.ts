import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/paths.js';

/** Peak RSS is the process's own, not the one of the process that started it (Linux carries maxrss across exec). */
test('peakRssBytes: a small program started by a large one reports its own peak', (t) => {
  if (!existsSync('/proc/self/status')) return t.skip('no /proc');
  const big = Buffer.alloc(400 * 2 ** 20, 1); // this process: 400 MiB more, touched
  const script = `import(${JSON.stringify(join(ROOT, 'dist/src/v8/peak-rss.js'))}).then((m) => console.log(JSON.stringify({ own: m.peakRssBytes(), maxrss: process.resourceUsage().maxRSS * 1024 })))`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const { own, maxrss } = JSON.parse(r.stdout) as { own: number; maxrss: number };
  assert.ok(big.length > 0);
  assert.ok(own < 200 * 2 ** 20, `the child's own peak: ${Math.round(own / 2 ** 20)} MiB`);
  t.diagnostic(`child: VmHWM ${Math.round(own / 2 ** 20)} MiB, getrusage maxrss ${Math.round(maxrss / 2 ** 20)} MiB`);
});
