import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { topEntries } from '../../src/analyze/top.js';
import { loadProfile } from '../../src/load.js';
import type { Profile } from '../../src/model/profile.js';
import { CLI, requireOrSkip, ROOT, tempFiles } from '../helpers/paths.js';

/** heapflame record on Node programs: costs in the right functions, the program unchanged. */

const PLANTED = join(ROOT, 'test/fixtures/record/planted.mjs');
const files = tempFiles('record');
after(files.remove);
let n = 0;
const outFile = () => join(files.dir, `run${n++}.heapflame`);

function recordSync(args: string[], command: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, [CLI, 'record', ...args, '--', ...command], {
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
}

/** The function that tops a cost: the leaf frame with the largest value. */
function top(profile: Profile, cost: string, count = 1): string[] {
  return topEntries(profile, cost, { limit: count }).map((e) => profile.frames[e.frame].name);
}

test('alloc mode: the churn is where the bytes are allocated; the program is unchanged', async () => {
  const out = outFile();
  const r = recordSync(['-o', out], [process.execPath, PLANTED, '--exit', '3']);
  assert.equal(r.status, 3, r.stderr);
  assert.equal(r.stdout, 'planted: 20000 sessions kept\n');
  assert.match(r.stderr, /wrote .*run\d+\.heapflame/);
  const p = await loadProfile(out);
  // Node 26 and later also know which samples are still alive
  const full = Number(process.versions.node.split('.')[0]) >= 26;
  assert.deepEqual(
    p.costs.map((c) => c.id),
    full ? ['allocated', 'temporary', 'leaked', 'tasks'] : ['allocated', 'tasks'],
  );
  assert.equal(p.meta.sampling?.intervalBytes, 128 * 1024);
  assert.deepEqual(top(p, 'allocated'), ['churnBuffers']);
  // 800 k objects of ~100 bytes against 20 k sessions of ~250: the sampled estimate knows
  const churn = topEntries(p, 'allocated', { limit: 2 });
  assert.ok(churn[0].value > 40e6 && churn[0].value < 200e6, `churn ${churn[0].value}`);
  assert.ok(p.timeline && p.timeline.length >= 1);
  assert.ok(
    p.frames.every((f) => !f.file.includes('/src/record/')),
    'no frame of the recorder itself',
  );
});

test('live mode: the leak is what stays and what was there at the peak', async () => {
  const out = outFile();
  const r = recordSync(['-o', out, '--mode', 'live'], [process.execPath, PLANTED]);
  assert.equal(r.status, 0, r.stderr);
  const p = await loadProfile(out);
  assert.deepEqual(
    p.costs.map((c) => c.id),
    ['leaked', 'peak', 'tasks'],
  );
  assert.deepEqual(top(p, 'leaked'), ['retainSessions']);
  // 20 000 × (object + 16-element array) is about 4 MB; sampling makes it an estimate
  const leaked = topEntries(p, 'leaked', { limit: 1 })[0].value;
  assert.ok(leaked > 2e6 && leaked < 10e6, `leaked ${leaked} by retainSessions`);
  // temporaries are not leaks (the churn keeps its last object alive: at most a sample or two)
  const churnLeaked =
    topEntries(p, 'leaked', { limit: 50 }).find((e) => p.frames[e.frame].name === 'churnBuffers')?.value ?? 0;
  assert.ok(churnLeaked < leaked * 0.1, `churnBuffers leaked ${churnLeaked} against ${leaked}`);
  assert.deepEqual(top(p, 'peak'), ['retainSessions']);
});

/** Forgotten tasks: "[type] made in function" → count. */
function tasksByCreator(p: Profile): Record<string, number> {
  const c = p.costs.findIndex((x) => x.id === 'tasks');
  const out: Record<string, number> = {};
  for (let i = 0; i < p.sampleCount; i++) {
    const v = p.values[c][i];
    if (!v) continue;
    const leaf = p.sampleNode[i];
    const creator = p.frames[p.nodeFrame[p.nodeParent[leaf]]]?.name;
    const key = `${p.frames[p.nodeFrame[leaf]].name} ${creator === 'Promise' ? p.frames[p.nodeFrame[p.nodeParent[p.nodeParent[leaf]]]].name : creator}`;
    out[key] = (out[key] ?? 0) + v;
  }
  return out;
}

test('forgotten tasks: each timer, promise and server left running, by the function that made it', async () => {
  const out = outFile();
  const r = recordSync(['-o', out], [process.execPath, PLANTED, '--forget']);
  assert.equal(r.status, 0, r.stderr);
  const p = await loadProfile(out);
  const tasks = tasksByCreator(p);
  assert.equal(tasks['[Interval] startBackgroundRefresh'], 1);
  assert.equal(tasks['[Server] openServer'], 1);
  // 64 promises, one in 16 sampled and counted 16 times: an estimate near 64
  const promises = tasks['[Promise] waitForever'];
  assert.ok(promises >= 32 && promises <= 96, `promises ${promises}`);
  assert.deepEqual(
    Object.keys(tasks).sort(),
    ['[Interval] startBackgroundRefresh', '[Promise] waitForever', '[Server] openServer'],
    'the timeout that calls process.exit is not left behind',
  );

  // the same program without them: nothing
  const cleanOut = outFile();
  assert.equal(recordSync(['-o', cleanOut], [process.execPath, PLANTED]).status, 0);
  const clean = await loadProfile(cleanOut);
  assert.deepEqual(tasksByCreator(clean), {});
  assert.equal(clean.totals.tasks, 0);
});

test('a Node recording with every command at its defaults: its main cost, -c tasks, check on its own costs, no warnings', async () => {
  const out = outFile();
  assert.equal(recordSync(['-o', out], [process.execPath, PLANTED, '--forget']).status, 0);
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  const report = cli('report', out);
  assert.equal(report.status, 0, report.stderr);
  assert.equal(report.stderr, '', 'its own recording loads without warnings');
  // what to look at first, then the sections, the main cost first: the planted problems by
  // their functions (the leak only where the sampler knows liveness, Node 26+)
  assert.match(report.stdout, /^FINDINGS\n(?:\d+\. .*\n)+\nMOST BYTES ALLOCATED\n/);
  assert.match(report.stdout, /^\d+\. forgotten tasks: waitForever \(.*planted\.mjs:45\): 64 of 66 /m);
  assert.match(report.stdout, /^\d+\. most allocated: churnBuffers \(/m);
  const liveness = (await loadProfile(out)).costs.some((c) => c.id === 'leaked');
  if (liveness) assert.match(report.stdout, /^1\. leak: retainSessions \(/m);
  const folded = cli('folded', out);
  assert.equal(folded.status, 0, folded.stderr);
  const heaviest = folded.stdout
    .trim()
    .split('\n')
    .map((l) => [l, Number(l.slice(l.lastIndexOf(' ') + 1))] as const)
    .sort((a, b) => b[1] - a[1])[0][0];
  assert.match(heaviest, /churnBuffers \(planted\.mjs\); \d+$/, 'folded writes allocated bytes by default');
  const tasks = cli('folded', out, '-c', 'tasks');
  assert.equal(tasks.status, 0, tasks.stderr);
  assert.match(tasks.stdout, /startBackgroundRefresh \(planted\.mjs\);\[Interval\]; 1$/m);
  const svg = join(files.dir, 'defaults.svg');
  assert.equal(cli('flamegraph', out, '-o', svg).status, 0);
  assert.match(readFileSync(svg, 'utf8'), /<text id="title"[^>]*>heapflame: allocated bytes<\/text>/);
  assert.equal(cli('flamegraph', out, '-o', join(files.dir, 'defaults.html')).status, 0);
  const diff = cli('diff', out, out);
  assert.equal(diff.status, 0, diff.stderr);
  assert.match(diff.stdout, /^allocated: BASE /);
  const check = cli('check', out, '--max-allocated', '10G', '--max-tasks', '0', '-q');
  assert.equal(check.status, 1, check.stderr);
  assert.match(check.stdout, /ok {4}allocated: .* <= 10\.0 GiB/);
  assert.match(check.stdout, /FAIL {2}tasks: \d+ > 0/);
  const generic = cli('check', out, '--max', 'allocated=10G', '-q');
  assert.equal(generic.status, 0, generic.stderr);
  const unmeasured = cli('check', out, '--max-peak', '1G', '-q');
  assert.equal(unmeasured.status, 2);
  assert.match(
    unmeasured.stderr,
    /limits "peak", which this profile does not measure; it has: allocated \(main\), .*tasks/,
  );
  const unknown = cli('report', out, '-c', 'bogus');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /no cost "bogus"; it has: allocated \(main\), .*tasks\n$/);
  const png = cli('flamegraph', out, '-o', join(files.dir, 'out.png'));
  assert.equal(png.status, 2);
  assert.match(
    png.stderr,
    /cannot write ".*out\.png": a flame graph is \.svg .* or \.html .*; convert writes \.pb\.gz/,
  );
});

test("peak RSS is the kernel's high-water mark, also when the peak falls between the timer's samples", async () => {
  const out = outFile();
  // 256 MiB touched and freed within one synchronous block: no timer runs in between
  const program =
    '(() => { new Uint8Array(256 << 20).fill(1); })(); gc(); ' +
    "console.log(/VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]);";
  const r = recordSync(['-o', out], [process.execPath, '--expose-gc', '-e', program]);
  assert.equal(r.status, 0, r.stderr);
  const hwm = Number(r.stdout.trim()) * 1024;
  const p = await loadProfile(out);
  assert.ok(hwm > 256 * 2 ** 20, `the program's VmHWM ${hwm}`);
  assert.ok(p.meta.peakRssBytes! >= hwm, `recorded ${p.meta.peakRssBytes}, VmHWM ${hwm}`);
  assert.ok(
    p.timeline!.every((t) => t.rssBytes < 200 * 2 ** 20),
    'the timer never saw it',
  );
});

test('crash, process.exit and child processes: the status stays, every process writes its file', async () => {
  const crash = outFile();
  const r1 = recordSync(['-o', crash], [process.execPath, PLANTED, '--throw']);
  assert.equal(r1.status, 1);
  assert.match(r1.stderr, /Error: planted crash/);
  assert.ok(existsSync(crash), 'written on an uncaught exception');

  const exit = outFile();
  const r2 = recordSync(['-o', exit], [process.execPath, PLANTED, '--process-exit', '5']);
  assert.equal(r2.status, 5);
  assert.ok(existsSync(exit));

  const parent = outFile();
  const r3 = recordSync(['-o', parent], [process.execPath, PLANTED, '--child']);
  assert.equal(r3.status, 0, r3.stderr);
  const written = readdirSync(files.dir).filter((f) => f.startsWith(`${parent.split('/').pop()}.`));
  assert.equal(written.length, 1, `one file for the child: ${written}`);
  assert.match(written[0], /\.\d+$/);
  const child = await loadProfile(join(files.dir, written[0]));
  assert.deepEqual(top(child, 'allocated'), ['churnBuffers']);
  // stderr says which file holds which process, by its command line
  const said = r3.stderr.split('\n').filter((l) => l.startsWith('heapflame: wrote '));
  assert.equal(said.length, 2, r3.stderr);
  assert.ok(said[0].startsWith(`heapflame: wrote ${parent}: `) && said[0].endsWith('planted.mjs --child'), said[0]);
  assert.ok(
    said[1].startsWith(`heapflame: wrote ${join(files.dir, written[0])}: `) && said[1].endsWith('planted.mjs'),
    said[1],
  );
});

async function recordUntilTerm(out: string, args: string[]) {
  const child = spawn(
    process.execPath,
    [CLI, 'record', '-o', out, '--', process.execPath, PLANTED, '--wait', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (stdout.includes('waiting')) {
        clearInterval(poll);
        resolve();
      }
    }, 20);
  });
  child.kill('SIGTERM');
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('exit', (c, s) => resolve([c, s])),
  );
  return { code, signal, stdout };
}

