import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadProfile } from '../../src/load.js';
import { foldedChunks } from '../../src/export/folded.js';
import { renderTextReport } from '../../src/export/report-text.js';
import type { Profile } from '../../src/model/profile.js';
import { fixture, fixtureBytes, HEAPTRACK_FIXTURES, requireOrSkip, ROOT } from '../helpers/paths.js';

/**
 * Every heaptrack recording in test/fixtures against heaptrack_print 1.4's own outputs (ref/):
 * -F folded lines per cost, the totals in expected_totals.json, and the report sections.
 * The large one (big.c, 8.6 M allocations, 44 MB) is too big to keep: it is recorded afresh
 * at a smaller size and compared with the installed heaptrack_print on the spot.
 */

const FIXTURES: [ref: string, file: string, totalsKey: string][] = [
  ['testc', 'heaptrack.testc.3010.zst', 'heaptrack.testc.3010.zst'],
  ['leaks', 'heaptrack.leaks.zst', 'heaptrack.leaks.zst'],
  ['leaks_gz', 'heaptrack.leaks.gz', 'heaptrack.leaks.zst'],
  ['leaks_plain', 'heaptrack.leaks_plain', 'heaptrack.leaks.zst'],
  ['leaks_run2', 'heaptrack.leaks_run2.zst', ''],
  ['cppfeatures', 'heaptrack.cppfeatures.zst', 'heaptrack.cppfeatures.zst'],
  ['s3sim', 'heaptrack.s3sim.zst', 'heaptrack.s3sim.zst'],
  ['node', 'heaptrack.node.zst', 'heaptrack.node.zst'],
  ['node_multiline', 'heaptrack.node_multiline.zst', 'heaptrack.node_multiline.zst'],
  ['big_20k', 'heaptrack.big_20k.zst', 'heaptrack.big_20k.zst'],
  ['big_30k', 'heaptrack.big_30k.zst', 'heaptrack.big_30k.zst'],
  ['synthetic_edgecases', 'synthetic/edgecases', 'synthetic/edgecases'],
  ['upstream_david.18594', 'upstream/heaptrack.david.18594.gz', 'upstream/heaptrack.david.18594.gz'],
  [
    'upstream_embedded_lsan_suppressions.84207',
    'upstream/heaptrack.embedded_lsan_suppressions.84207.zst',
    'upstream/heaptrack.embedded_lsan_suppressions.84207.zst',
  ],
  [
    'upstream_heaptrack_gui.99454',
    'upstream/heaptrack.heaptrack_gui.99454.zst',
    'upstream/heaptrack.heaptrack_gui.99454.zst',
  ],
  [
    'upstream_heaptrack_gui.99529',
    'upstream/heaptrack.heaptrack_gui.99529.zst',
    'upstream/heaptrack.heaptrack_gui.99529.zst',
  ],
];

const COSTS = ['allocations', 'temporary', 'leaked', 'peak'] as const;
const expectedTotals = JSON.parse(readFileSync(fixture('ref/expected_totals.json'), 'utf8')) as Record<
  string,
  Record<string, number | string | boolean>
>;

/** Folded lines as heaptrack writes them: bytes, compared as a sorted multiset. */
function foldedLines(profile: Profile, cost: string): string[] {
  const text = [...foldedChunks(profile, { cost, heaptrackOrder: true })].join('');
  return Buffer.from(text, 'utf8').toString('latin1').split('\n').filter(Boolean).sort();
}

/** A reference output's text, byte for byte (latin1). */
const refText = (file: string) => fixtureBytes(`heaptrack/ref/${file}`).toString('latin1');

const sortedLines = (text: string) => text.split('\n').filter(Boolean).sort();

function refLines(name: string, cost: string): string[] {
  return sortedLines(refText(`${name}.${cost}.folded`));
}

/** heaptrack_print's section label lines ("N calls to allocation functions with ... from"). */
function sectionLabels(report: string, title: string): string[] {
  const start = report.indexOf(`${title}\n`);
  if (start < 0) return [];
  const body = `\n${report.slice(start + title.length + 1)}`;
  const end = body.search(/\n\n\n|\n\n[A-Z ]+\n|\ntotal runtime/);
  return (end < 0 ? body : body.slice(0, end))
    .split('\n')
    .filter((l) => /^\S.* from$/.test(l))
    .sort();
}

/** The ranking value of a label: its first number, in bytes when it carries a unit. */
function primaryValue(label: string): number {
  const m = /^(-?[\d.]+)([BKMGT]?)/.exec(label)!;
  return Number(m[1]) * 1000 ** Math.max(0, 'BKMGT'.indexOf(m[2]));
}

/** heaptrack_print's outputs for one recording: its -F lines per cost and its default report. */
interface Reference {
  folded(cost: string): string[];
  report: string;
}

