import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { diffProfiles, growthVerdict, parseGrowthLimit, topChanges } from '../../src/analyze/diff.js';
import { importFolded } from '../../src/import/folded/importer.js';
import { importHeaptrack } from '../../src/import/heaptrack/importer.js';
import { renderSvg } from '../../src/export/svg.js';
import { buildDiffReport } from '../../src/export/diff-report.js';
import { fixture, fixtureFile, runCli, tempFiles } from '../helpers/paths.js';

/** Differential profiles: stacks paired by name, inclusive change per frame and per function. */

const files = tempFiles('diff', '.folded');
after(files.remove);

test('big_20k -> big_30k: leaked bytes grow 46 %, in the functions that leak', async () => {
  const base = await importHeaptrack(fixture('heaptrack.big_20k.zst'));
  const next = await importHeaptrack(fixture('heaptrack.big_30k.zst'));
  const diff = diffProfiles(base, next, 'leaked');
  const r = buildDiffReport(diff, 'leaked');
  assert.equal(r.before, 55_765);
  assert.equal(r.after, 81_442);
  assert.equal(r.deltaPercent!.toFixed(0), '46');
  // the leaking function first (its own code changed), its callers after it
  assert.equal(r.growing[0].name, 'leaf');
  assert.equal(r.growing[0].selfAfter - r.growing[0].selfBefore, 81_442 - 55_765);
  assert.ok(r.growing.some((c) => c.name === 'main'));
  assert.deepEqual(r.shrinking, []);
});

test('inclusive colours: parents of a change are coloured too (difffolded.pl leaves them white)', async () => {
  const base = await importFolded(files.file('main;a;x 10\nmain;b 10\n'));
  const next = await importFolded(files.file('main;a;x 30\nmain;b 5\n'));
  const diff = diffProfiles(base, next, 'samples');
  const svg = renderSvg(diff, { minWidth: 0 });
  assert.equal(XMLValidator.validate(svg), true);
  const fill = (name: string) => new RegExp(`<title>${name} [^<]*</title><rect [^>]*fill="([^"]+)"`).exec(svg)![1];
  assert.equal(fill('x'), 'rgb(255,0,0)', 'the largest growth is full red');
  assert.match(fill('a'), /^rgb\(255,0,0\)$/, 'a grew by as much as x: inclusive');
  assert.match(fill('b'), /^rgb\(\d+,\d+,255\)$/, 'b shrank: blue');
  assert.match(fill('main'), /^rgb\(255,\d+,\d+\)$/, 'main grew in total: red');
  // widths from NEW; with negate, from BASE
  const width = (s: string, name: string) =>
    Number(new RegExp(`<title>${name} [^<]*</title><rect x="[\\d.]+" y="[\\d.]+" width="([\\d.]+)"`).exec(s)![1]);
  const neg = renderSvg(diff, { minWidth: 0, negate: true });
  assert.ok(width(svg, 'x') > width(neg, 'x'));
  assert.match(svg, /<title>x \(30 samples, 85\.71%; \+20 since BASE\)<\/title>/);
  const changes = topChanges(diff);
  assert.deepEqual(
    changes.growing.map((c) => [c.name, c.delta]),
    [
      ['x', 20],
      ['a', 20],
      ['main', 15],
    ],
  );
  assert.deepEqual(
    changes.shrinking.map((c) => [c.name, c.delta]),
    [['b', -5]],
  );
});

test('diff command: two recordings, or one two-column folded file; text, JSON and SVG', () => {
  const svg = `${files.dir}/d.svg`;
  const r = runCli([
    'diff',
    fixture('heaptrack.leaks.zst'),
    fixture('heaptrack.leaks_run2.zst'),
    '--cost',
    'leaked',
    '-o',
    svg,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^leaked: BASE 1\.95 KiB -> NEW 1\.95 KiB \(\+0 B, \+0\.0%\)/);
  const j = runCli(['diff', files.file('a;b 10 14\na;c 5 0\n'), '--json']);
  assert.equal(j.code, 0, j.stderr);
  const report = JSON.parse(j.stdout);
  assert.equal(report.schema, 'heapflame.diff/1');
  assert.deepEqual([report.before, report.after, report.delta], [15, 14, -1]);
  assert.deepEqual(
    report.growing.map((c: { name: string }) => c.name),
    ['b'],
  );
  const single = runCli(['diff', files.file('a;b 10\n')]);
  assert.equal(single.code, 2);
  assert.match(single.stderr, /two count columns/);
  // no cost given: BASE's main cost; an output name no exporter writes is refused before any work
  const main = runCli(['diff', fixture('heaptrack.leaks.zst'), fixture('heaptrack.leaks_run2.zst')]);
  assert.match(main.stdout, /^allocations: BASE 308 -> NEW 308/);
  const png = runCli([
    'diff',
    fixture('heaptrack.leaks.zst'),
    fixture('heaptrack.leaks_run2.zst'),
    '-o',
    `${files.dir}/d.png`,
  ]);
  assert.equal(png.code, 2);
  assert.match(png.stderr, /cannot write ".*d\.png": a flame graph is \.svg/);
  const mismatch = runCli(['diff', fixture('heaptrack.leaks.zst'), fixtureFile('v8/default.heapprofile')]);
  assert.equal(mismatch.code, 2);
  assert.match(mismatch.stderr, /the new profile has no cost "allocations" to compare; it has: inuse \(main\)/);
});

test('the growth gate: a share parsed once, a verdict with its line', () => {
  assert.equal(parseGrowthLimit('10%'), 10);
  assert.equal(parseGrowthLimit(' 2.5 '), 2.5);
  for (const bad of ['ten', '-5%', '10%%', ''])
    assert.throws(() => parseGrowthLimit(bad), /--fail-on-growth takes a share such as 10%/);
  const diff = (before: number, after: number) =>
    ({ totals: { before, after } }) as unknown as Parameters<typeof growthVerdict>[0];
  assert.deepEqual(growthVerdict(diff(100, 112.5), 'allocated', 10), {
    ok: false,
    grew: 12.5,
    allowed: 10,
    message: 'allocated grew 12.5 %: more than the allowed 10 %',
  });
  assert.equal(growthVerdict(diff(100, 90), 'leaked', 0).message, 'leaked shrank 10.0 %: within the allowed 0 %');
  assert.equal(growthVerdict(diff(0, 5), 'tasks', 50).message, 'tasks grew from nothing: more than the allowed 50 %');
});
