import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { topEntries } from '../../src/analyze/top.js';
import { renderSpeedscope } from '../../src/export/speedscope.js';
import { profileFromSpeedscope } from '../../src/import/speedscope.js';
import { loadProfile } from '../../src/load.js';
import { HeapflameError } from '../../src/model/errors.js';
import { type Profile, stackOf } from '../../src/model/profile.js';
import { fixture, fixtureFile, ROOT, runCli, tempFiles } from '../helpers/paths.js';

/** convert: speedscope (against speedscope's own schema), DHAT and folded out, read back. */

const files = tempFiles('convert');
after(files.remove);
const require = createRequire(import.meta.url);

function convert(input: string, name: string): string {
  const out = join(files.dir, name);
  const r = runCli(['convert', input, '-o', out, '-q']);
  assert.equal(r.code, 0, r.stderr);
  return out;
}

const sameTotals = (a: Profile, b: Profile, ids: string[]) => {
  for (const id of ids) assert.equal(b.totals[id], a.totals[id], id);
};
const top3 = (p: Profile, id: string) => topEntries(p, id, { limit: 3 }).map((e) => [p.frames[e.frame].name, e.value]);

test('speedscope: valid against the schema speedscope ships, one profile per cost, read back whole', async () => {
  const Ajv = require('ajv') as new (
    o: object,
  ) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } };
  const schema = JSON.parse(
    readFileSync(join(ROOT, 'node_modules/speedscope/dist/release/file-format-schema.json'), 'utf8'),
  );
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  for (const input of [
    fixture('heaptrack.leaks.zst'),
    fixtureFile('dhat/heapdemo.dhat.json'),
    fixtureFile('v8/i32k.heapprofile'),
  ]) {
    const original = await loadProfile(input);
    const out = convert(input, 'x.speedscope.json');
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    assert.ok(validate(doc), `${input}: ${JSON.stringify(validate.errors)}`);
    assert.equal(doc.profiles.length, original.costs.length);
    const back = await loadProfile(out);
    sameTotals(
      original,
      back,
      ['allocated', 'allocations', 'leaked', 'peak'].filter((id) => id in original.totals),
    );
    for (const c of original.costs)
      if (c.id in back.totals) assert.deepEqual(top3(back, c.id), top3(original, c.id), c.id);
  }
});

test('DHAT out: totals per cost survive heaptrack → DHAT → report; the file reads as DHAT', async () => {
  const input = fixture('heaptrack.leaks.zst');
  const original = await loadProfile(input);
  const out = convert(input, 'x.dhat.json');
  const doc = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(doc.dhatFileVersion, 2);
  assert.equal(doc.ftbl[0], '[root]');
  const stacks = doc.pps.map((pp: { fs: number[] }) => pp.fs.join(','));
  assert.equal(new Set(stacks).size, stacks.length, 'no two program points with one stack (dh_view rejects that)');
  const back = await loadProfile(out);
  sameTotals(original, back, ['allocated', 'allocations', 'peak', 'leaked']);
  assert.deepEqual(top3(back, 'leaked'), top3(original, 'leaked'));
});