test('SIGTERM: the program gets it, the recording is written, the status is the signal', async () => {
  const out = outFile();
  const { code, signal } = await recordUntilTerm(out, []);
  assert.equal(code, null);
  assert.equal(signal, 'SIGTERM');
  const p = await loadProfile(out);
  assert.ok(p.totals.allocated > 0);

  // a program with its own handler shuts down its way; the recording is written at its exit
  const graceful = outFile();
  const r = await recordUntilTerm(graceful, ['--graceful']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /closing/);
  assert.ok((await loadProfile(graceful)).totals.allocated > 0);
});

test('the recorder never takes the program down: a broken configuration is one line', () => {
  const r = spawnSync(process.execPath, [PLANTED, '--exit', '4'], {
    encoding: 'utf8',
    env: {
      ...process.env,
      HEAPFLAME_RECORD: '{not json',
      NODE_OPTIONS: `--import=${new URL('../../src/record/preload.js', import.meta.url).href}`,
    },
  });
  assert.equal(r.status, 4);
  assert.equal(r.stdout, 'planted: 20000 sessions kept\n');
  assert.match(r.stderr, /^heapflame: recorder not started: .*\n$/);
});

test('native programs run under heaptrack, and the recording reads like any other', async (t) => {
  const missing = requireOrSkip('heaptrack') ?? requireOrSkip('gcc');
  if (missing) return t.skip(missing);
  const src = join(files.dir, 'leak.c');
  const exe = join(files.dir, 'leak');
  writeFileSync(
    src,
    '#include <stdlib.h>\n#include <stdio.h>\nvoid* keep;\nint main(void){ for (int i = 0; i < 100; i++) free(malloc(64)); keep = malloc(4096); puts("native ok"); return 7; }\n',
  );
  assert.equal(spawnSync('gcc', ['-g', '-O0', '-o', exe, src]).status, 0);
  const out = join(files.dir, 'native.zst');
  const r = recordSync(['-o', out], [exe]);
  assert.equal(r.status, 7, r.stderr);
  assert.match(r.stdout, /native ok/);
  const p = await loadProfile(out);
  assert.equal(p.meta.format, 'heaptrack');
  assert.ok(p.totals.leaked >= 4096, `leaked ${p.totals.leaked}`);
  assert.ok(p.totals.temporary >= 100);
});

