import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import { Profile as PprofProfile } from 'pprof-format';
import { profileFromSpeedscope } from '../../src/import/speedscope.js';
import { importFolded } from '../../src/import/folded/importer.js';
import { foldedChunks } from '../../src/export/folded.js';
import { renderTextReport } from '../../src/export/report-text.js';
import { renderSvg } from '../../src/export/svg.js';
import { renderHtml } from '../../src/export/html.js';
import { encodePprof } from '../../src/export/pprof.js';
import { pprofStrings } from '../../src/import/pprof-strings.js';
import { renderSpeedscope } from '../../src/export/speedscope.js';
import { renderDhat } from '../../src/export/dhat.js';
import { encodeHeapflame } from '../../src/export/heapflame.js';
import { HeapflameError } from '../../src/model/errors.js';
import { ROOT_NODE, type Profile } from '../../src/model/profile.js';
import { tempFiles } from '../helpers/paths.js';

/**
 * Hostile profiles through the whole pipeline: frames named with line breaks, separators,
 * markup, bidi and other control characters, stacks thousands deep, counts up to 2^53, through
 * the text report, folded stacks, SVG, HTML, pprof, speedscope and DHAT. What a name holds never
 * changes the shape of an output (lines, elements, scripts): each output is compared with the
 * same profile under plain names. 1,000 runs; any error but a HeapflameError fails, and the
 * test process must stay under 1 GiB.
 */

const files = tempFiles('pipeline-fuzz');
after(() => files.remove());

const HOSTILE = [
  'evil\nfake;stack 999999',
  '<script>alert(1)</script>',
  ']]>',
  'a---b--',
  '\u202eevil',
  'cr\rlf',
  '"\'&<>',
  '\u0000\u001b[31m',
  ' 123',
  'x;y;z',
  '\t',
  '</script><script>',
  '{{closure}}',
  'é\u2066',
];
const name = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
  fc.stringMatching(/^[a-z_:<>]{1,12}$/),
);
const weight = fc.oneof(
  fc.integer({ min: 0, max: 1000 }),
  fc.constantFrom(2 ** 53, 2 ** 40 + 1, 0.5, 1e21, 1.5e-6),
  fc.double({ min: 1e-6, max: 1e15, noNaN: true }),
);

const hostileDoc = fc.record({
  names: fc.array(name, { minLength: 1, maxLength: 12 }),
  costs: fc.array(fc.record({ bytes: fc.boolean(), name }), { minLength: 1, maxLength: 3 }),
  stacks: fc.array(fc.array(fc.nat(), { maxLength: 30 }), { minLength: 1, maxLength: 12 }),
  // one profile in eight has a stack thousands of frames deep
  deep: fc.oneof(
    { arbitrary: fc.constant(null), weight: 7 },
    { arbitrary: fc.integer({ min: 1000, max: 5000 }), weight: 1 },
  ),
  weights: fc.array(weight, { minLength: 12, maxLength: 12 }),
});
type Generated = typeof hostileDoc extends fc.Arbitrary<infer T> ? T : never;

/** The speedscope document of a generated profile, its names as generated or renamed. */
function speedscopeDoc({ names, costs, stacks, deep, weights }: Generated, rename: (i: number, n: string) => string) {
  const all = deep ? [...stacks, Array.from({ length: deep }, (_, i) => i)] : stacks;
  const frameOf = (i: number) => i % names.length;
  return {
    shared: { frames: names.map((n, i) => ({ name: rename(i, n), file: rename(i, `${n}.c`) })) },
    profiles: costs.map((c, k) => ({
      type: 'sampled',
      name: rename(100 + k, c.name),
      unit: c.bytes ? 'bytes' : 'none',
      samples: all.map((s) => s.map(frameOf)),
      weights: all.map((_, i) => weights[(i + k) % weights.length]),
    })),
  };
}

/** Plain names for the same profile: equal names stay equal (frames that print alike are one frame). */
function plainNames(): (i: number, n: string) => string {
  const seen = new Map<string, string>();
  return (_, n) => seen.get(n) ?? (seen.set(n, `f${seen.size}`), `f${seen.size - 1}`);
}
const lineCount = (s: string) => s.split('\n').length;
const count = (s: string, what: string) => s.split(what).length - 1;
// eslint-disable-next-line no-control-regex
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** The depth of each sample's stack with a value (in `column`, or in any), sorted: writers leave out samples of zero. */
function depths(p: Profile, column?: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < p.sampleCount; i++) {
    if (!(column === undefined ? p.values.some((v) => v[i] !== 0) : p.values[column][i] > 0)) continue;
    let d = 0;
    for (let n = p.sampleNode[i]; n > ROOT_NODE; n = p.nodeParent[n]) d++;
    out.push(d);
  }
  return out.sort((a, b) => a - b);
}

let peakRss = 0;
let run = 0;

