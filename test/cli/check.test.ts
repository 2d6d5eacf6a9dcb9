import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { fixture, runCli, tempFiles } from '../helpers/paths.js';

/** heapflame check and diff --fail-on-growth: the verdicts CI acts on, on the shared recordings. */

const files = tempFiles('check');
after(files.remove);
const BIG20 = fixture('heaptrack.big_20k.zst');
const BIG30 = fixture('heaptrack.big_30k.zst');

test('check: exit 0 within budget, 1 over it with the limit named, 2 on bad input', () => {
  const ok = runCli(['check', BIG30, '--max-leaked', '1M', '--max-temporary', '50%', '-q']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /within budget: 2 limits checked/);
  const over = runCli(['check', BIG30, '--max-leaked', '10K', '--max-allocations', '1000000', '-q']);
  assert.equal(over.code, 1);
  assert.match(over.stdout, /FAIL {2}leaked: 79\.5 KiB > 10\.0 KiB/);
  assert.match(over.stdout, /ok {4}allocations: /);
  assert.match(over.stdout, /1 of 2 limits exceeded/);
  const none = runCli(['check', BIG30, '-q']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no limits/);
  const generic = runCli(['check', BIG30, '--max', 'leaked=10K', '--max', 'peak=1G', '-q']);
  assert.equal(generic.code, 1, generic.stderr);
  assert.match(generic.stdout, /FAIL {2}leaked: 79\.5 KiB > 10\.0 KiB/);
  assert.match(generic.stdout, /ok {4}peak: /);
  const unwritten = runCli(['check', BIG30, '--max', 'leaked', '-q']);
  assert.equal(unwritten.code, 2);
  assert.match(unwritten.stderr, /a limit is written cost=limit, such as inuse=64M, not "leaked"/);
  const missing = runCli(['check', BIG30, '--max-tasks', '0', '-q']);
  assert.equal(missing.code, 2);
  assert.match(
    missing.stderr,
    /limits "tasks", which this profile does not measure; it has: allocations \(main\), temporary, leaked, peak, allocated/,
  );
});

test('a budget file: totals and per-function limits; a broken one is exit 2', () => {
  const budget = files.file('');
  const path = `${budget}.json`;
  const write = (doc: unknown) => {
    writeFileSync(path, JSON.stringify(doc));
    return path;
  };
  const r = runCli([
    'check',
    BIG30,
    '--budget',
    write({
      limits: { peak: '1G', temporary: '5%' },
      functions: [
        { match: '^allocate_something$', leaked: 0 },
        { match: 'main', allocations: 10 },
      ],
    }),
    '-q',
  ]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /ok {4}peak: /);
  assert.match(r.stdout, /FAIL {2}temporary: 7\.9% > 5%/);
  assert.match(r.stdout, /allocations in main: [\d,]+ > 10/);
  for (const [doc, message] of [
    [{ limits: { peak: 'lots' } }, /expected a number, a size/],
    [{ limits: { leaked: '10%' } }, /a share .* is a limit for temporary only/],
    [{ functions: [{ leaked: 0 }] }, /needs "match"/],
    [[1, 2], /expected a JSON object/],
  ] as const) {
    const bad = runCli(['check', BIG30, '--budget', write(doc), '-q']);
    assert.equal(bad.code, 2, JSON.stringify(doc));
    assert.match(bad.stderr, message);
  }
});

test('JUnit and Markdown: a testcase per limit, failures marked; names escaped', () => {
  const junit = join(files.dir, 'check.xml');
  const md = join(files.dir, 'check.md');
  const budget = join(files.dir, 'hostile.json');
  writeFileSync(budget, JSON.stringify({ functions: [{ match: '<script>|"&', leaked: 0 }] }));
  const r = runCli([
    'check',
    BIG30,
    '--max-leaked',
    '10K',
    '--max-peak',
    '1G',
    '--budget',
    budget,
    '--junit',
    junit,
    '--markdown',
    md,
    '--link',
    'flame graph=https://ci.example/leaked (1).svg',
    '-q',
  ]);
  assert.equal(r.code, 1, r.stderr);
  const xml = readFileSync(junit, 'utf8');
  assert.equal(XMLValidator.validate(xml), true);
  const doc = new XMLParser({ ignoreAttributes: false }).parse(xml);
  const suite = doc.testsuites.testsuite;
  assert.equal(suite['@_tests'], '3');
  assert.equal(suite['@_failures'], '1');
  const failed = suite.testcase.filter((c: Record<string, unknown>) => c.failure);
  assert.equal(failed.length, 1);
  assert.match(failed[0]['@_name'], /^leaked <= 10K$/);
  assert.ok(
    suite.testcase.some((c: Record<string, string>) => c['@_name'] === 'leaked in <script>|"& <= 0'),
    'the hostile pattern survives as text',
  );
  const markdown = readFileSync(md, 'utf8');
  assert.match(markdown, /^### heapflame: ❌ 1 of 3 memory limits exceeded/);
  assert.match(markdown, /\| leaked ≤ 10K \| leaked: 79\.5 KiB > 10\.0 KiB \| ❌ \|/);
  assert.ok(markdown.includes('\\<script>\\|"&'), 'pipes and tags escaped in the table');
  assert.match(markdown, /\[flame graph\]\(https:\/\/ci\.example\/leaked%20%281%29\.svg\)/);
});

test('diff --fail-on-growth: big_20k → big_30k grows leaked bytes 46 %', () => {
  const fail = runCli(['diff', BIG20, BIG30, '--cost', 'leaked', '--fail-on-growth', '10%', '-q']);
  assert.equal(fail.code, 1);
  assert.match(fail.stdout, /leaked: BASE 54\.5 KiB -> NEW 79\.5 KiB \(\+25\.1 KiB, \+46\.0%\)/);
  assert.match(fail.stdout, /GROWING/);
  assert.match(fail.stderr, /leaked grew 46\.0 %: more than the allowed 10 %/);
  const pass = runCli(['diff', BIG20, BIG30, '--cost', 'leaked', '--fail-on-growth', '50%', '-q']);
  assert.equal(pass.code, 0, pass.stderr);
  const svg = join(files.dir, 'growth.svg');
  const graph = runCli(['diff', BIG20, BIG30, '--cost', 'leaked', '--fail-on-growth', '10%', '-o', svg, '-q']);
  assert.equal(graph.code, 1);
  assert.match(readFileSync(svg, 'utf8'), /^<\?xml/);
  const bad = runCli(['diff', BIG20, BIG30, '--cost', 'leaked', '--fail-on-growth', 'lots', '-q']);
  assert.equal(bad.code, 2);
});