test('a missing command and a native program without heaptrack are one clear error', () => {
  const r = recordSync([], ['/no/such/program']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /command not found/);
  const bin = join(files.dir, 'bin');
  const r2 = recordSync([], ['/bin/true'], { ...process.env, PATH: bin });
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /apt-get install heaptrack/);
});

test('TypeScript through tsx: the program runs in a child process, its frames point into the .ts sources', async () => {
  const out = outFile();
  const tsx = join(ROOT, 'node_modules/.bin/tsx');
  const r = recordSync(['-o', out], [tsx, join(ROOT, 'examples/s3-get/main.ts'), '--requests', '50']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^50 GET requests/);
  const name = out.split('/').pop()!;
  const recordings = readdirSync(files.dir).filter((f) => f === name || f.startsWith(`${name}.`));
  const profiles = await Promise.all(recordings.map((f) => loadProfile(join(files.dir, f))));
  const program = profiles.find((p) => p.frames.some((f) => f.name === 'readObjectBody'));
  assert.ok(program, `the program's recording is among ${recordings}`);
  const frame = program.frames.find((f) => f.name === 'readObjectBody')!;
  assert.match(frame.file, /examples\/s3-get\/handler\.ts$/);
  const source = readFileSync(join(ROOT, 'examples/s3-get/handler.ts'), 'utf8').split('\n');
  assert.equal(
    frame.line,
    source.findIndex((l) => l.startsWith('function readObjectBody(')) + 1,
    'the line of the function in the TypeScript source',
  );
  assert.deepEqual(top(program, 'allocated'), ['readObjectBody']);
});

