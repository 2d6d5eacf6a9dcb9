import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { grown, grownOwned, orderByKey, SPARSE_GROWTH } from '../../src/model/typed-arrays.js';

test('orderByKey: indices by key, equal keys in index order, as a stable comparator sort', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }))),
      (keys) => {
        const expected = [...keys.keys()].sort((x, y) => keys[x] - keys[y] || x - y);
        assert.deepEqual([...orderByKey(keys)], expected);
      },
    ),
  );
  assert.deepEqual([...orderByKey(Int32Array.of(70000, 3, 65536, 3, 0))], [4, 1, 3, 2, 0]);
});

test('grown and grownOwned: the values kept, the new end zero, at least min long, by the factor asked', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 100 }),
      fc.nat(5000),
      fc.constantFrom(2, SPARSE_GROWTH),
      (values, extra, factor) => {
        const a = Int32Array.from(values);
        const min = a.length + 1 + extra;
        for (const b of [grown(a, min, factor), grownOwned(Int32Array.from(values), min, factor)]) {
          assert.ok(b.length >= min);
          assert.ok(b.length >= Math.max(16, a.length * factor));
          assert.deepEqual([...b.subarray(0, a.length)], values);
          assert.ok(b.subarray(a.length).every((x) => x === 0));
        }
      },
    ),
  );
});
