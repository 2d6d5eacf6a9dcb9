import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { importFolded } from '../../src/import/folded/importer.js';
import { importHeaptrack } from '../../src/import/heaptrack/importer.js';
import { renderSvg } from '../../src/export/svg.js';
import { xmlEscape } from '../../src/export/xml.js';
import { fixture, fixtureBytes, fixtureFile, runCli, tempFiles } from '../helpers/paths.js';

/** SVG flame graphs: flamegraph.pl's frame set, escaping of everything, same bytes every run. */

const files = tempFiles('svg', '.folded');
after(files.remove);
const temp = files.file;
const dir = files.dir;

const frames = (svg: string) => [...svg.matchAll(/<g fg:x="([\d.e+-]+)" fg:w="([\d.e+-]+)"><title>([^<]*)<\/title>/g)];
const valid = (svg: string) => {
  const r = XMLValidator.validate(svg);
  assert.equal(r, true, JSON.stringify(r));
};

test('the frames flamegraph.pl keeps at 0.1 px: 20,338 of 22,037 on the shared input, plus the root', async () => {
  const p = await importFolded(fixtureFile('folded/small-1k.folded'));
  const svg = renderSvg(p);
  valid(svg);
  const fs = frames(svg);
  assert.equal(fs.length, 20_338 + 1);
  assert.match(fs[0][3], /^all \(20,884 samples, 100\.00%\)$/);
  // every frame's width is its value; children sit inside their parent
  for (const f of fs) assert.ok(Number(f[2]) >= (0.1 / 1180) * 20_884 - 1e-9);
  // no pruning: every merged node
  assert.equal(frames(renderSvg(p, { minWidth: 0 })).length, 22_037 + 1);
  // a percentage threshold
  const pct = frames(renderSvg(p, { minWidth: '1%' }));
  assert.ok(pct.length > 1 && pct.every((f) => Number(f[2]) >= 208.84 - 1e-9));
});

test('the same input gives the same bytes (flamegraph.pl does not)', async () => {
  const p = await importFolded(fixtureFile('folded/perf-example.folded'));
  assert.equal(renderSvg(p), renderSvg(p));
  const again = await importFolded(fixtureFile('folded/perf-example.folded'));
  assert.equal(renderSvg(again), renderSvg(p));
});

test('hostile names and options: valid XML, nothing that could run', async () => {
  const evil = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(2)>',
    ']]><script>alert(3)</script>',
    'a & b "quoted" \'single\'',
    'ctl\u0001\u0007\u001b[31m',
    'x'.repeat(5000),
    '\ud800lone surrogate',
  ];
  const text = Buffer.concat([
    Buffer.from(evil.map((name, i) => `main;${name} ${i + 1}\n`).join('')),
    Buffer.from([0x6d, 0x61, 0x69, 0x6e, 0x3b, 0xff, 0xfe, 0x20, 0x39, 0x0a]), // invalid UTF-8
  ]);
  const p = await importFolded(temp(text));
  const svg = renderSvg(p, {
    title: '<script>alert("t")</script> & ]]>',
    subtitle: '"><svg onload=alert(4)>',
    countname: '<b>bytes</b>',
    nameType: '");alert(5);("',
    notes: '--> <script>alert(6)</script> <!--',
    minWidth: 0,
  } as never);
  valid(svg);
  // Walk the parsed document: only the elements we write, no event-handler attributes.
  const allowed = new Set([
    '?xml',
    'svg',
    'defs',
    'linearGradient',
    'stop',
    'style',
    'script',
    'rect',
    'text',
    'g',
    'title',
    '#text',
    '#comment',
    '__cdata',
    ':@',
  ]);
  const seen: string[] = [];
  const walk = (nodes: unknown[]) => {
    for (const node of nodes as Record<string, unknown>[]) {
      for (const [key, value] of Object.entries(node)) {
        if (key === ':@') {
          for (const attr of Object.keys(value as object)) assert.doesNotMatch(attr, /^@_on/i, attr);
          continue;
        }
        seen.push(key);
        assert.ok(allowed.has(key), `unexpected element <${key}>`);
        if (Array.isArray(value)) walk(value);
      }
    }
  };
  walk(
    new XMLParser({
      ignoreAttributes: false,
      preserveOrder: true,
      commentPropName: '#comment',
      cdataPropName: '__cdata',
    }).parse(svg),
  );
  assert.equal(seen.filter((k) => k === 'script').length, 1, 'only our own script');
  assert.equal((svg.match(/\]\]>/g) ?? []).length, 1, 'the CDATA section is not broken');
  assert.ok(svg.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.doesNotMatch(svg, /[\u0001\u0007\u001b]/);
});

test('xmlEscape: the five specials and every character XML forbids', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
      const out = xmlEscape(s);
      assert.doesNotMatch(out, /[<>"']|&(?!amp;|lt;|gt;|quot;|#39;)/);
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(out, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/);
      valid(`<r a="${out}">${out}</r>`);
    }),
    { numRuns: 500 },
  );
});