/** A Node 26 or later: this one, or HEAPFLAME_NODE26 (a node binary) to test it from an older one. */
const node26 = Number(process.versions.node.split('.')[0]) >= 26 ? process.execPath : process.env.HEAPFLAME_NODE26;

test('Node 26+: one run gives allocated, temporary and leaked (v8.startHeapProfile marks samples alive)', async (t) => {
  if (!node26 || !existsSync(node26)) {
    // CI runs it: .ci/run sets HEAPFLAME_NODE26 on Node 20 and runs the suite again on Node 26
    if (process.env.CI) throw new Error('Node 26 is needed in CI: set HEAPFLAME_NODE26 to its binary (.ci/run does)');
    return t.skip('needs Node 26 or later: run the tests with it, or set HEAPFLAME_NODE26 to its binary');
  }
  const out = outFile();
  const r = recordSync(['-o', out], [node26, PLANTED]);
  assert.equal(r.status, 0, r.stderr);
  const p = await loadProfile(out);
  assert.deepEqual(
    p.costs.map((c) => c.id),
    ['allocated', 'temporary', 'leaked', 'tasks'],
  );
  assert.equal(p.meta.sampling?.mode, 'alloc+liveness');
  assert.deepEqual(top(p, 'leaked'), ['retainSessions']);
  assert.deepEqual(top(p, 'temporary'), ['churnBuffers']);
  const churn = topEntries(p, 'allocated', { limit: 1 })[0];
  const churnTemporary = topEntries(p, 'temporary', { limit: 1 })[0];
  assert.ok(churnTemporary.value > 0.95 * churn.value, 'the churn is almost all temporary');
  assert.ok(p.totals.leaked < p.totals.allocated);
  // one window: leaked is exact, and nothing says otherwise
  assert.equal(p.meta.sampling?.windows, 1);
  assert.ok(!p.warnings.some((w) => w.startsWith('leaked bytes')), p.warnings.join('\n'));
});

