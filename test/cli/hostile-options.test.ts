import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { XMLValidator } from 'fast-xml-parser';
import { fixture, runCli, tempFiles } from '../helpers/paths.js';

/**
 * Options and names that reach SVG, Markdown and the terminal: escaped or refused. A frame
 * name with a line break, a bidi override or an escape sequence cannot add lines to a report
 * or to folded stacks, nor reorder or colour what a terminal shows.
 */

const files = tempFiles('hostile-options');
after(() => files.remove());
const LEAKS = fixture('heaptrack.leaks.zst');

test('--notes with dashes stays a well-formed XML comment; --fonttype is a font family or refused', () => {
  const out = `${files.dir}/n.svg`;
  const r = runCli(['flamegraph', LEAKS, '-o', out, '--notes', 'a---b--', '-q']);
  assert.equal(r.code, 0, r.stderr);
  const svg = readFileSync(out, 'utf8');
  assert.equal(XMLValidator.validate(svg), true);
  assert.match(svg, /<!-- NOTES: a- - -b- - -->/);
  assert.equal(
    runCli(['flamegraph', LEAKS, '-o', `${files.dir}/f.svg`, '--fonttype', "'DejaVu Sans', Verdana", '-q']).code,
    0,
  );
  for (const font of [
    'Verdana;}@import url(http://127.0.0.1:9/x);text{',
    'x</style><script>alert(1)</script>',
    'a{}',
    '',
  ]) {
    const bad = runCli(['flamegraph', LEAKS, '-o', `${files.dir}/bad.svg`, '--fonttype', font, '-q']);
    assert.equal(bad.code, 2, `${font}: ${bad.stderr}`);
    assert.match(bad.stderr, /--fonttype: not a font family/);
  }
});

test('check --link: http(s) and relative links only', () => {
  const md = `${files.dir}/c.md`;
  const ok = runCli([
    'check',
    LEAKS,
    '--max-leaked',
    '1G',
    '--markdown',
    md,
    '--link',
    'report=https://ci.example/r.html',
    '--link',
    'svg=artifacts/x.svg',
    '-q',
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(readFileSync(md, 'utf8'), /\[report\]\(https:\/\/ci\.example\/r\.html\) · \[svg\]\(artifacts\/x\.svg\)/);
  for (const link of [
    'x=javascript:alert(1)',
    'x= JavaScript:alert(1)',
    'x=data:text/html,<script>',
    'x=vbscript:y',
    'x=https://a\nb',
  ]) {
    const bad = runCli([
      'check',
      LEAKS,
      '--max-leaked',
      '1G',
      '--markdown',
      `${files.dir}/bad.md`,
      '--link',
      link,
      '-q',
    ]);
    assert.equal(bad.code, 2, `${JSON.stringify(link)}: ${bad.stderr}`);
    assert.match(bad.stderr, /--link: /);
  }
});

test('names with line breaks, bidi overrides and escape sequences: escaped in the report and folded stacks', () => {
  const names = ['evil\nfake;stack 999999', 'rtl\u202eexe.txt', 'red\u001b[31m', 'cr\rover'];
  const doc = {
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    shared: { frames: names.map((name) => ({ name })) },
    profiles: [
      {
        type: 'sampled',
        name: 'bytes',
        unit: 'bytes',
        samples: [
          [0, 1],
          [2, 3],
        ],
        weights: [10, 20],
      },
    ],
  };
  const input = files.file(JSON.stringify(doc));
  const report = runCli(['report', input, '-q']);
  assert.equal(report.code, 0, report.stderr);
  assert.ok(!/[\u001b\r\u202e]/.test(report.stdout), 'no active character reaches the terminal');
  assert.ok(!/^fake;stack/m.test(report.stdout), 'no name starts a line of its own');
  assert.match(report.stdout, /evil\\x0afake;stack 999999/);
  assert.match(report.stdout, /rtl\\u202eexe\.txt/);
  const folded = runCli(['folded', input, '-q']);
  assert.equal(folded.code, 0, folded.stderr);
  assert.deepEqual(folded.stdout.trimEnd().split('\n'), [
    'evil\\x0afake\\x3bstack 999999;rtl\\u202eexe.txt; 10',
    'red\\x1b[31m;cr\\x0dover; 20',
  ]);
  // flame graphs show them the same way: a browser applies a bidi override too
  const svgFile = `${files.dir}/names.svg`;
  const htmlFile = `${files.dir}/names.html`;
  assert.equal(runCli(['flamegraph', input, '-o', svgFile, '-q']).code, 0);
  assert.equal(runCli(['flamegraph', input, '-o', htmlFile, '-q']).code, 0);
  const svg = readFileSync(svgFile, 'utf8');
  assert.ok(!/[\u001b\r\u202e]/.test(svg));
  assert.match(svg, /rtl\\u202eexe\.txt/);
  const packed =
    /<script type="application\/octet-stream" id="heapflame-data">([^<]*)<\/script>/.exec(
      readFileSync(htmlFile, 'utf8'),
    )?.[1] ?? '';
  // the page's data: a u32 length, the JSON header, then typed arrays (src/export/html.ts)
  const data = gunzipSync(Buffer.from(packed, 'base64'));
  const labels = (JSON.parse(data.subarray(4, 4 + data.readUInt32LE(0)).toString('utf8')) as { labels: string[] })
    .labels;
  assert.ok(labels.includes('rtl\\u202eexe.txt') && labels.includes('evil\\x0afake;stack 999999'), labels.join(' | '));
  assert.ok(!labels.some((l) => /[\u001b\r\n\u202e]/.test(l)));
});

test("the HTML report's page is filled in one pass: a title naming a placeholder stays text", () => {
  const out = `${files.dir}/t.html`;
  const r = runCli(['flamegraph', LEAKS, '-o', out, '--title', '{{script}} {{style}} <b>x</b>', '-q']);
  assert.equal(r.code, 0, r.stderr);
  const html = readFileSync(out, 'utf8');
  assert.match(html, /<title>\{\{script\}\} \{\{style\}\} &lt;b&gt;x&lt;\/b&gt;<\/title>/);
  assert.equal(html.split('<script').length - 1, 2, 'the data and the viewer, no more');
});
