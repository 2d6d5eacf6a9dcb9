import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { importFolded } from '../../src/import/folded/importer.js';
import { renderSvg } from '../../src/export/svg.js';
import { renderHtml } from '../../src/export/html.js';
import { ROOT, tempFiles } from '../helpers/paths.js';
import { join } from 'node:path';

/**
 * Differential test against flamegraph.pl itself (the copy Debian's libdevel-nytprof-perl
 * ships, installed by .ci/run): on random inputs both keep the same frames at the default
 * 0.1 px, each with the same count.
 */

const PERL_SCRIPT = '/usr/share/perl5/Devel/NYTProf/flamegraph.pl';
const skip = existsSync(PERL_SCRIPT) ? undefined : 'flamegraph.pl (libdevel-nytprof-perl) is not installed';
if (skip && process.env.CI)
  throw new Error('libdevel-nytprof-perl is not installed, but CI must have it (.ci/run installs it)');

const files = tempFiles('flamegraph-pl', '.folded');
after(files.remove);

/** "name count" of every frame, sorted: the frames a graph keeps and their values. */
function frameMultiset(svg: string): string[] {
  return [...svg.matchAll(/<title>([^<]*?) \(([\d,.]+) samples?,/g)]
    .map((m) => `${m[1]} ${m[2].replace(/,/g, '')}`)
    .sort();
}

test('the same frames with the same counts as flamegraph.pl, on random stacks', {
  skip,
  timeout: 120_000,
}, async () => {
  const name = fc.constantFrom('main', 'run', 'parse', 'alloc', 'read', 'write', 'poll', 'drop', 'x1', 'y_2');
  const line = fc.record({
    stack: fc.array(name, { minLength: 1, maxLength: 7 }),
    // heavy-tailed: many frames fall under 0.1 px next to the large counts
    count: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 100_000 })),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 60 }), async (lines) => {
      const file = files.file(`${lines.map((l) => `${l.stack.join(';')} ${l.count}`).join('\n')}\n`);
      const perl = frameMultiset(execFileSync('perl', [PERL_SCRIPT, file], { encoding: 'utf8', maxBuffer: 1 << 26 }));
      const ours = frameMultiset(renderSvg(await importFolded(file)));
      assert.ok(perl.length > 1, 'flamegraph.pl drew frames');
      assert.deepEqual(ours, perl);
    }),
    { numRuns: 40 },
  );
});

test("the HTML report of every frame is at most a quarter of flamegraph.pl's SVG of one cost", { skip }, async () => {
  // the 20k-stack synthetic input (generated): 435k merged frames
  const folded = files.file(
    execFileSync(process.execPath, [join(ROOT, 'bench/gen-folded.mjs'), '--stacks', '20000', '--seed', '11'], {
      maxBuffer: 1 << 28,
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );
  const svg = execFileSync('perl', [PERL_SCRIPT, folded], { maxBuffer: 1 << 30 });
  const html = renderHtml(await importFolded(folded));
  assert.ok(html.length <= svg.length / 4, `HTML ${html.length} bytes, SVG ${svg.length} bytes`);
});
