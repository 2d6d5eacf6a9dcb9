import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeByLabel, topLabels } from '../../src/analyze/calltree.js';
import { ProfileBuilder } from '../../src/model/builder.js';
import type { Frame } from '../../src/model/profile.js';

const COSTS = [{ id: 'bytes', unit: 'bytes' as const, label: 'bytes', description: '' }];
const frame = (name: string): Frame => ({ name, file: '', line: 0, module: '', address: '', inlined: false });

test('a function total counts each stack once, however often it recurs', () => {
  const b = new ProfileBuilder(COSTS);
  const stack = (names: string[], v: number) => b.addSample(b.stack(names.map((n) => b.internFrame(frame(n)))), [v]);
  stack(['main', 'walk', 'walk', 'walk', 'leaf'], 10);
  stack(['main', 'walk'], 5);
  stack(['main', 'other', 'walk', 'leaf'], 1);
  const tree = mergeByLabel(b.build({ format: 'test' }, {}, []));
  const rows = Object.fromEntries(topLabels(tree, 0, 10).map((r) => [tree.labels[r.label], [r.self, r.total]]));
  assert.deepEqual(rows, { leaf: [11, 11], walk: [5, 16], main: [0, 16], other: [0, 1] });
});

test('a 100,000-deep chain with a value at every depth: totals in one pass, not one walk per node', () => {
  const b = new ProfileBuilder(COSTS);
  let node = 0;
  for (let i = 0; i < 100_000; i++) {
    node = b.child(node, b.internFrame(frame(i % 2 ? 'odd' : `f${i}`)));
    b.addSample(node, [1]);
  }
  const tree = mergeByLabel(b.build({ format: 'test' }, {}, []));
  const top = topLabels(tree, 0, 2).map((r) => [tree.labels[r.label], r.self, r.total]);
  // 'odd' recurs 50,000 times: its outermost occurrence (depth 2) holds 99,999
  assert.deepEqual(top, [
    ['odd', 50_000, 99_999],
    ['f0', 1, 100_000],
  ]);
});
