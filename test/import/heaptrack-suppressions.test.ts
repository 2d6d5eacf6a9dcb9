import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { importHeaptrack } from '../../src/import/heaptrack/importer.js';
import { matchesSuppression } from '../../src/import/heaptrack/suppressions.js';
import { formatHeaptrackBytes } from '../../src/export/format.js';
import { foldedChunks } from '../../src/export/folded.js';
import { loadProfile } from '../../src/load.js';
import { fixture } from '../helpers/paths.js';

/** Leak suppressions: built-in, from a file, embedded in the recording; heaptrack's numbers where it works. */

const used = (p: Awaited<ReturnType<typeof importHeaptrack>>) =>
  (p.meta.suppressions ?? []).map((s) => `${s.matches} ${formatHeaptrackBytes(s.leakedBytes)} ${s.pattern}`);

test('TemplateMatch: exact, substring, * wildcards, ^ and $ anchors', () => {
  const cases: [string, string, boolean][] = [
    ['foo', 'foo', true],
    ['foo', 'xfoox', true],
    ['^foo', 'xfoo', false],
    ['^foo', 'foobar', true],
    ['bar$', 'foobar', true],
    ['bar$', 'barfoo', false],
    ['^/lib*/ld-linux-*.so.2$', '/lib64/ld-linux-x86-64.so.2', true],
    ['^/lib*/ld-linux-*.so.2$', '/usr/lib64/ld-linux-x86-64.so.2', false],
    ['^leak*Supp$', 'leakSomethingSupp', true],
    ['a*b*c', 'xxaxxbxxcxx', true],
    ['a*b*c', 'cba', false],
    ['', 'anything', true], // the empty pattern matches every non-empty string
    ['x', '', false],
  ];
  for (const [pattern, str, want] of cases) assert.equal(matchesSuppression(pattern, str), want, `${pattern} ~ ${str}`);
});

test('embedded suppressions of a format-3 file apply (heaptrack 1.4 rejects them)', async () => {
  const p = await importHeaptrack(fixture('heaptrack.cppfeatures.zst'));
  // the numbers heaptrack_print gives with the same pattern passed as a file
  assert.equal(formatHeaptrackBytes(p.totals.leaked), '1.62K');
  assert.equal(formatHeaptrackBytes(p.meta.suppressedLeakedBytes!), '3.03K');
  assert.equal(p.totals.leaked + p.meta.suppressedLeakedBytes!, 4656);
  assert.deepEqual(used(p), ['2 3.03K suppressed_leaker']);
  const report = readFileSync(fixture('ref/cppfeatures.suppfile-no-builtins.txt'), 'latin1');
  assert.match(report, /total memory leaked: 1\.62K\nsuppressed leaks: 3\.03K/);
  assert.match(report, /\s+2\s+3\.03KB suppressed_leaker/);
});

test('--raw-names keeps heaptrack 1.4 behaviour for embedded format-3 suppressions, with a note', async () => {
  const p = await loadProfile(fixture('heaptrack.cppfeatures.zst'), { raw: true, heaptrackCompat: true });
  assert.equal(p.totals.leaked, 4656);
  assert.equal(p.meta.suppressedLeakedBytes ?? 0, 0);
  assert.ok(p.warnings.some((w) => /2 leak suppressions embedded in the recording are not applied/.test(w)));
});

test('embedded suppressions of a format-2 file, as heaptrack_print applies them', async () => {
  const p = await importHeaptrack(fixture('upstream/heaptrack.embedded_lsan_suppressions.84207.zst'));
  assert.equal(p.totals.leaked, 5);
  assert.equal(p.meta.suppressedLeakedBytes, 5);
  assert.deepEqual(used(p), ['1 1B foobar', '1 4B ^leak*Supp$']);
  const ref = readFileSync(fixture('ref/upstream_embedded_lsan.print-suppressions.txt'), 'latin1');
  assert.match(ref, /1\s+1B foobar\n\s+1\s+4B \^leak\*Supp\$/);
});

test('a suppression file, as heaptrack_print --disable-builtin-suppressions computes it', async () => {
  const p = await importHeaptrack(fixture('upstream/heaptrack.david.18594.gz'), {
    suppressionsFile: fixture('upstream/suppressions.txt'),
    builtinSuppressions: false,
  });
  assert.equal(formatHeaptrackBytes(p.totals.leaked), '0B');
  assert.equal(formatHeaptrackBytes(p.meta.suppressedLeakedBytes!), '30.46K');
  assert.deepEqual(used(p), [
    '16 5.27K QEventDispatcherGlibPrivate::QEventDispatcherGlibPrivate',
    '14 3.40K corelib/codecs/qicucodec.cpp',
    '20 21.79K ^/lib*/ld-linux-*.so.2$',
  ]);
  assert.ok(
    p.warnings.some((w) => /suppressions\.txt:4: invalid suppression line.*this line is invalid/.test(w)),
    p.warnings.join('\n'),
  );
});

test('a suppression file adds to the built-ins (heaptrack 1.4 would suppress every leak)', async () => {
  const builtinOnly = await importHeaptrack(fixture('upstream/heaptrack.david.18594.gz'));
  assert.equal(builtinOnly.meta.suppressedLeakedBytes, 5204); // expected_totals.json
  const both = await importHeaptrack(fixture('heaptrack.cppfeatures.zst'), {
    suppressionsFile: fixture('src/supp.txt'),
    embeddedSuppressions: false,
  });
  // heaptrack_print 1.4 here: "total memory leaked: 0B" (cppfeatures.suppfile-with-builtins.txt)
  assert.equal(formatHeaptrackBytes(both.totals.leaked), '1.62K');
  assert.deepEqual(used(both), ['2 3.03K suppressed_leaker']);
});

test('suppressions change only leaked: other costs and folded lines stay', async () => {
  const a = await importHeaptrack(fixture('heaptrack.cppfeatures.zst'));
  const b = await importHeaptrack(fixture('heaptrack.cppfeatures.zst'), { embeddedSuppressions: false });
  for (const cost of ['allocations', 'temporary', 'peak', 'allocated']) {
    assert.equal(a.totals[cost], b.totals[cost], cost);
    assert.deepEqual([...foldedChunks(a, { cost })], [...foldedChunks(b, { cost })], cost);
  }
});
