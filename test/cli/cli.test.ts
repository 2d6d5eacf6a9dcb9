import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { CLI, fixture, fixtureFile, hasCommand, ROOT, runCli } from '../helpers/paths.js';

/** The command line as users run it: output, exit codes 0 / 2, messages without stack traces. */

const dir = mkdtempSync(join(tmpdir(), 'heapflame-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const noStackTrace = (stderr: string) => assert.doesNotMatch(stderr, /^\s+at .+:\d+:\d+\)?$/m, stderr);

test('report: heaptrack_print sections and summary, bytes in heapflame units; --raw-names in heaptrack_print units', () => {
  const r = runCli(['report', fixture('heaptrack.leaks.zst')]);
  assert.equal(r.code, 0, r.stderr);
  for (const s of [
    'MOST CALLS TO ALLOCATION FUNCTIONS',
    'PEAK MEMORY CONSUMERS',
    'MEMORY LEAKS',
    'MOST TEMPORARY ALLOCATIONS',
  ]) {
    assert.ok(r.stdout.includes(`${s}\n`), s);
  }
  assert.match(r.stdout, /^calls to allocation functions: 308 \(77000\/s\)$/m);
  assert.match(r.stdout, /^temporary memory allocations: 172 \(43000\/s\)$/m);
  assert.match(r.stdout, /^peak heap memory consumption: 1\.02 MiB$/m);
  assert.match(r.stdout, /^total memory leaked: 1\.95 KiB$/m);
  assert.match(r.stdout, /^1000 B leaked over 10 calls from\nleak_small\n {2}at .*leaks\.c:27\n/m);
  assert.equal(r.stderr, '');

  const raw = runCli(['report', fixture('heaptrack.leaks.zst'), '--raw-names']);
  assert.match(raw.stdout, /^peak heap memory consumption: 1\.07M$/m);
  assert.match(raw.stdout, /^total memory leaked: 2\.00K$/m);
  assert.match(raw.stdout, /^1000B leaked over 10 calls from\nleak_small\n {2}at .*leaks\.c:27\n/m);
});

test('report on folded stacks: a section per cost, totals', () => {
  const r = runCli(['report', fixtureFile('folded/perf-example.folded'), '-n', '1', '-s', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^MOST SAMPLES\n91 samples from\norg\/mozilla\/javascript\/ScriptableObject:\.createSlot\n31 samples from:\n/,
  );
  assert.match(r.stdout, /^samples: 1,315$/m);
  assert.doesNotMatch(r.stdout, /in \?\?|total runtime/);
});

test('report -n limits the places per section', () => {
  const r = runCli(['report', fixture('heaptrack.leaks.zst'), '-n', '2']);
  const calls = r.stdout.slice(0, r.stdout.indexOf('PEAK MEMORY'));
  assert.equal(calls.match(/calls to allocation functions with/g)?.length, 2);
});

test('report --json: versioned schema, exact integer totals, costs with units, top lists', () => {
  const r = runCli(['report', fixture('heaptrack.s3sim.zst'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.schema, 'heapflame.report/1');
  assert.deepEqual(j.summary, {
    allocations: 8678,
    temporary: 2364,
    peakBytes: 300004,
    leakedBytes: 222760,
    allocatedBytes: j.summary.allocatedBytes,
    peakRssBytes: 18474 * 4096,
    durationMs: 1159,
    peakTimeMs: j.summary.peakTimeMs,
    suppressedLeakedBytes: 0,
  });
  for (const v of Object.values(j.summary)) assert.ok(Number.isInteger(v));
  assert.ok(j.summary.allocatedBytes > j.summary.peakBytes);
  assert.deepEqual(
    j.costs.map((c: { id: string; unit: string }) => `${c.id}:${c.unit}`),
    ['allocations:count', 'temporary:count', 'leaked:bytes', 'peak:bytes', 'allocated:bytes'],
  );
  assert.equal(j.mainCost, 'allocations');
  for (const c of j.costs) assert.ok(Array.isArray(j.top[c.id]) && j.top[c.id].length > 0, c.id);
  const topLeak = j.top.leaked[0];
  assert.ok(topLeak.value > 0 && topLeak.function && Array.isArray(topLeak.stacks[0].frames));
  // Rust names are readable by default
  assert.ok(!JSON.stringify(j.top).includes('_RNv'), 'v0 symbols demangled');
});

test('folded: cost choice, -o written atomically, stdin input', () => {
  const out = join(dir, 'stacks.folded');
  const r = runCli(['folded', fixture('heaptrack.leaks.zst'), '--cost', 'temporary', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(out, 'utf8');
  assert.match(text, /^main \(leaks\.c\);temp_alloc \(leaks\.c\); 100$/m);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
  );
  const total = text
    .split('\n')
    .filter(Boolean)
    .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  assert.equal(total, 172);

  const dflt = runCli(['folded', fixture('heaptrack.leaks.zst')]);
  assert.match(dflt.stdout, /^main \(leaks\.c\);temp_alloc \(leaks\.c\); 100$/m);
  assert.match(dflt.stdout, /^main \(leaks\.c\);leak_small \(leaks\.c\); 10$/m, 'allocations by default');

  const piped = runCli(['folded', '-', '-c', 'leaked'], { input: readFileSync(fixture('heaptrack.leaks.zst')) });
  assert.equal(piped.code, 0, piped.stderr);
  assert.match(piped.stdout, /^main \(leaks\.c\);leak_small \(leaks\.c\); 1000$/m);
});

test('Rust names: demangled by default, as heaptrack_print with --raw-names, hashes on request', () => {
  const dflt = runCli(['folded', fixture('heaptrack.s3sim.zst'), '-c', 'leaked']).stdout;
  assert.ok(!/_R[A-Z]/.test(dflt), 'no v0 symbols left');
  assert.ok(!/::h[0-9a-f]{16}/.test(dflt), 'no hashes');
  assert.match(dflt, /s3sim::handle_get_object/);
  const raw = runCli(['folded', fixture('heaptrack.s3sim.zst'), '-c', 'leaked', '--raw-names']).stdout;
  assert.match(raw, /_RNv/);
  assert.match(raw, /s3sim::handle_get_object::h[0-9a-f]{16}/);
  const hashes = runCli(['folded', fixture('heaptrack.s3sim.zst'), '-c', 'leaked', '--keep-hashes']).stdout;
  assert.match(hashes, /s3sim::handle_get_object::h[0-9a-f]{16}/);
  assert.ok(!/_R[A-Z]/.test(hashes));
});

test('bad input: exit 2 with one clear line, no stack trace', () => {
  const notHeaptrack = join(dir, 'notes.txt');
  writeFileSync(notHeaptrack, 'just some text\n');
  const markdown = join(dir, 'notes.md');
  writeFileSync(
    markdown,
    '# Results\n\nRun 1 took 12\nRun 2 took 14\n\n| run | ms |\n|---|---|\n| a | 12 |\n\nSee the table above for 2\nand more text here\n',
  );
  const empty = join(dir, 'empty.zst');
  writeFileSync(empty, '');
  const cases: [string[], RegExp][] = [
    [['report', join(dir, 'missing.zst')], /missing\.zst: file not found/],
    [['report', empty], /empty\.zst: file is empty/],
    [['report', notHeaptrack], /notes\.txt: not a format heapflame reads; tried: heaptrack .*, folded stacks/],
    // prose with numbers at the ends of some lines is not folded stacks
    [
      ['report', join(ROOT, 'README.md')],
      /README\.md: not a format heapflame reads; tried: heaptrack .*, Bytehound .*, folded stacks/,
    ],
    [['report', markdown], /notes\.md: not a format heapflame reads/],
    [['report', fixture('heaptrack.leaks_raw.raw.zst')], /raw heaptrack recording/],
    [['report', fixture('heaptrack.leaks.zst'), '--min-size', 'lots'], /expected a size/],
    [['report', fixture('heaptrack.leaks.zst'), '--from', 'soon'], /expected a time/],
    [['report', fixture('heaptrack.leaks.zst'), '--focus', '(['], /not a valid regular expression/],
    [
      ['folded', fixture('heaptrack.leaks.zst'), '--cost', 'bogus'],
      /no cost "bogus"; it has: allocations \(main\), temporary, leaked, peak, allocated$/m,
    ],
    [
      ['folded', fixture('heaptrack.leaks.zst'), '-o', join(dir, 'no/such/dir/out.folded')],
      /no such file or directory/i,
    ],
    [['frobnicate'], /unknown command/],
  ];
  for (const [args, re] of cases) {
    const r = runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
    noStackTrace(r.stderr);
  }
});

test('damaged input: partial result, exit 0, warnings name the line', () => {
  const text = readFileSync(fixture('synthetic/edgecases'));
  const r = runCli(['report', fixture('synthetic/edgecases')]);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /edgecases:63: failed to parse line: \+ A$/m);
  assert.match(r.stderr, /allocation index out of bounds: 99/);
  noStackTrace(r.stderr);

  const cut = join(dir, 'cut');
  writeFileSync(cut, text.subarray(0, 700));
  const t = runCli(['report', cut, '--json']);
  assert.equal(t.code, 0, t.stderr);
  assert.ok(JSON.parse(t.stdout).summary.allocations >= 0);
});

test('no progress output when stderr is not a terminal', () => {
  const r = runCli(['report', fixture('heaptrack.big_20k.zst')]);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, '');
});

test('progress on a terminal: bytes done, total and rate; none with --quiet', {
  skip: hasCommand('script') ? undefined : 'no script(1)',
}, () => {
  // script(1) gives the command a terminal; the delay is shortened so a small file shows it
  const cmd = (extra: string) =>
    spawnSync(
      'script',
      [
        '-qec',
        `${process.execPath} ${CLI} report ${fixture('heaptrack.big_20k.zst')} ${extra} > /dev/null`,
        '/dev/null',
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, HEAPFLAME_PROGRESS_DELAY_MS: '0' },
      },
    ).stdout;
  assert.match(cmd(''), /reading .*heaptrack\.big_20k\.zst: [\d.]+ \/ 0\.3 MB \(\d+%\), \d+ MB\/s/);
  assert.doesNotMatch(cmd('--quiet'), /reading/);
});

test('demo, as README runs it (no -o, relative output directory): records the S3 GET example before and after the fix, and analyses the native recording', () => {
  const cwd = join(dir, 'demo-cwd');
  mkdirSync(cwd);
  const r = runCli(['demo'], { cwd, timeout: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  const out = join(cwd, 'heapflame-demo');
  const nonEmpty = (f: string) =>
    assert.ok(existsSync(join(out, f)) && statSync(join(out, f)).size > 0, `${f} written, not empty`);
  for (const v of ['before', 'after'])
    for (const ext of ['heapflame', 'report.txt', 'html', 'svg']) nonEmpty(`${v}.${ext}`);
  for (const f of ['diff-allocated.svg', 'diff-allocated.html', 'diff-tasks.svg', 'diff-tasks.html']) nonEmpty(f);
  for (const f of [
    'report.txt',
    'report.json',
    'allocations.folded',
    'temporary.folded',
    'leaked.folded',
    'peak.folded',
    'allocated.folded',
  ])
    nonEmpty(`native/${f}`);
  const j = JSON.parse(readFileSync(join(out, 'native/report.json'), 'utf8'));
  assert.ok(j.summary.leakedBytes > 0 && j.summary.temporary > 0);
  // the fix shows: the churn and the forgotten tasks are gone
  const row = (label: string) =>
    r.stdout
      .split('\n')
      .find((l) => l.trimStart().startsWith(label))!
      .trim()
      .split(/\s{2,}/);
  const [, tasksBefore, tasksAfter] = row('forgotten tasks at exit');
  assert.ok(Number(tasksBefore.replace(/,/g, '')) >= 500, tasksBefore);
  assert.equal(tasksAfter, '0');
  assert.match(readFileSync(join(out, 'before.report.txt'), 'utf8'), /allocated from\nreadObjectBody/);
  assert.match(r.stdout, /wrote .*diff-allocated\.html/);
});
