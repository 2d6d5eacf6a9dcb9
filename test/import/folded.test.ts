import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { importFolded } from '../../src/import/folded/importer.js';
import { HeapflameError } from '../../src/model/errors.js';
import { type Profile, stackOf } from '../../src/model/profile.js';
import { fixtureFile, tempFiles } from '../helpers/paths.js';

/** Folded stacks in: flamegraph.pl's merge, its count grammar, hostile bytes. */

const files = tempFiles('folded', '.folded');
after(files.remove);
const temp = files.file;

/** stack → value per cost, from the profile. */
function stacks(p: Profile): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (let i = 0; i < p.sampleCount; i++) {
    const key = stackOf(p, p.sampleNode[i])
      .map((f) => p.frames[f].name)
      .join(';');
    out.set(
      key,
      p.values.map((col) => col[i]),
    );
  }
  return out;
}

test('the shared synthetic input merges into the node count flamegraph.pl reports', async () => {
  // fixtures/folded: 1,000 stacks, total 20,884, 22,037 merged nodes (reference table 8.2)
  const p = await importFolded(fixtureFile('folded/small-1k.folded'));
  assert.equal(p.nodeCount - 1, 22_037);
  assert.equal(p.totals.samples, 20_884);
  assert.equal(p.sampleCount, 1000);
  assert.deepEqual(p.warnings, []);
  // names with < > & and spaces survive as they are
  assert.ok(p.frames.some((f) => f.name.includes('<impl Future<Output = ()>>')));
  assert.ok(p.frames.some((f) => f.name.endsWith('_[k]')));
});

test('the real perf profile: totals and stacks', async () => {
  const p = await importFolded(fixtureFile('folded/perf-example.folded'));
  assert.equal(p.sampleCount, 710);
  assert.equal(p.totals.samples, 1315);
  assert.deepEqual(stacks(p).get('java;[unknown];[unknown];[libpthread-2.19.so];system_call_after_swapgs'), [6]);
});

test('grammar: fractional counts, spaces in names, identical stacks add up, trailing ;', async () => {
  const p = await importFolded(
    temp(
      ['a;b c;d 1.5', 'a;b c;d 2', 'a;b c 3', 'main (leaks.c);leak_small (leaks.c); 10', '\r', 'x;y\t7\r', ''].join(
        '\n',
      ),
    ),
  );
  const s = stacks(p);
  assert.deepEqual(s.get('a;b c;d'), [3.5]);
  assert.deepEqual(s.get('a;b c'), [3]);
  assert.deepEqual(s.get('main (leaks.c);leak_small (leaks.c)'), [10]);
  assert.deepEqual(s.get('x;y'), [7]);
  assert.equal(p.totals.samples, 23.5);
});

test('two count columns: before and after (difffolded.pl output)', async () => {
  const p = await importFolded(temp('a;b 10 14\na;c 5 0\nd 0 3\n'));
  assert.deepEqual(
    p.costs.map((c) => c.id),
    ['before', 'after'],
  );
  assert.deepEqual(stacks(p).get('a;b'), [10, 14]);
  assert.deepEqual(stacks(p).get('a;c'), [5, 0]);
  assert.equal(p.totals.before, 15);
  assert.equal(p.totals.after, 17);
});

test('bad lines are counted with their line numbers; no stacks at all is an error', async () => {
  const p = await importFolded(temp('a;b 1\nno count here\n;\nc;d 2\nx;y -3\n'));
  assert.equal(p.totals.samples, 3);
  assert.equal(p.warnings.length, 3);
  assert.match(p.warnings[0], /:2: ignored, expected "stack count": no count here/);
  for (const [bad, re] of [
    ['', /file is empty/],
    ['hello\nworld\n', /no stacks: expected folded lines/],
    ['   \n', /no stacks/],
  ] as const) {
    await assert.rejects(importFolded(temp(bad)), (e: unknown) => e instanceof HeapflameError && re.test(e.message));
  }
});

test('a line over the length limit is skipped whole, the lines around it kept', async () => {
  const long = Buffer.alloc(17 << 20, 0x61); // 17 MiB of "a", no newline
  const p = await importFolded(files.file(Buffer.concat([Buffer.from('x;y 1\n'), long, Buffer.from(' 5\nx;z 2\n')])));
  assert.deepEqual(
    [...stacks(p).entries()],
    [
      ['x;y', [1]],
      ['x;z', [2]],
    ],
  );
  assert.equal(p.warnings.length, 1);
  assert.match(p.warnings[0], /:2: line longer than/);
});

