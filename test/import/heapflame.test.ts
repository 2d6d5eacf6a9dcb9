import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { encodeHeapflame } from '../../src/export/heapflame.js';
import { profileFromDocument } from '../../src/import/heapflame.js';
import { loadProfile } from '../../src/load.js';
import { HeapflameError } from '../../src/model/errors.js';
import type { Profile } from '../../src/model/profile.js';
import { fixture, fixtureFile, runCli, tempFiles } from '../helpers/paths.js';

/** heapflame's own format: lossless round trip, found by content, hostile files rejected cleanly. */

const files = tempFiles('heapflame-format', '.bin');
after(files.remove);

/** The profile as JSON sees it (fields that are undefined are absent). */
function plain(p: Profile) {
  return JSON.parse(
    JSON.stringify({
      meta: p.meta,
      costs: p.costs,
      frames: p.frames,
      parent: [...p.nodeParent],
      frame: [...p.nodeFrame],
      samples: [...p.sampleNode],
      values: p.values.map((v) => [...v]),
      totals: p.totals,
      timeline: p.timeline,
    }),
  );
}

test('a heaptrack recording survives the round trip whole, and reports the same', async () => {
  const recording = fixture('heaptrack.leaks.zst');
  const original = await loadProfile(recording);
  const file = files.file(encodeHeapflame(original));
  const again = await loadProfile(file);
  assert.equal(again.meta.format, original.meta.format);
  assert.deepEqual(plain(again), plain(original));
  const want = runCli(['report', recording, '--json', '-q']);
  const got = runCli(['report', file, '--json', '-q']);
  assert.equal(got.code, 0, got.stderr);
  assert.deepEqual(JSON.parse(got.stdout).summary, JSON.parse(want.stdout).summary);
});

test('recognised by content, plain or gzip, whatever the name', async () => {
  const p = await loadProfile(fixtureFile('folded/perf-example.folded'));
  const doc = encodeHeapflame(p);
  const { gunzipSync } = await import('node:zlib');
  for (const bytes of [doc, gunzipSync(doc)]) {
    const again = await loadProfile(files.file(bytes));
    assert.deepEqual(plain(again).values, plain(p).values);
  }
  const piped = runCli(['report', '-', '-q'], { input: doc });
  assert.equal(piped.code, 0, piped.stderr);
});

test('damaged files: one clear error and exit 2', async () => {
  const good = encodeHeapflame(await loadProfile(fixtureFile('folded/small-1k.folded')));
  const cases: [Buffer, RegExp][] = [
    [good.subarray(0, good.length >> 1), /heapflame|JSON|truncated|unexpected end/i],
    [gzipSync('{"format":"heapflame","version":7}'), /version 7 is not supported/],
    [
      gzipSync(
        '{"format":"heapflame","version":1,"costs":[],"frames":[],"nodes":{"parent":[-1,5],"frame":[-1,0]},"samples":{"node":[],"values":[]}}',
      ),
      /parent must come before/,
    ],
  ];
  for (const [bytes, message] of cases) {
    const r = runCli(['report', files.file(bytes), '-q']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('property: any document is a valid profile or one HeapflameError', () => {
  const base = JSON.parse(
    JSON.stringify({
      format: 'heapflame',
      version: 1,
      meta: { format: 'node' },
      costs: [{ id: 'allocated', unit: 'bytes', label: 'allocated bytes', description: '' }],
      frames: [
        ['main', 'a.js', 1, '', '', 0],
        ['leaf', 'a.js', 9, '', '', 0],
      ],
      nodes: { parent: [-1, 0, 1], frame: [-1, 0, 1] },
      samples: { node: [2, 1], values: [[100, 5]] },
      totals: { allocated: 105 },
      timeline: [[0, 10, 20]],
      warnings: [],
    }),
  ) as Record<string, unknown>;
  const anyValue = fc.oneof(
    fc.integer({ min: -3, max: 5 }),
    fc.double(),
    fc.string(),
    fc.constant(null),
    fc.array(fc.integer({ min: -2, max: 4 }), { maxLength: 4 }),
    fc.object({ maxDepth: 1 }),
  );
  const paths = [
    'meta',
    'meta.command',
    'meta.durationMs',
    'meta.filters',
    'samples.labels',
    'samples.labels.0',
    'version',
    'costs',
    'frames',
    'nodes',
    'samples',
    'totals',
    'timeline',
    'nodes.parent',
    'nodes.frame',
    'samples.node',
    'samples.values',
    'costs.0',
    'frames.1',
    'samples.values.0',
  ];
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom(...paths), anyValue), { maxLength: 3 }), (edits) => {
      const doc = structuredClone(base);
      for (const [path, value] of edits) {
        const keys = path.split('.');
        let at: Record<string, unknown> = doc;
        for (const k of keys.slice(0, -1)) {
          const next = at[k];
          if (typeof next !== 'object' || next === null) return;
          at = next as Record<string, unknown>;
        }
        at[keys[keys.length - 1]] = value;
      }
      try {
        const p = profileFromDocument(doc, 'x.heapflame');
        // what is accepted is consistent: every index in range
        for (let i = 0; i < p.sampleCount; i++) assert.ok(p.sampleNode[i] < p.nodeCount);
        for (let n = 1; n < p.nodeCount; n++) assert.ok(p.nodeParent[n] < n && p.nodeFrame[n] < p.frames.length);
        assert.equal(p.values.length, p.costs.length);
        assert.ok(p.meta.command === undefined || typeof p.meta.command === 'string');
        assert.ok(p.meta.durationMs === undefined || Number.isFinite(p.meta.durationMs));
        assert.equal(typeof p.meta.format, 'string');
      } catch (e) {
        assert.ok(e instanceof HeapflameError, String(e));
      }
    }),
    { numRuns: 500 },
  );
});
