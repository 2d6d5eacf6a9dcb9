import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { orderByKey } from '../../src/model/typed-arrays.js';

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