test('Node 26+: a run of several liveness windows says that leaked counts what each window left alive', async (t) => {
  if (!node26 || !existsSync(node26)) {
    if (process.env.CI) throw new Error('Node 26 is needed in CI: set HEAPFLAME_NODE26 to its binary (.ci/run does)');
    return t.skip('needs Node 26 or later: run the tests with it, or set HEAPFLAME_NODE26 to its binary');
  }
  // the recorder as `heapflame record` starts it, with windows of 0.2 s instead of 60 s
  const out = outFile();
  const program = files.file(
    'const kept = []; const end = Date.now() + 1200;\n' +
      'const step = () => { for (let i = 0; i < 2000; i++) kept.push({ i, s: "x" + i }); if (kept.length > 20000) kept.length = 0; if (Date.now() < end) setTimeout(step, 5); };\n' +
      'step();\n',
  );
  const config = { out, parentPid: process.pid, run: 'windows', mode: 'alloc', liveWindowMs: 200 };
  const preload = new URL('../../src/record/preload.js', import.meta.url).href;
  const r = spawnSync(node26, [`--import=${preload}`, program], {
    encoding: 'utf8',
    env: { ...process.env, HEAPFLAME_RECORD: JSON.stringify(config) },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const p = await loadProfile(out);
  assert.ok((p.meta.sampling?.windows ?? 0) >= 3, `windows: ${p.meta.sampling?.windows}`);
  assert.ok(
    p.warnings.some((w) => /^leaked bytes: .* window of 0\.2 s ends, and this run had \d+; .*--mode live/.test(w)),
    p.warnings.join('\n'),
  );
});

test('--pid attaches heaptrack to a running native process (where gdb can attach)', async (t) => {
  // heaptrack injects itself with gdb; containers may forbid ptrace, so this checks what it can
  if (requireOrSkip('heaptrack') || requireOrSkip('gcc')) return t.skip('heaptrack and gcc are needed');
  if (spawnSync('gdb', ['--version']).status !== 0) return t.skip('gdb is not installed (heaptrack -p needs it)');
  const src = join(files.dir, 'sleeper.c');
  const exe = join(files.dir, 'sleeper');
  writeFileSync(
    src,
    '#include <stdlib.h>\n#include <unistd.h>\nvoid* keep[64];\nint main(void){ for (int r = 0; r < 40; r++) { for (int i = 0; i < 64; i++) { free(keep[i]); keep[i] = malloc(100 + i); } usleep(50000); } return 0; }\n',
  );
  assert.equal(spawnSync('gcc', ['-g', '-o', exe, src]).status, 0);
  const target = spawn(exe, [], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  // where ptrace is not permitted (containers without CAP_SYS_PTRACE, Yama), gdb says so at
  // once: skip then, rather than wait for heaptrack to give up
  const probe = spawnSync('gdb', ['--batch', '-p', String(target.pid), '-ex', 'detach'], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (!/detached/i.test(`${probe.stdout}${probe.stderr}`)) {
    target.kill();
    return t.skip(
      `ptrace is not permitted here: ${(/ptrace.*|Could not attach.*/i.exec(`${probe.stdout}${probe.stderr}`) ?? ['gdb could not attach'])[0]}`,
    );
  }
  const out = join(files.dir, 'attached.zst');
  const r = spawnSync(process.execPath, [CLI, 'record', '--pid', String(target.pid), '-o', out], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  await new Promise((resolve) => target.on('exit', resolve));
  if (!existsSync(out) && /ptrace|Operation not permitted/i.test(r.stdout + r.stderr))
    return t.skip('ptrace is not permitted here');
  assert.equal(r.status, 0, r.stderr);
  const p = await loadProfile(out);
  assert.equal(p.meta.format, 'heaptrack');
  assert.ok(p.meta.attached, 'the recording says it was attached');
});

test('npm scripts: npm and the script it runs each write a recording', async () => {
  const project = join(files.dir, 'npm-project');
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'p', version: '1.0.0', scripts: { start: `node ${JSON.stringify(PLANTED)}` } }),
  );
  const out = join(files.dir, 'npm.heapflame');
  const r = spawnSync(process.execPath, [CLI, 'record', '-o', out, '--', 'npm', 'run', '--silent', 'start'], {
    encoding: 'utf8',
    cwd: project,
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /planted: 20000 sessions kept/);
  const children = readdirSync(files.dir).filter((f) => f.startsWith('npm.heapflame.'));
  assert.equal(children.length, 1, `${children}`);
  const script = await loadProfile(join(files.dir, children[0]));
  assert.deepEqual(top(script, 'allocated'), ['churnBuffers']);
});
