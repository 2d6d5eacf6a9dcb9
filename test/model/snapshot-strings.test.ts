import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SnapshotStrings } from '../../src/model/snapshot-strings.js';

/** A heap snapshot's strings as UTF-8 bytes with offsets: what JSON.parse gives, and the byte-level questions. */

test('strings read back as added, across growth; one added after trimming an empty table', () => {
  const texts = ['', 'a', 'ü€😀', 'x'.repeat(100_000), ...Array.from({ length: 5000 }, (_, i) => `s${i}`)];
  const table = SnapshotStrings.of(texts);
  assert.deepEqual(table.toArray(), texts);
  assert.equal(table.trim().length, texts.length);
  assert.equal(table.get(3).length, 100_000);
  const empty = new SnapshotStrings().trim();
  assert.equal(empty.addString('?'), 0);
  assert.equal(empty.addString('!'), 1);
  assert.deepEqual(empty.toArray(), ['?', '!']);
});

test('a lone surrogate (from a JSON escape) is kept exactly; byte questions answer on the bytes', () => {
  const table = new SnapshotStrings();
  const lone = JSON.parse('"a\\ud800b"') as string;
  table.add(Buffer.from(lone, 'utf8'), lone);
  table.addString('17');
  table.addString('1234567890123456');
  table.addString('system / Context');
  table.addString('part of key (Key @5) -> value (Value @7) pair in WeakMap (table @9)');
  const bytes = (s: string) => new TextEncoder().encode(s);
  assert.equal(table.get(0), lone);
  assert.equal(table.isNumber(1, 15), true);
  assert.equal(table.isNumber(2, 15), false, 'longer than 15 digits');
  assert.equal(table.isNumber(3, 15), false);
  assert.equal(table.startsWith(3, bytes('system / ')), true);
  assert.equal(table.startsWith(1, bytes('system / ')), false);
  assert.equal(table.includes(4, bytes('WeakMap')), true);
  assert.equal(table.includes(3, bytes('WeakMap')), false);
  assert.equal(table.isEmpty(1), false);
});