test('hostile profiles through report, folded, SVG, HTML, pprof, speedscope, DHAT and .heapflame: names never change an output’s shape (1,000 runs)', async () => {
  const details = await fc.check(
    fc.asyncProperty(hostileDoc, async (doc) => {
      let hostile: Profile;
      try {
        hostile = profileFromSpeedscope(
          speedscopeDoc(doc, (_, n) => n),
          'fuzz.json',
        );
      } catch (e) {
        if (e instanceof HeapflameError) return;
        throw e;
      }
      const safe = profileFromSpeedscope(speedscopeDoc(doc, plainNames()), 'fuzz.json');

      // text report: no active character, as many lines as with plain names
      const report = renderTextReport(hostile);
      assert.ok(!ACTIVE.test(report), `an active character in the report: ${JSON.stringify(report.match(ACTIVE))}`);
      assert.equal(lineCount(report), lineCount(renderTextReport(safe)), 'the report has the lines plain names give');

      // folded: a line per sample, each reads back as one stack of its depth with its count
      const folded = [...foldedChunks(hostile)].join('');
      assert.ok(!ACTIVE.test(folded));
      assert.equal(lineCount(folded), lineCount([...foldedChunks(safe)].join('')));
      const file = join(files.dir, `f${run++ % 4}.folded`);
      writeFileSync(file, folded);
      const back = await importFolded(file, { keepOrder: true });
      const main = hostile.costs.findIndex((c) => c.id === (hostile.meta.mainCost ?? hostile.costs[0].id));
      const sum = (p: Profile, c: number) => p.values[c].reduce((a, b) => a + b, 0);
      assert.equal(sum(back, 0), sum(hostile, main), 'folded totals read back');
      // (an empty stack is written as the frame "??", as heaptrack_print does)
      const written = depths(hostile, main)
        .map((d) => d || 1)
        .sort((a, b) => a - b);
      assert.deepEqual(depths(back, 0), written, 'every stack reads back at its depth');

      // SVG: well-formed XML with heapflame's one script; HTML: its scripts only
      const svg = renderSvg(hostile, { notes: HOSTILE.join(' '), title: HOSTILE[0], subtitle: HOSTILE[1] });
      assert.equal(XMLValidator.validate(svg), true, 'the SVG is well-formed');
      assert.equal(count(svg, '<script'), count(renderSvg(safe), '<script'));
      const html = renderHtml(hostile, { title: HOSTILE.join(' ') });
      const safeHtml = renderHtml(safe, { title: 'plain' });
      for (const tag of ['<script', '</script', '<title', '<style'])
        assert.equal(count(html, tag), count(safeHtml, tag), tag);

      // pprof: every sample and name, as they were; speedscope: the same profile back
      const pprofBytes = gunzipSync(encodePprof(hostile));
      const pprof = PprofProfile.decode(pprofBytes);
      const valued = Array.from({ length: hostile.sampleCount }, (_, i) => i).filter((i) =>
        hostile.values.some((column) => column[i] !== 0),
      );
      // (pprof values are integers: a sample whose values all round to 0 is left out)
      const whole = valued.filter((i) => hostile.values.some((column) => Math.round(column[i]) !== 0));
      assert.equal(pprof.sample.length, whole.length, 'pprof has the samples with values');
      // (the strings as the file holds them: the library's decoding drops a leading U+FEFF)
      const strings = new Set(pprofStrings(pprofBytes));
      for (const i of whole) {
        for (let n = hostile.sampleNode[i]; n > ROOT_NODE; n = hostile.nodeParent[n]) {
          const f = hostile.frames[hostile.nodeFrame[n]];
          if (f.name)
            assert.ok(
              strings.has(f.name),
              `pprof keeps the names of the stacks as they are: ${JSON.stringify(f.name)}`,
            );
        }
      }
      const again = profileFromSpeedscope(JSON.parse(renderSpeedscope(hostile)), 'again.json');
      for (let c = 0; c < hostile.costs.length; c++) assert.equal(sum(again, c), sum(hostile, c));
      assert.deepEqual(depths(again), depths(hostile));

      // DHAT: written piece by piece, byte for byte what JSON.stringify writes of the document
      const dhat = renderDhat(hostile);
      const dhatDoc = JSON.parse(dhat);
      assert.equal(JSON.stringify(dhatDoc), dhat);
      for (const pp of dhatDoc.pps) for (const f of pp.fs) assert.ok(f > 0 && f < dhatDoc.ftbl.length);

      // .heapflame: its JSON, written piece by piece, is what JSON.stringify writes
      const own = gunzipSync(encodeHeapflame(hostile)).toString('utf8');
      assert.equal(JSON.stringify(JSON.parse(own)), own);

      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }),
    { numRuns: 1000 },
  );
  // (the failing check's own message, then the smallest profile that fails it)
  if (details.failed)
    assert.fail(
      `${(details.errorInstance as Error)?.message ?? String(details.errorInstance)}\non ${JSON.stringify(details.counterexample)}`,
    );
  assert.ok(peakRss < 1024 ** 3, `RSS stayed under 1 GiB: ${Math.round(peakRss / 2 ** 20)} MiB`);
});
