import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import v8 from 'node:v8';
import { snapshotSelfBytes } from '../../src/runtime/snapshot-bytes.js';
import { tempFiles } from '../helpers/paths.js';

const files = tempFiles('snapshot-bytes');
after(() => files.remove());

/** The same sum the plain way: the whole snapshot through JSON.parse. */
function parsedSelfBytes(text: string, excludedTypes: string[], excludedName: string): number {
  const s = JSON.parse(text) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = s.snapshot.meta.node_fields;
  const excluded = new Set(excludedTypes.map((t) => s.snapshot.meta.node_types[0].indexOf(t)));
  const name = s.strings.indexOf(excludedName);
  let sum = 0;
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    if (!excluded.has(s.nodes[i + fields.indexOf('type')]) && s.nodes[i + fields.indexOf('name')] !== name)
      sum += s.nodes[i + fields.indexOf('self_size')];
  }
  return sum;
}

test('snapshotSelfBytes: the sum JSON.parse gives, on this process, with strings that mimic the excluded name', () => {
  // strings a program could hold that contain the excluded name, quotes and escapes
  const decoys = [
    'x"(object properties)',
    '(object properties)\\',
    '"(object properties)"',
    'ü\n(object properties)',
  ].map((s) => s.repeat(2));
  const file = join(files.dir, 'this.heapsnapshot');
  v8.writeHeapSnapshot(file);
  const bytes = readFileSync(file);
  for (const [types, name] of [
    [['hidden', 'code', 'object shape', 'synthetic', 'native'], '(object properties)'],
    [[], 'no such string anywhere'],
    [['string'], decoys[0]],
  ] as [string[], string][]) {
    assert.equal(
      snapshotSelfBytes(bytes, types, name),
      parsedSelfBytes(bytes.toString('utf8'), types, name),
      `${types} ${name}`,
    );
  }
  assert.ok(decoys.length);
  // the largest id of a heap object: not of Node's natives nor of the roots, numbered otherwise
  const maxId = new Float64Array(1);
  snapshotSelfBytes(bytes, [], '', maxId);
  const doc = JSON.parse(bytes.toString('utf8'));
  const fields: string[] = doc.snapshot.meta.node_fields;
  const types: string[] = doc.snapshot.meta.node_types[0];
  let expected = 0;
  for (let i = 0; i < doc.nodes.length; i += fields.length) {
    const type = types[doc.nodes[i + fields.indexOf('type')]];
    if (type !== 'native' && type !== 'synthetic') expected = Math.max(expected, doc.nodes[i + fields.indexOf('id')]);
  }
  assert.equal(maxId[0], expected);
  assert.ok(expected > 0 && expected < 2 ** 31);
  assert.throws(() => snapshotSelfBytes(Buffer.from('{"snapshot":{}}'), [], ''), /not a V8 heap snapshot/);
});
