#!/usr/bin/env node
// heapflame benchmark: the memory `heapflame record` adds to a server under load over a long
// run, against the same server without it, side by side. Two S3 demo servers (no metrics) take
// the same open-loop load of GETs at the same moments (bench/open-loop.mjs); their resident
// memory is read from /proc every few seconds. The recorded one's figure counts the program's
// process and `heapflame record`'s own. After the run the recorded server is stopped with
// SIGTERM: the time it takes to exit (the recorder writes the recording then) and the
// recording's size are printed, and the recording is read back with `heapflame report`.
// Target (issue #17): recording adds at most 50 MB to the server's growth over an hour, after
// the first minute (warm-up): the recorded server's growth less the plain one's, side by side.
// Usage: node bench/record-soak.mjs [--minutes M] [--rate REQ_PER_S per server] [--mode alloc|live]
// A report, not a test: exits 0 whatever the numbers.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rssBytes, startS3Server } from './s3-server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');
const server = join(root, 'dist/examples/s3-server/main.js');
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const minutes = Number(opt('--minutes', 5));
const rate = Number(opt('--rate', 200));
const mode = opt('--mode', 'alloc');
const TARGET_GROWTH_MB = 50;
const WARM_UP_S = 60;
const EVERY_S = 5;

const work = mkdtempSync(join(os.tmpdir(), 'heapflame-soak-'));
const recording = join(work, 'server.heapflame');

/** A server on a free port, plain or under `heapflame record`; resolves once it answers. */
async function start(recorded) {
  const data = join(work, recorded ? 'data-recorded' : 'data-plain');
  const serverArgs = [server, '--port', '0', '--metrics-port', '0', '--data', data, '--no-instrument'];
  const command = recorded
    ? [cli, 'record', '-o', recording, '--mode', mode, '--', process.execPath, ...serverArgs]
    : serverArgs;
  const { child, url } = await startS3Server(command, 'soak');
  // the processes whose memory counts: the server and, when recorded under Node 20 (no
  // execve), `heapflame record` waiting for it; on later Node record became the server
  const pids = [child.pid, ...descendants(child.pid)];
  return { url, child, pids, samples: [] };
}

/** Child processes of `pid`, and theirs (from /proc). */
function descendants(pid) {
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(name), ...descendants(Number(name)));
    } catch {
      // (gone meanwhile)
    }
  }
  return found;
}

const signed = (mb) => `${mb >= 0.5 ? '+' : ''}${Math.round(mb)}`;
const rssMB = (pids) => pids.reduce((sum, pid) => sum + rssBytes(pid) / 2 ** 20, 0);

const plain = await start(false);
const recorded = await start(true);
const servers = [plain, recorded];
const seconds = Math.round(minutes * 60);
console.log(
  `heapflame record soak: ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), node ${process.version}, ${seconds} s at ${rate} GET/s per server, --mode ${mode}`,
);
const t0 = performance.now();
const sampler = setInterval(() => {
  const t = (performance.now() - t0) / 1000;
  // (the server is the last process of the chain; `heapflame record`, if apart, the first)
  for (const s of servers) s.samples.push({ t, mb: rssMB(s.pids), server: rssMB(s.pids.slice(-1)) });
}, EVERY_S * 1000);
const load = spawn(
  process.execPath,
  [
    join(root, 'bench/open-loop.mjs'),
    servers.map((s) => `${s.url}/soak/object`).join(','),
    String(rate * 2),
    String(seconds),
    '16',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let loadOut = '';
load.stdout.on('data', (d) => (loadOut += d));
await new Promise((resolve) => load.once('exit', resolve));
clearInterval(sampler);
const latency = JSON.parse(loadOut);

/** The warm-up: the first minute, or half of a shorter run. */
const warmUpS = Math.min(WARM_UP_S, seconds / 2);
/** Memory after the warm-up, at the end, the largest, and the growth between. */
function summary(s) {
  const after = s.samples.find((x) => x.t >= warmUpS) ?? s.samples[0];
  const last = s.samples[s.samples.length - 1];
  const max = Math.max(...s.samples.map((x) => x.mb));
  return { warm: after.mb, last: last.mb, max, growth: last.mb - after.mb, server: last.server };
}
const p = summary(plain);
const r = summary(recorded);
const row = (name, x, l) =>
  `${name.padEnd(10)} ${x.warm.toFixed(0).padStart(8)} ${x.last.toFixed(0).padStart(8)} ${x.max.toFixed(0).padStart(8)} ${signed(x.growth).padStart(8)} ${l.p50.toFixed(2).padStart(8)} ${l.p99.toFixed(2).padStart(8)} ${String(l.answered).padStart(9)}`;
console.log(
  `${''.padEnd(10)} ${`MB at ${Math.round(warmUpS)}s`.padStart(8)} ${'at end'.padStart(8)} ${'max'.padStart(8)} ${'growth'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'answered'.padStart(9)}`,
);
console.log(row('plain', p, latency[0]));
console.log(row('recorded', r, latency[1]));
// what recording adds to the growth: the plain server under the same load grows too (V8's
// heap settling, the C library's arenas), by as much as 54 MB in an hour under Node 26
const added = r.growth - Math.max(0, p.growth);
const pass = added <= TARGET_GROWTH_MB;
console.log(
  `growth after ${Math.round(warmUpS)} s: recorded ${signed(r.growth)} MB, plain ${signed(p.growth)} MB; recording adds ${signed(added)} MB: ${pass ? 'PASS' : 'FAIL'} (target <= ${TARGET_GROWTH_MB} MB). At the end the recorded server's process has ${(r.server - p.server).toFixed(0)} MB more than the plain one, and ${recorded.pids.length > 1 ? `\`heapflame record\`'s own process ${(r.last - r.server).toFixed(0)} MB` : 'no `heapflame record` process (it became the server)'}`,
);

// stop both; the recorded server writes its recording on the way out
const stopped = performance.now();
const exited = (child) => new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
plain.child.kill('SIGTERM');
process.kill(recorded.pids[recorded.pids.length - 1], 'SIGTERM');
await Promise.all([exited(plain.child), exited(recorded.child)]);
const exitS = (performance.now() - stopped) / 1000;
if (existsSync(recording)) {
  const size = statSync(recording).size;
  const report = execFileSync(process.execPath, [cli, 'report', recording, '--top', '3'], { encoding: 'utf8' });
  console.log(
    `recording: ${(size / 1e6).toFixed(1)} MB, written in ${exitS.toFixed(2)} s after SIGTERM; its report begins:\n${report.split('\n').slice(0, 8).join('\n')}`,
  );
} else {
  console.log(`no recording was written (${exitS.toFixed(2)} s after SIGTERM)`);
}
rmSync(work, { recursive: true, force: true });