/** The -F lines per cost, the default report's ranked sections and its summary block. */
function assertLikeHeaptrackPrint(profile: Profile, theirs: Reference): void {
  for (const cost of COSTS) {
    const ours = foldedLines(profile, cost);
    const want = theirs.folded(cost);
    assert.equal(ours.length, want.length, `${cost}: line count`);
    assert.deepEqual(ours, want, `${cost}: folded lines`);
  }
  const ours = Buffer.from(renderTextReport(profile, { heaptrackCompat: true }), 'utf8').toString('latin1');
  for (const title of ['MOST CALLS TO ALLOCATION FUNCTIONS', 'PEAK MEMORY CONSUMERS', 'MOST TEMPORARY ALLOCATIONS']) {
    const a = sectionLabels(ours, title);
    const b = sectionLabels(theirs.report, title);
    // heaptrack breaks ties with an unstable sort: entries tied with the last one shown may
    // differ; every entry ranked above that value must be the same.
    assert.deepEqual(a.map(primaryValue), b.map(primaryValue), `${title}: ranked values`);
    const cut = Math.min(...b.map(primaryValue));
    assert.deepEqual(
      a.filter((l) => primaryValue(l) > cut),
      b.filter((l) => primaryValue(l) > cut),
      `${title}: entries above the cut`,
    );
  }
  const summary = (r: string) =>
    r.split('\n').filter((l) => /^(calls to|temporary memory|peak heap|peak RSS|total memory leaked)/.test(l));
  assert.deepEqual(summary(ours), summary(theirs.report), 'summary block');
}

for (const [ref, file, totalsKey] of FIXTURES) {
  test(`heaptrack fixture ${file}: -F lines, totals and report sections equal heaptrack_print`, async () => {
    const profile = await loadProfile(fixture(file), { raw: true, heaptrackCompat: true });
    const want = expectedTotals[totalsKey];
    if (want) {
      assert.equal(profile.totals.allocations, want.allocations, 'allocations');
      assert.equal(profile.totals.temporary, want.temporary, 'temporary');
      assert.equal(profile.totals.peak, want.peakBytes, 'peak bytes');
      assert.equal(profile.totals.leaked, want.leakedBytes, 'leaked bytes');
      assert.equal(profile.meta.suppressedLeakedBytes ?? 0, want.suppressedLeakedBytes, 'suppressed');
      assert.equal(profile.meta.durationMs, want.totalTimeMs, 'run time');
      assert.equal(profile.meta.peakRssBytes, (want.peakRSSPages as number) * (want.pageSize as number), 'peak RSS');
      assert.equal(profile.meta.formatVersion, want.fileVersion, 'file format');
      assert.equal(profile.meta.command?.split('\n')[0], want.debuggee, 'command');
    }
    assertLikeHeaptrackPrint(profile, { folded: (cost) => refLines(ref, cost), report: refText(`${ref}.summary.txt`) });
  });
}

/** Recorded at test time (see the top of this file), in place of the 44 MB fixture. */
const LIVE = { key: 'heaptrack.big.zst', program: join(ROOT, 'bench/big/big.c'), allocations: 1_000_000 };
const skipLive = requireOrSkip('heaptrack') ?? requireOrSkip('gcc');
const liveDir = mkdtempSync(join(tmpdir(), 'heapflame-big-'));
after(() => rmSync(liveDir, { recursive: true, force: true }));

test(`fresh recording of big.c (${LIVE.allocations} allocations): -F lines and report sections equal the installed heaptrack_print`, {
  skip: skipLive,
  timeout: 300_000,
}, async () => {
  const exe = join(liveDir, 'big');
  execFileSync('gcc', ['-g', '-O0', '-fno-omit-frame-pointer', '-o', exe, LIVE.program]);
  execFileSync('heaptrack', ['-o', join(liveDir, 'heaptrack.big'), exe, String(LIVE.allocations)], {
    cwd: liveDir,
    stdio: 'ignore',
    timeout: 240_000,
  });
  const recording = join(liveDir, 'heaptrack.big.zst');
  const print = (...args: string[]) =>
    execFileSync('heaptrack_print', [recording, ...args], { maxBuffer: 1 << 28 }).toString('latin1');
  const folded = (cost: string) => {
    const out = join(liveDir, `${cost}.folded`);
    print('-a', '0', '-p', '0', '-T', '0', '-F', out, '--flamegraph-cost-type', cost);
    return sortedLines(readFileSync(out, 'latin1'));
  };
  const profile = await loadProfile(recording, { raw: true, heaptrackCompat: true });
  assert.ok(profile.totals.allocations > LIVE.allocations, 'the program allocated what it was asked to');
  assertLikeHeaptrackPrint(profile, { folded, report: print() });
});

test('fixture list covers every recording in the shared heaptrack folder', () => {
  const listed = new Set(FIXTURES.map(([, f]) => f));
  for (const name of Object.keys(expectedTotals)) assert.ok(listed.has(name) || name === LIVE.key, `${name} is tested`);
  assert.ok(HEAPTRACK_FIXTURES.endsWith('heaptrack'));
});

test('-t 0: --no-shorten-templates with --raw-names equals heaptrack_print -t 0 -F', async () => {
  const profile = await loadProfile(fixture('heaptrack.cppfeatures.zst'), {
    raw: true,
    heaptrackCompat: true,
    shortenTemplates: false,
  });
  assert.deepEqual(foldedLines(profile, 'allocations'), refLines('cppfeatures.no-shorten-templates', 'allocations'));
});

test('--focus keeps the stacks heaptrack_print --filter-bt-function keeps', async () => {
  const profile = await loadProfile(fixture('heaptrack.leaks.zst'), {
    raw: true,
    heaptrackCompat: true,
    focus: /temp_alloc/,
  });
  assert.deepEqual(foldedLines(profile, 'allocations'), refLines('leaks.filter-temp_alloc', 'allocations'));
});
