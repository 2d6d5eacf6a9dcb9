import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProfileBuilder } from '../../src/model/builder.js';
import { type Frame, frameKey } from '../../src/model/profile.js';

const frame = (name: string, line: number): Frame => ({
  name,
  file: '/a.js',
  line,
  module: '',
  address: '',
  inlined: false,
});

test('replaceFrame: the id stays, the new frame is found by its own key, the old key is free', () => {
  const b = new ProfileBuilder([{ id: 'bytes', unit: 'bytes', label: 'bytes', description: '' }]);
  const raw = frame('f', 12);
  const id = b.internFrame(raw);
  const other = b.internFrame(frame('g', 20));
  const node = b.child(0, id);
  b.replaceFrame(frameKey(raw), frame('f', 2));
  assert.deepEqual(b.frames[id], frame('f', 2));
  assert.equal(b.internFrame(frame('f', 2)), id);
  // the raw frame, met again, is a frame of its own
  assert.equal(b.internFrame(raw), 2);
  // the stack that used the id now shows the new frame
  assert.equal(b.child(0, id), node);
  // a key nobody interned changes nothing
  b.replaceFrame(frameKey(frame('h', 1)), frame('h', 2));
  assert.equal(b.frames.length, 3);
  // a replacement that prints like another frame keeps both ids apart
  b.replaceFrame(frameKey(frame('f', 2)), frame('g', 20));
  assert.equal(b.internFrame(frame('g', 20)), other);
});
