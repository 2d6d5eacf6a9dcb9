import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { DHAT_VIEW_METRICS, dhatView, dhatViewMetricEnabled, type DhatViewNode } from '../../src/analyze/dhat-view.js';
import { importDhat } from '../../src/import/dhat.js';
import type { Profile } from '../../src/model/profile.js';
import { fixtureBytes, fixtureFile, FIXTURES, runCli } from '../helpers/paths.js';

/**
 * dh_view's ranking of program points per sort metric, against the text Valgrind's own viewer
 * rendered for the shared DHAT files (the golden files): the same nodes, frames and
 * "[N insignificant]" groups, in the same order.
 */
const DHAT = join(FIXTURES, 'dhat');

/** A frame as "0x<address>: <function>", the part of DHAT's frame text both sides have. */
const short = (text: string) => {
  const t = text.endsWith(')') && text.lastIndexOf(' (') > 0 ? text.slice(0, text.lastIndexOf(' (')) : text;
  return t.replace(/^0x([0-9A-Fa-f]+):/, (_, a: string) => `0x${a.toLowerCase()}:`);
};

/** Per metric, the golden's program points in display order: their own frames, or "[N insignificant]". */
function goldenRanking(file: string): Map<number, string[][]> {
  const out = new Map<number, string[][]>();
  let metric = -1;
  let current: string[] | null = null;
  let inFrames = false;
  for (const raw of fixtureBytes(`dhat/${file}`).toString('utf8').split('\n')) {
    const header = /^##### sort metric (\d+):/.exec(raw);
    if (header) {
      metric = raw.includes('(disabled for this file)') ? -1 : Number(header[1]);
      if (metric >= 0) out.set(metric, []);
      continue;
    }
    if (metric < 0) continue;
    const line = raw.replace(/^[\s│├└─▼▶]*/u, '');
    if (/^PP [\d.]+\/\d+ /.test(line)) {
      current = [];
      out.get(metric)!.push(current);
    } else if (/^\w+ at \{$/.test(line))
      inFrames = true; // "Allocated at {", "Copied at {", "Occurred at {"
    else if (inFrames && line.startsWith('}')) inFrames = false;
    else if (inFrames && current) {
      const own = /^#\d+: (.*)$/.exec(line);
      if (own && own[1] !== '[root]') current.push(short(own[1]));
      else if (/^\[\d+ insignificant\]$/.test(line)) current.push(line);
    }
  }
  return out;
}

function ourRanking(p: Profile, metric: number): string[][] {
  const out: string[][] = [];
  const walk = (n: DhatViewNode) => {
    out.push(
      n.insignificant !== undefined
        ? [`[${n.insignificant} insignificant]`]
        : n.frames.map((f) => `0x${p.frames[f].address}: ${p.frames[f].name || '???'}`),
    );
    n.kids.forEach(walk);
  };
  walk(dhatView(p, metric));
  return out;
}

for (const [data, golden] of [
  ['heapdemo.dhat.json', 'heapdemo.dhview-golden.txt'],
  ['dhat-copy.json', 'dhat-copy.dhview-golden.txt'],
  ['dhat-ad-hoc.json', 'dhat-ad-hoc.dhview-golden.txt'],
  ['synthetic-dhat-rs-style.json', 'synthetic-dhat-rs-style.dhview-golden.txt'],
]) {
  test(`dh_view's ranking per metric: ${data}`, async () => {
    // the names as the file has them (dh_view does not shorten templates)
    const p = await importDhat(join(DHAT, data));
    const want = goldenRanking(golden);
    assert.ok(want.size > 0, 'the golden has metrics');
    for (let m = 0; m < DHAT_VIEW_METRICS.length; m++) {
      assert.equal(dhatViewMetricEnabled(p, m), want.has(m), `metric ${m} enabled as in dh_view`);
      if (!want.has(m)) continue;
      assert.deepEqual(ourRanking(p, m), want.get(m), `metric ${m}: ${DHAT_VIEW_METRICS[m].label}`);
    }
  });
}

test('report --dhat-view prints the tree for a metric; other profiles are one clear error', () => {
  const r = runCli(['report', join(DHAT, 'heapdemo.dhat.json'), '--dhat-view', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^dh_view sort metric 1: Total \(blocks\)\n\nPP 1 \(3 children\): 1,041 \(100\.00%\)/);
  assert.match(r.stdout, /├── PP 1\.1: 1,000 \(96\.06%\)\n│ +temporaries \(heapdemo\.c:34\)/);
  assert.match(r.stdout, /\[7 insignificant\]/);
  const bad = runCli(['report', fixtureFile('v8/default.heapprofile'), '--dhat-view', '1']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /for DHAT profiles/);
});