test('memory costs: mem palette, bytes in tooltips, title from the cost; icicle and reverse', async () => {
  const p = await importHeaptrack(fixture('heaptrack.leaks.zst'));
  const svg = renderSvg(p, { cost: 'peak' });
  valid(svg);
  assert.match(svg, /<text id="title"[^>]*>heapflame: peak bytes<\/text>/);
  assert.match(svg, /<title>all \(1\.02 MiB, 100\.00%\)<\/title>/);
  assert.match(svg, /<title>peak_phase \(977 KiB, 93\.05%\)<\/title>/);
  assert.match(svg, /fill="rgb\(0,\d+,\d+\)"/, 'mem palette (greens)');
  const ice = renderSvg(p, { cost: 'peak', inverted: true });
  const y = (s: string, name: string) =>
    Number(new RegExp(`<title>${name} [^<]*</title><rect x="[\\d.]+" y="([\\d.]+)"`).exec(s)![1]);
  assert.ok(y(svg, 'all') > y(svg, 'main'), 'flame: root at the bottom');
  assert.ok(y(ice, 'all') < y(ice, 'main'), 'icicle: root at the top');
  const rev = renderSvg(p, { cost: 'allocations', reverse: true, minWidth: 0 });
  // reversed: leaf functions sit right above the root
  assert.match(rev, /<title>temp_alloc \(100 allocations/);
});

test('sort by weight puts the widest sibling first', async () => {
  const p = await importFolded(temp('r;a 1\nr;b 5\nr;c 3\n'));
  const order = (svg: string) =>
    frames(svg)
      .map((f) => f[3].split(' ')[0])
      .filter((x) => 'abc'.includes(x));
  assert.deepEqual(order(renderSvg(p)), ['a', 'b', 'c']);
  assert.deepEqual(order(renderSvg(p, { sort: 'weight' })), ['b', 'c', 'a']);
});

test('flame chart: samples in input order, merged only with the sample before', async () => {
  const p = await importFolded(temp('a;b 1\na;c 2\na;b 3\nd 1\na;b 1\n'), { keepOrder: true });
  const svg = renderSvg(p, { flamechart: true, minWidth: 0 });
  valid(svg);
  const got = frames(svg)
    .map((f) => ({ name: f[3].split(' ')[0], x: Number(f[1]), w: Number(f[2]) }))
    .filter((f) => f.name !== 'all');
  assert.deepEqual(
    got.map((f) => `${f.name}${f.w}`),
    ['a6', 'b1', 'c2', 'b3', 'd1', 'a1', 'b1'],
  );
  // x is the position in the sequence: a at 0, then d at 6, then the second a at 7
  assert.deepEqual(
    got.filter((f) => f.name !== 'b' && f.name !== 'c').map((f) => f.x),
    [0, 6, 7],
  );
  // the ordinary graph of the same lines merges both a's
  assert.match(
    renderSvg(await importFolded(temp('a;b 1\na;c 2\na;b 3\nd 1\na;b 1\n')), { minWidth: 0 }),
    /<title>a \(7 samples/,
  );
});

test('flamegraph command: recording or folded in, SVG out, bad input exit 2', () => {
  const out = join(dir, 'peak.svg');
  const r = runCli([
    'flamegraph',
    fixture('heaptrack.s3sim.zst'),
    '--cost',
    'leaked',
    '-o',
    out,
    '--title',
    'S3 <leaks>',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const svg = readFileSync(out, 'utf8');
  valid(svg);
  assert.match(svg, /S3 &lt;leaks&gt;/);
  assert.match(svg, /s3sim::handle_get_object/);
  const folded = runCli([
    'flamegraph',
    fixtureFile('folded/perf-example.folded'),
    '-o',
    join(dir, 'perf.svg'),
    '--colors',
    'java',
  ]);
  assert.equal(folded.code, 0, folded.stderr);
  // folded stacks or a recording on standard input, recognised from the content
  const piped = runCli(['flamegraph', '-', '-o', join(dir, 'stdin.svg')], {
    input: fixtureBytes('folded/perf-example.folded'),
  });
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(
    frames(readFileSync(join(dir, 'stdin.svg'), 'utf8')).length,
    frames(readFileSync(join(dir, 'perf.svg'), 'utf8')).length,
  );
  const pipedRecording = runCli(['flamegraph', '-', '-c', 'leaked', '-o', join(dir, 'leaks.svg')], {
    input: readFileSync(fixture('heaptrack.leaks.zst')),
  });
  assert.equal(pipedRecording.code, 0, pipedRecording.stderr);
  assert.match(readFileSync(join(dir, 'leaks.svg'), 'utf8'), /<title>leak_small \(1000 B, /);
  // folded names are drawn as given: no template shortening or demangling (flamegraph.pl's rule)
  assert.equal(
    runCli([
      'flamegraph',
      temp('main;Vec<T>::push;_ZN4core3ptr4drop17h0123456789abcdefE 3\n'),
      '-o',
      join(dir, 'n.svg'),
    ]).code,
    0,
  );
  const named = readFileSync(join(dir, 'n.svg'), 'utf8');
  assert.match(named, /<title>Vec&lt;T&gt;::push \(3 samples/);
  assert.match(named, /<title>_ZN4core3ptr4drop17h0123456789abcdefE \(3 samples/);
  // two-column input draws a differential graph; --negate takes the widths from the first column
  const two = temp('a;b 5 1\na;c 1 5\n');
  assert.equal(runCli(['flamegraph', two, '-o', join(dir, 'd.svg')]).code, 0);
  assert.match(readFileSync(join(dir, 'd.svg'), 'utf8'), /<title>c \(5 samples/);
  assert.equal(runCli(['flamegraph', two, '--negate', '-o', join(dir, 'dn.svg')]).code, 0);
  assert.match(readFileSync(join(dir, 'dn.svg'), 'utf8'), /<title>c \(1 samples/);
  const empty = runCli(['flamegraph', '-', '-o', join(dir, 'e.svg')], { input: '' });
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /standard input is empty/);
  const bad = runCli(['flamegraph', temp('just words\n'), '-o', join(dir, 'x.svg')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a format heapflame reads; tried: heaptrack/);
});
