import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { HUGETLB_TUNABLE, type HugePageFacts, hugePageEnv, LARGE_INPUT_BYTES } from '../../src/cli/huge-pages.js';
import { CLI, fixture } from '../helpers/paths.js';

const ZSTD_HEAD = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const large = (head: Buffer) => () => ({ head, size: LARGE_INPUT_BYTES });

/** A machine where huge pages pay: Linux, glibc 2.36, THP on request, execve, a large input. */
function facts(over: Partial<HugePageFacts> = {}): HugePageFacts {
  return {
    platform: 'linux',
    canExec: true,
    input: () => ({ head: ZSTD_HEAD, size: LARGE_INPUT_BYTES }),
    thpMode: () => 'always [madvise] never\n',
    glibcVersion: () => '2.36',
    ...over,
  };
}

test('huge pages: a reading command on a large input re-executes with the tunable, the rest of the environment kept', () => {
  for (const command of ['report', 'flamegraph', 'convert', 'diff', 'check', 'folded']) {
    const env = hugePageEnv([command, 'big.zst', '-o', 'x'], { PATH: '/bin', A: 'b' }, facts());
    assert.deepEqual(env, { PATH: '/bin', A: 'b', GLIBC_TUNABLES: HUGETLB_TUNABLE }, command);
  }
  // a heaptrack recording's text, and gzip (pprof, .heapflame), as well as zstd
  for (const head of ['v 10100 3\n', '\x1f\x8b\x08\x00'])
    assert.ok(hugePageEnv(['report', 'x'], {}, facts({ input: large(Buffer.from(head, 'latin1')) })), head);
  // the user's own tunables are kept, ours appended
  const env = hugePageEnv(['report', 'big.zst'], { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, facts());
  assert.equal(env?.GLIBC_TUNABLES, `glibc.malloc.arena_max=2:${HUGETLB_TUNABLE}`);
});

test('huge pages: nothing is done where it cannot help, or twice', () => {
  const none: [string, string[], NodeJS.ProcessEnv, Partial<HugePageFacts>][] = [
    ['a small input', ['report', 'x'], {}, { input: () => ({ head: ZSTD_HEAD, size: LARGE_INPUT_BYTES - 1 }) }],
    ['no such file', ['report', 'x'], {}, { input: () => null }],
    ['macOS', ['report', 'x'], {}, { platform: 'darwin' }],
    ['no execve (Node 20)', ['report', 'x'], {}, { canExec: false }],
    ['THP always on', ['report', 'x'], {}, { thpMode: () => '[always] madvise never' }],
    ['THP off', ['report', 'x'], {}, { thpMode: () => 'always madvise [never]' }],
    ['no THP at all', ['report', 'x'], {}, { thpMode: () => undefined }],
    ['glibc before the tunable', ['report', 'x'], {}, { glibcVersion: () => '2.31' }],
    ['musl', ['report', 'x'], {}, { glibcVersion: () => undefined }],
    ['already re-executed', ['report', 'x'], { GLIBC_TUNABLES: HUGETLB_TUNABLE }, {}],
    ['the user chose', ['report', 'x'], { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }, {}],
    ['turned off', ['report', 'x'], { HEAPFLAME_HUGE_PAGES: '0' }, {}],
    // record's argument is a program, whose environment must stay the user's
    ['record', ['record', 'x'], {}, {}],
    // readers whose data is not glibc's (measured: no gain, or a loss)
    ['folded stacks', ['flamegraph', 'x'], {}, { input: large(Buffer.from('main')) }],
    ['a heap snapshot', ['report', 'x'], {}, { input: large(Buffer.from('{"sn')) }],
    ['leaks (heap snapshots)', ['leaks', 'x'], {}, {}],
    ['nothing read (an empty head)', ['report', 'x'], {}, { input: large(Buffer.alloc(0)) }],
    ['standard input', ['report', '-'], {}, {}],
    ['an option first', ['report', '--json'], {}, {}],
    ['no command', [], {}, {}],
  ];
  for (const [why, args, env, over] of none) assert.equal(hugePageEnv(args, env, facts(over)), null, why);
});

test('huge pages: HEAPFLAME_HUGE_PAGES=1 takes any size, and the costly facts are asked only when needed', () => {
  let asked = 0;
  const counting = facts({
    input: () => ({ head: ZSTD_HEAD, size: 10 }),
    glibcVersion: () => {
      asked++;
      return '2.36';
    },
  });
  assert.equal(hugePageEnv(['report', 'x'], {}, counting), null);
  assert.equal(asked, 0, 'a small input does not ask for the C library (a process report)');
  assert.ok(hugePageEnv(['report', 'x'], { HEAPFLAME_HUGE_PAGES: '1' }, counting));
  assert.equal(asked, 1);
});

/** Whether this machine would re-execute (what the command decides from the same facts). */
function systemCanUseHugePages(): boolean {
  if (process.platform !== 'linux' || typeof (process as { execve?: unknown }).execve !== 'function') return false;
  let thp = '';
  try {
    thp = readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8');
  } catch {}
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const [major, minor] = (report?.header?.glibcVersionRuntime ?? '0.0').split('.').map(Number);
  return thp.includes('[madvise]') && (major > 2 || (major === 2 && minor >= 35));
}

test('huge pages: the command re-executed with them prints what it prints without', () => {
  const run = (setting: string) =>
    spawnSync(process.execPath, [CLI, 'report', fixture('heaptrack.leaks.zst'), '--json'], {
      env: { ...process.env, HEAPFLAME_HUGE_PAGES: setting, HEAPFLAME_DEBUG: '1', GLIBC_TUNABLES: '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
  const plain = run('0');
  const huge = run('1');
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal(huge.status, 0, huge.stderr);
  assert.doesNotMatch(plain.stderr, /re-executing/);
  const expected = systemCanUseHugePages();
  assert.equal(/re-executing with glibc\.malloc\.hugetlb=1/.test(huge.stderr), expected, huge.stderr);
  assert.equal(huge.stdout, plain.stdout);
});
