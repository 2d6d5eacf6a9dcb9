import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXPORTERS, graphExporter, profileExporter } from '../../src/export/registry.js';
import { FORMATS, formatNamed } from '../../src/import/registry.js';
import { ROOT } from '../helpers/paths.js';

/**
 * The registries are the one list of each axis: a format in or out is its module plus one
 * registry line, and README's tables say what the registries hold.
 */

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The rows of README's table whose header line starts with `header`, as cells. */
function table(header: string): string[][] {
  const lines = README.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${header} |`));
  assert.ok(start >= 0, `README has a table opening with "${header}"`);
  const rows: string[][] = [];
  for (let i = start + 2; i < lines.length && lines[i].startsWith('|'); i++)
    rows.push(
      lines[i]
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  return rows;
}

const codes = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

test("README's table of formats read lists the registry's formats, in the order they are tried", () => {
  const rows = table('format');
  assert.deepEqual(
    rows.map((r) => codes(r[0])[0]),
    FORMATS.map((f) => f.name),
  );
  assert.equal(new Set(FORMATS.map((f) => f.name)).size, FORMATS.length, 'names are unique');
  for (const f of FORMATS) assert.equal(formatNamed(f.name), f);
  assert.throws(() => formatNamed('nope'), /unknown input format "nope": heapflame reads heaptrack, /);
});

test("README's table of formats written lists every exporter: its suffixes, and the commands that write it", () => {
  const rows = table('output name');
  assert.equal(rows.length, EXPORTERS.length);
  for (const exporter of EXPORTERS) {
    const row = rows.find((r) => codes(r[0])[0] === exporter.suffixes[0]);
    assert.ok(row, `a row for ${exporter.name} (${exporter.suffixes[0]})`);
    assert.deepEqual(codes(row[0]), [...exporter.suffixes], exporter.name);
    assert.ok(
      codes(row[2]).includes(exporter.kind === 'profile' ? 'convert' : 'flamegraph'),
      `${exporter.name} is written by ${row[2]}`,
    );
    // every suffix chooses it, in any case
    const choose = exporter.kind === 'profile' ? profileExporter : graphExporter;
    for (const suffix of exporter.suffixes) assert.equal(choose(`out${suffix.toUpperCase()}`), exporter, suffix);
  }
});

test('each format recognises its own kind of head and no other format claims it first', () => {
  const heads: Record<string, Buffer> = {
    heaptrack: Buffer.from('v 10400 3\ns 5 hello\n'),
    heapflame: Buffer.from('{"format":"heapflame","version":1,'),
    dhat: Buffer.from('{"dhatFileVersion":2,"mode":"heap",'),
    v8: Buffer.from('{"head":{"callFrame":{"functionName":"(root)"'),
    heapsnapshot: Buffer.from('{"snapshot":{"meta":{"node_fields":["type","name"'),
    pprof: Buffer.from([0x0a, 0x04, 0x08, 0x01, 0x10, 0x02, 0x12]),
    speedscope: Buffer.from('{"$schema":"https://www.speedscope.app/file-format-schema.json","shared":{}}'),
    bytehound: Buffer.from([2, 16, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]),
    folded: Buffer.from('main;work 10\nmain;rest 5\n'),
  };
  assert.deepEqual(Object.keys(heads).sort(), FORMATS.map((f) => f.name).sort(), 'a head for every format');
  for (const [name, head] of Object.entries(heads)) {
    assert.equal(FORMATS.find((f) => f.sniff(head))?.name, name, name);
  }
  assert.equal(
    FORMATS.find((f) => f.sniff(Buffer.from('# A README\n\nSome prose with 3 words.\n'))),
    undefined,
  );
});
