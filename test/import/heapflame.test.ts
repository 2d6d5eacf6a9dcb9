import assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { encodeHeapflame } from '../../src/export/heapflame.js';
import { profileFromDocument } from '../../src/import/heapflame.js';
import { loadProfile } from '../../src/load.js';
import { ProfileBuilder } from '../../src/model/builder.js';
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

test('a profile of more than a megabyte of JSON is written as several gzip members, one JSON document, and read back whole', async () => {
  // 200,000 samples over 2,000 stacks, two costs: about 4 MB of JSON
  const builder = new ProfileBuilder([
    { id: 'allocated', unit: 'bytes', label: 'allocated bytes', description: 'bytes' },
    { id: 'allocations', unit: 'count', label: 'allocations', description: 'count' },
  ]);
  const frames = Array.from({ length: 50 }, (_, i) =>
    builder.internFrame({ name: `f${i}`, file: 'a.c', line: i, module: '', address: '', inlined: false }),
  );
  for (let i = 0; i < 200_000; i++) {
    const stack = [frames[i % 7], frames[(i * 13) % 50], frames[i % 40]];
    builder.addSample(builder.stack(stack), [i * 1.5, i % 1000]);
  }
  const original = builder.build({ format: 'folded' }, { allocated: 0, allocations: 0 }, []);
  const bytes = encodeHeapflame(original);
  // a gzip member opens with 1f 8b 08: more than one here
  const members = bytes.reduce((n, b, i) => n + (b === 0x1f && bytes[i + 1] === 0x8b && bytes[i + 2] === 8 ? 1 : 0), 0);
  assert.ok(members > 1, `${members} gzip member(s)`);
  const text = gunzipSync(bytes).toString('utf8');
  assert.ok(text.length > 1 << 20);
  // written piece by piece, the text is what JSON.stringify writes of the document
  assert.equal(JSON.stringify(JSON.parse(text)), text);
  assert.deepEqual(plain(await loadProfile(files.file(bytes))), plain(original));
});
