import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildCallTree, type CallTree, mergeByLabel, topLabels } from '../../src/analyze/calltree.js';
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

/** Each drawn node as "path x total", for comparing drawings. */
function drawnRows(t: CallTree): string[] {
  const path: string[] = [];
  const rows: string[] = [];
  for (let n = 0; n < t.count; n++) {
    path[t.depth[n]] = n === 0 ? '' : t.labels[t.label[n]];
    rows.push(`${path.slice(0, t.depth[n] + 1).join(';')} ${t.x[n]} ${t.total[n]}`);
  }
  return rows;
}

test('a threshold draws what the whole drawing has at or above it, in place (few drawn nodes or many)', () => {
  const name = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
  const line = fc.record({
    stack: fc.array(name, { minLength: 1, maxLength: 8 }),
    // heavy-tailed: most nodes fall below the larger thresholds
    value: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 10_000 })),
  });
  fc.assert(
    fc.property(
      fc.array(line, { minLength: 1, maxLength: 80 }),
      fc.double({ min: 0, max: 0.5, noNaN: true }),
      fc.constantFrom<'name' | 'weight'>('name', 'weight'),
      (lines, share, sort) => {
        const b = new ProfileBuilder(COSTS);
        for (const l of lines) b.addSample(b.stack(l.stack.map((n) => b.internFrame(frame(n)))), [l.value]);
        const profile = b.build({ format: 'test' }, {}, []);
        const whole = buildCallTree(profile, { sort });
        const minValue = whole.rootTotal * share;
        const pruned = buildCallTree(profile, { sort, minValue });
        // what the whole drawing keeps: nodes at or above the threshold whose ancestors all are
        const kept = new Uint8Array(whole.count);
        for (let n = 0; n < whole.count; n++)
          kept[n] = n === 0 || (kept[whole.parent[n]] === 1 && whole.total[n] >= minValue) ? 1 : 0;
        const expected = drawnRows(whole).filter((_, n) => kept[n] === 1);
        assert.deepEqual(drawnRows(pruned), expected);
      },
    ),
    { numRuns: 300 },
  );
});