test('folded and heapflame out; an output name without a known suffix is one clear error', async () => {
  const input = fixtureFile('dhat/heapdemo.dhat.json');
  const folded = readFileSync(convert(input, 'x.folded'), 'utf8');
  const sum = folded
    .trim()
    .split('\n')
    .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  assert.equal(sum, 1_121_016, 'the first cost, allocated bytes');
  const again = await loadProfile(convert(input, 'x.heapflame'));
  assert.equal(again.totals.peak, 1_049_600);
  const r = runCli(['convert', input, '-o', join(files.dir, 'x.txt')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\.pb\.gz.*\.speedscope\.json.*\.dhat\.json/);
});

test('property: any speedscope document is a profile or one HeapflameError', () => {
  const base = JSON.parse(
    renderSpeedscope({
      meta: { format: 't' },
      costs: [{ id: 'allocated', unit: 'bytes', label: 'allocated bytes', description: '' }],
      frames: [
        { name: 'main', file: 'a.js', line: 1, module: '', address: '', inlined: false },
        { name: 'f', file: 'a.js', line: 5, module: '', address: '', inlined: false },
      ],
      nodeParent: Int32Array.from([-1, 0, 1]),
      nodeFrame: Int32Array.from([-1, 0, 1]),
      nodeCount: 3,
      sampleNode: Int32Array.from([2]),
      values: [Float64Array.from([10])],
      sampleCount: 1,
      totals: {},
      warnings: [],
    }),
  );
  base.profiles.push({
    type: 'evented',
    name: 'time',
    unit: 'milliseconds',
    startValue: 0,
    endValue: 4,
    events: [
      { type: 'O', at: 0, frame: 0 },
      { type: 'O', at: 1, frame: 1 },
      { type: 'C', at: 3, frame: 1 },
      { type: 'C', at: 4, frame: 0 },
    ],
  });
  const evented = profileFromSpeedscope(structuredClone(base), 'x');
  assert.equal(evented.totals.time, 4, 'evented: the time between events goes to the open stack');
  const anyValue = fc.oneof(
    fc.integer({ min: -2, max: 5 }),
    fc.double(),
    fc.string(),
    fc.constant(null),
    fc.array(fc.integer({ min: -1, max: 3 }), { maxLength: 4 }),
    fc.object({ maxDepth: 1 }),
  );
  const paths = [
    'shared',
    'shared.frames',
    'shared.frames.0',
    'profiles',
    'profiles.0',
    'profiles.0.type',
    'profiles.0.samples',
    'profiles.0.samples.0',
    'profiles.0.weights',
    'profiles.1.events',
    'profiles.1.events.1',
    'profiles.1.events.1.frame',
  ];
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom(...paths), anyValue), { maxLength: 3 }), (edits) => {
      const doc = structuredClone(base) as Record<string, unknown>;
      for (const [path, value] of edits) {
        const keys = path.split('.');
        let at: Record<string, unknown> = doc;
        for (const k of keys.slice(0, -1)) {
          if (typeof at[k] !== 'object' || at[k] === null) return;
          at = at[k] as Record<string, unknown>;
        }
        at[keys[keys.length - 1]] = value;
      }
      try {
        const p = profileFromSpeedscope(doc, 'x');
        for (let i = 0; i < p.sampleCount; i++) assert.ok(p.sampleNode[i] < p.nodeCount);
      } catch (e) {
        assert.ok(e instanceof HeapflameError, String(e));
      }
    }),
    { numRuns: 400 },
  );
});

test('property: speedscope output in pieces is exactly JSON.stringify of the document', () => {
  const costs = [
    { id: 'allocated', unit: 'bytes', label: 'allocated bytes', description: '' },
    { id: 'allocations', unit: 'count', label: 'allocations', description: '' },
  ] as const;
  const frame = (name: string, line: number) => ({
    name,
    file: name ? 'a "q".js' : '',
    line,
    module: '',
    address: '1f',
    inlined: false,
  });
  const value = fc.oneof(fc.double({ noNaN: false }), fc.integer({ min: -5, max: 1e6 }), fc.constant(0));
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.string({ maxLength: 8 }), fc.nat(40)), { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(30), { maxLength: 60 }),
      fc.array(fc.tuple(fc.nat(60), value, value), { maxLength: 40 }),
      (frameSpecs, parents, samples) => {
        const frames = frameSpecs.map(([n, l]) => frame(n, l));
        // node n's parent is an earlier node: parents first, as every profile has them
        const nodeCount = parents.length + 1;
        const nodeParent = Int32Array.from([-1, ...parents.map((p, i) => p % (i + 1))]);
        const nodeFrame = Int32Array.from([-1, ...parents.map((_, i) => i % frames.length)]);
        const p: Profile = {
          meta: { format: 't' },
          costs: [...costs],
          frames,
          nodeParent,
          nodeFrame,
          nodeCount,
          sampleNode: Int32Array.from(samples.map(([n]) => n % nodeCount)),
          values: [Float64Array.from(samples.map((s) => s[1])), Float64Array.from(samples.map((s) => s[2]))],
          sampleCount: samples.length,
          totals: {},
          warnings: [],
        };
        const expected = JSON.stringify({
          $schema: 'https://www.speedscope.app/file-format-schema.json',
          shared: {
            frames: frames.map((f) => ({
              name: f.name || `0x${f.address}`,
              ...(f.file && { file: f.file }),
              ...(f.line > 0 && { line: f.line }),
            })),
          },
          profiles: costs.map((cost, c) => {
            const kept = samples.map((_, i) => i).filter((i) => p.values[c][i] > 0);
            return {
              type: 'sampled',
              name: cost.label === cost.id ? cost.id : `${cost.label} (${cost.id})`,
              unit: cost.unit === 'bytes' ? 'bytes' : 'none',
              startValue: 0,
              endValue: kept.reduce((a, i) => a + p.values[c][i], 0),
              samples: kept.map((i) => stackOf(p, p.sampleNode[i])),
              weights: kept.map((i) => p.values[c][i]),
            };
          }),
          name: 'heapflame',
          activeProfileIndex: 0,
          exporter: 'heapflame',
        });
        assert.equal(renderSpeedscope(p), expected);
      },
    ),
    { numRuns: 300 },
  );
});
