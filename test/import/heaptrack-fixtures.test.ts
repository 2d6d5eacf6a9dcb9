import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadProfile } from '../../src/load.js';
import { foldedChunks } from '../../src/export/folded.js';
import { renderTextReport } from '../../src/export/report-text.js';
import type { Profile } from '../../src/model/profile.js';
import { fixture, HEAPTRACK_FIXTURES, zstdText } from '../helpers/paths.js';

/**
 * Every shared heaptrack recording against heaptrack_print 1.4's own outputs (ref/):
 * -F folded lines per cost, the totals in expected_totals.json, and the report sections.
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
  ['big', 'heaptrack.big.zst', 'heaptrack.big.zst'],
  ['synthetic_edgecases', 'synthetic/edgecases', 'synthetic/edgecases'],
  ['upstream_david.18594', 'upstream/heaptrack.david.18594.gz', 'upstream/heaptrack.david.18594.gz'],
  [
    'upstream_embedded_lsan_suppressions.84207',
    'upstream/heaptrack.embedded_lsan_suppressions.84207.zst',
    'upstream/heaptrack.embedded_lsan_suppressions.84207.zst',
  ],
  ['upstream_heaptrack_gui.99454', 'upstream/heaptrack.heaptrack_gui.99454.zst', 'upstream/heaptrack.heaptrack_gui.99454.zst'],
  ['upstream_heaptrack_gui.99529', 'upstream/heaptrack.heaptrack_gui.99529.zst', 'upstream/heaptrack.heaptrack_gui.99529.zst'],
];

const COSTS = ['allocations', 'temporary', 'leaked', 'peak'] as const;
const expectedTotals = JSON.parse(readFileSync(fixture('ref/expected_totals.json'), 'utf8')) as Record<string, Record<string, number | string | boolean>>;

/** Folded lines as heaptrack writes them: bytes, compared as a sorted multiset. */
function foldedLines(profile: Profile, cost: string): string[] {
  const text = [...foldedChunks(profile, { cost, heaptrackOrder: true })].join('');
  return Buffer.from(text, 'utf8').toString('latin1').split('\n').filter(Boolean).sort();
}

function refLines(name: string, cost: string): string[] {
  const plain = fixture(`ref/${name}.${cost}.folded`);
  const text = existsSync(plain) ? readFileSync(plain, 'latin1') : zstdText(`${plain}.zst`);
  return text.split('\n').filter(Boolean).sort();
}

/** heaptrack_print's section label lines ("N calls to allocation functions with ... from"). */
function sectionLabels(report: string, title: string): string[] {
  const start = report.indexOf(`${title}\n`);
  if (start < 0) return [];
  const body = '\n' + report.slice(start + title.length + 1);
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

for (const [ref, file, totalsKey] of FIXTURES) {
  test(`heaptrack fixture ${file}: -F lines, totals and report sections equal heaptrack_print`, async () => {
    const profile = await loadProfile(fixture(file), { raw: true, heaptrackCompat: true });
    for (const cost of COSTS) {
      const ours = foldedLines(profile, cost);
      const theirs = refLines(ref, cost);
      assert.equal(ours.length, theirs.length, `${cost}: line count`);
      assert.deepEqual(ours, theirs, `${cost}: folded lines`);
    }

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

    // The default report's sections: the same entries with the same numbers.
    const theirs = readFileSync(fixture(`ref/${ref}.summary.txt`), 'latin1');
    const ours = Buffer.from(renderTextReport(profile), 'utf8').toString('latin1');
    for (const title of ['MOST CALLS TO ALLOCATION FUNCTIONS', 'PEAK MEMORY CONSUMERS', 'MOST TEMPORARY ALLOCATIONS']) {
      const a = sectionLabels(ours, title);
      const b = sectionLabels(theirs, title);
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
    const summary = (r: string) => r.split('\n').filter((l) => /^(calls to|temporary memory|peak heap|peak RSS|total memory leaked)/.test(l));
    assert.deepEqual(summary(ours), summary(theirs), 'summary block');
  });
}

test('fixture list covers every recording in the shared heaptrack folder', () => {
  const listed = new Set(FIXTURES.map(([, f]) => f));
  for (const name of Object.keys(expectedTotals)) assert.ok(listed.has(name), `${name} is tested`);
  assert.ok(HEAPTRACK_FIXTURES.endsWith('heaptrack'));
});

test('-t 0: --no-shorten-templates with --raw-names equals heaptrack_print -t 0 -F', async () => {
  const profile = await loadProfile(fixture('heaptrack.cppfeatures.zst'), { raw: true, heaptrackCompat: true, shortenTemplates: false });
  assert.deepEqual(foldedLines(profile, 'allocations'), refLines('cppfeatures.no-shorten-templates', 'allocations'));
});

test('--focus keeps the stacks heaptrack_print --filter-bt-function keeps', async () => {
  const profile = await loadProfile(fixture('heaptrack.leaks.zst'), { raw: true, heaptrackCompat: true, focus: /temp_alloc/ });
  assert.deepEqual(foldedLines(profile, 'allocations'), refLines('leaks.filter-temp_alloc', 'allocations'));
});