test('invalid UTF-8 and control bytes never abort (flamegraph.pl dies on them)', async () => {
  const p = await importFolded(temp(Buffer.from([0x61, 0x3b, 0xff, 0xfe, 0x01, 0x62, 0x20, 0x35, 0x0a])));
  const [name] = [...stacks(p).keys()];
  assert.equal(name, 'a;\ufffd\ufffd\u0001b');
  assert.equal(p.totals.samples, 5);
});

test('property: any lines, any chunking: totals equal the sum of valid counts', async () => {
  const frame = fc.stringMatching(/^[a-z<>& :_[\]]{1,8}$/);
  const line = fc.tuple(fc.array(frame, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 1000 }));
  await fc.assert(
    fc.asyncProperty(
      fc.array(line, { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 64 }),
      async (lines, chunk) => {
        const text = `${lines.map(([fs, c]) => `${fs.join(';')} ${c}`).join('\n')}\n`;
        const want = new Map<string, number>();
        for (const [fs, c] of lines) {
          // only the white space before the count separates; a frame of spaces is a frame
          const key = fs.join(';').replace(/\s+$/, '');
          const frames = key.split(';').filter((f) => f.length > 0);
          if (frames.length === 0) continue;
          const k = frames.join(';');
          want.set(k, (want.get(k) ?? 0) + c);
        }
        if (want.size === 0) {
          // not one stack in the file: one clear error
          await assert.rejects(importFolded(temp(text), { input: { chunkBytes: chunk } }), /no stacks/);
          return;
        }
        const p = await importFolded(temp(text), { input: { chunkBytes: chunk } });
        let total = 0;
        for (const v of want.values()) total += v;
        assert.equal(p.totals.samples, total);
      },
    ),
    { numRuns: 400 },
  );
});

/** The whole profile as plain data, to compare two imports. */
function plain(p: Profile) {
  return {
    frames: p.frames.map((f) => f.name),
    parent: [...p.nodeParent],
    frame: [...p.nodeFrame],
    samples: [...p.sampleNode],
    values: p.values.map((v) => [...v]),
  };
}

test('property: the WebAssembly stack loop builds the same profile as the JavaScript one', async () => {
  // any bytes but the separators, names across the 8-byte word edges, few distinct names so
  // that they repeat, and invalid UTF-8 that decodes to the same text from different bytes
  const separator = (b: number) => b === 0x3b || b === 0x0a || b === 0x20 || b === 0x09 || b === 0x0d;
  const name = fc
    .uint8Array({ minLength: 0, maxLength: 20 })
    .map((a) => Buffer.from(a.map((b) => (separator(b) ? 0x61 : b))));
  const names = fc.array(
    fc.oneof(
      name,
      fc.constantFrom(Buffer.from([0xff]), Buffer.from([0xfe]), Buffer.from('a'), Buffer.from('abcdefgh')),
    ),
    { minLength: 1, maxLength: 12 },
  );
  const line = fc.tuple(fc.array(fc.nat(11), { minLength: 1, maxLength: 10 }), fc.integer({ min: 1, max: 99 }));
  await fc.assert(
    fc.asyncProperty(
      names,
      fc.array(line, { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 1, max: 80 }),
      async (pool, lines, chunk) => {
        const text = Buffer.concat(
          lines.map(([ids, c]) =>
            Buffer.concat([
              Buffer.concat(
                ids.flatMap((i, k) => (k ? [Buffer.from(';'), pool[i % pool.length]] : [pool[i % pool.length]])),
              ),
              Buffer.from(` ${c}\n`),
            ]),
          ),
        );
        const file = temp(text);
        const imports = [true, false].map((wasm) =>
          importFolded(file, { wasm, input: { chunkBytes: chunk } }).then(plain, (e: Error) => e.message),
        );
        const [viaWasm, viaJs] = await Promise.all(imports);
        assert.deepEqual(viaWasm, viaJs);
      },
    ),
    { numRuns: 300 },
  );
});

test('the WebAssembly loop past its first blocks: 100 k nodes, 3000 names', async () => {
  const lines: string[] = [];
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % 3000;
  for (let i = 0; i < 4000; i++)
    lines.push(`${Array.from({ length: 30 }, () => `fn_${next()}::with::a::longer::name`).join(';')} ${i + 1}`);
  const file = temp(`${lines.join('\n')}\n`);
  const [viaWasm, viaJs] = await Promise.all([true, false].map((wasm) => importFolded(file, { wasm }).then(plain)));
  assert.ok(viaWasm.parent.length > 100_000, `${viaWasm.parent.length} nodes`);
  assert.ok(viaWasm.frames.length > 2900);
  assert.deepEqual(viaWasm, viaJs);
});
