import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  formatBytes,
  formatHeaptrackBytes,
  formatInt,
  lineSafe,
  percentF32,
  terminalSafe,
  toFixedEven,
} from '../../src/export/format.js';
import { foldedCount, foldedFrame } from '../../src/export/folded.js';

test('formatHeaptrackBytes matches heaptrack_print, including printf ties-to-even', () => {
  const cases: [number, string][] = [
    [0, '0B'],
    [64, '64B'],
    [1000, '1000B'],
    [1001, '1.00K'],
    [1125, '1.12K'], // exact binary tie: printf rounds to even, toFixed would give 1.13K
    [2125, '2.12K'],
    [2625, '2.62K'],
    [1135, '1.14K'],
    [10240, '10.24K'],
    [999999, '1000.00K'],
    [1000000, '1000.00K'],
    [1000001, '1.00M'],
    [1074704, '1.07M'],
    [246618915, '246.62M'],
    [-2000, '-2.00K'],
  ];
  for (const [n, want] of cases) assert.equal(formatHeaptrackBytes(n), want, String(n));
});

test('formatBytes: one style for every output, 1024-based with three significant digits', () => {
  const cases: [number, string][] = [
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.00 KiB'],
    [47309, '46.2 KiB'],
    [1048575, '1.00 MiB'],
    [155_699_200, '148 MiB'],
    [2 * 1024 ** 3, '2.00 GiB'],
    [-3072, '-3.00 KiB'],
  ];
  for (const [n, want] of cases) assert.equal(formatBytes(n), want, String(n));
});

test('toFixedEven equals toFixed except on exact binary ties', () => {
  fc.assert(
    fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 1, max: 4 }), (n, digits) => {
      const x = n / 1000;
      const ours = toFixedEven(x, digits);
      assert.ok(Math.abs(Number(ours) - x) <= 0.5 * 10 ** -digits + 1e-9, `${x} -> ${ours}`);
      if (ours !== x.toFixed(digits)) {
        // only ties differ, and then ours ends in an even digit
        const scaled = Math.abs(x) * 10 ** digits;
        assert.equal(scaled - Math.floor(scaled), 0.5, `${x}`);
        assert.equal(Number(ours.at(-1)) % 2, 0);
      }
    }),
  );
});

test('percentages in single precision like heaptrack_print', () => {
  assert.equal(percentF32(2, 3), '66.67');
  assert.equal(percentF32(1, 10), '10.00');
  assert.equal(percentF32(10, 20), '50.00');
});

test('integers with separators; control and bidi characters shown escaped for terminals', () => {
  assert.equal(formatInt(1087640), '1,087,640');
  assert.equal(formatInt(12), '12');
  assert.equal(terminalSafe('a\u001b[31mred\u0007b\tc\nd\re'), 'a\\x1b[31mred\\x07b\tc\nd\\x0de');
  assert.equal(terminalSafe('x\u202eevil\u2066\u0085'), 'x\\u202eevil\\u2066\\x85');
  // names on one line: line breaks and tabs escaped too
  assert.equal(lineSafe('evil\nfake;stack 999999\t\u202e'), 'evil\\x0afake;stack 999999\\x09\\u202e');
  assert.equal(lineSafe('plain name (file.c)'), 'plain name (file.c)');
});

test('folded counts never use exponents; frames never hold a separator or a line break', () => {
  assert.equal(foldedCount(1e21), '1000000000000000000000');
  assert.equal(foldedCount(2 ** 53), '9007199254740992');
  assert.equal(foldedCount(1.5e-7), '0.00000015');
  assert.equal(foldedCount(0.5), '0.5');
  assert.equal(foldedFrame('a;b\nc'), 'a\\x3bb\\x0ac');
});
