import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { importHeaptrack } from '../../src/import/heaptrack/importer.js';
import { HeapflameError } from '../../src/model/errors.js';
import { fixture, zstdText } from '../helpers/paths.js';

/** Hostile input: every damaged file gives a result with warnings or one HeapflameError. */

const dir = mkdtempSync(join(tmpdir(), 'heapflame-damaged-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
function temp(data: Buffer | string): string {
  const p = join(dir, `f${counter++}`);
  writeFileSync(p, data);
  return p;
}

/** Imports and classifies the outcome; anything but a profile or a HeapflameError fails the test. */
async function outcome(path: string) {
  try {
    const profile = await importHeaptrack(path, { input: { chunkBytes: 4096 } });
    return { profile };
  } catch (e) {
    if (e instanceof HeapflameError) return { error: e };
    throw e;
  }
}

const SMALL = ['heaptrack.leaks.zst', 'heaptrack.cppfeatures.zst', 'synthetic/edgecases', 'heaptrack.s3sim.zst'];
const texts = SMALL.map((f) =>
  f.endsWith('.zst') ? Buffer.from(zstdText(fixture(f)), 'latin1') : readFileSync(fixture(f)),
);

test('truncated recordings (process killed mid-write) give partial results, never a crash', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: texts.length - 1 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      async (which, frac) => {
        const text = texts[which];
        const cut = Math.floor(text.length * frac);
        const r = await outcome(temp(text.subarray(0, cut)));
        if (r.error) {
          // only a cut inside the header line can leave nothing recognisable
          assert.ok(cut < text.indexOf(10) + 2 || cut === 0, `unexpected error at ${cut}: ${r.error.message}`);
        } else {
          assert.ok(r.profile.totals.allocations <= 1e7);
          assert.ok(r.profile.sampleCount >= 0);
          // a cut before heaptrack's closing line says so
          if (cut < text.lastIndexOf('# ips: '))
            assert.ok(
              r.profile.warnings.some((w) => /cut short, or the program is still running/.test(w)),
              `no warning at ${cut}`,
            );
        }
      },
    ),
    { numRuns: 150 },
  );
});

test('a whole recording has no warning; one without its closing lines says it was cut short', async () => {
  const whole = await outcome(fixture('heaptrack.leaks.zst'));
  assert.deepEqual(whole.profile?.warnings, []);
  const text = texts[0];
  const cut = await outcome(temp(text.subarray(0, text.lastIndexOf('# strings: '))));
  assert.deepEqual(cut.profile?.totals, whole.profile?.totals, 'every event was before the closing lines');
  assert.match(
    cut.profile!.warnings.join('\n'),
    /ends without heaptrack's closing lines \(# strings, # ips\): it was cut short, or the program is still running/,
  );
});

test('random byte corruption never crashes, hangs or floods warnings', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: texts.length - 1 }),
      fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 40,
      }),
      async (which, edits) => {
        const text = Buffer.from(texts[which]);
        for (const [at, byte] of edits) text[Math.floor(at * (text.length - 1))] = byte;
        const r = await outcome(temp(text));
        if (r.profile) {
          assert.ok(r.profile.warnings.length < 100, `${r.profile.warnings.length} warnings`);
          for (const col of r.profile.values) for (const v of col) assert.ok(Number.isFinite(v));
        }
      },
    ),
    { numRuns: 150 },
  );
});

test('arbitrary lines after a valid header are tolerated', async () => {
  const line = fc.oneof(
    fc.stringMatching(/^[-+atisRcXIASv#] [0-9a-f ]{0,30}$/),
    fc.string({ maxLength: 40 }).filter((s) => !s.includes('\n')),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(line, { maxLength: 60 }), async (lines) => {
      const r = await outcome(temp(['v 10400 3', 'X prog', 'I 1000 100', ...lines, ''].join('\n')));
      if (r.error) assert.match(r.error.message, /raw heaptrack recording|not supported/);
    }),
    { numRuns: 300 },
  );
});

test('truncated zstd and gzip streams: partial result, a warning naming where the data ends', async () => {
  // zstd decodes whole blocks (up to 128 KiB of text): cut a recording with many of them
  const zst = readFileSync(fixture('heaptrack.big_20k.zst'));
  const cutZst = temp(zst.subarray(0, Math.floor(zst.length * 0.6)));
  const a = await importHeaptrack(cutZst);
  assert.ok(a.totals.allocations > 0 && a.totals.allocations < 221076, String(a.totals.allocations));
  assert.ok(
    a.warnings.some((w) => /zstd data ends early/.test(w) && /line \d+/.test(w)),
    a.warnings.join('\n'),
  );

  const gz = gzipSync(texts[3]);
  const b = await importHeaptrack(temp(gz.subarray(0, Math.floor(gz.length * 0.5))));
  assert.ok(b.totals.allocations > 0 && b.totals.allocations < 8678);
  assert.ok(
    b.warnings.some((w) => /gzip data ends early/.test(w)),
    b.warnings.join('\n'),
  );
});

test('not a recording: one clear error naming the file and what was expected', async () => {
  const cases: [string, Buffer | string, RegExp][] = [
    ['empty', '', /file is empty/],
    [
      'text',
      'hello world\nthis is not heaptrack\n',
      /not a heaptrack recording: expected a first line "v <heaptrack version> <file format>", found "hello world"/,
    ],
    [
      'binary',
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
      /not a heaptrack recording.*binary data/,
    ],
    ['gzip of text', gzipSync('{"json": true}\n'), /not a heaptrack recording/],
    [
      'zstd garbage',
      Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(64, 7)]),
      /nothing could be decompressed: zstd data ends early or is corrupt/,
    ],
    ['format 0', 'v 10000\n', /file format 0/],
  ];
  for (const [name, data, re] of cases) {
    const r = await outcome(temp(data));
    assert.ok(r.error, `${name}: expected an error`);
    assert.match(r.error.toString(), re, name);
    assert.ok(r.error.where?.file, `${name}: names the file`);
  }
  const missing = await outcome(join(dir, 'does-not-exist.zst'));
  assert.match(missing.error!.toString(), /does-not-exist\.zst: file not found/);
  const directory = await outcome(dir);
  assert.match(directory.error!.toString(), /is a directory/);
});

test('raw recordings (heaptrack -r) are recognised and explained', async () => {
  for (const f of ['heaptrack.leaks_raw.raw.zst', 'heaptrack.cppfeatures_raw.raw.zst']) {
    const r = await outcome(fixture(f));
    assert.ok(r.error);
    assert.match(r.error.message, /raw heaptrack recording/);
    assert.match(r.error.message, /heaptrack_interpret/);
  }
});

test('hostile indices and shapes stay bounded', async () => {
  const lines = ['v 10400 3', 'X p', 'I 1000 100', 's 4 main', 'i 1 0 1', 't 1 0'];
  // forward and self references in the trace tree cannot form cycles
  lines.push('t 5 9', 't 3 3', 't 1 ffffffff', 'i 2 0 1 0 0 1 0 0 1 0 0 1 0 0');
  lines.push('a ffffffffffff ffffffff', 'a 10 1', 'a 20 2');
  for (let i = 0; i < 20000; i++) lines.push('+ ffffffff', '- 7fffffff', '+ 1', '- 1');
  const r = await outcome(temp(`${lines.join('\n')}\n`));
  assert.ok(r.profile);
  assert.equal(r.profile.totals.allocations, 20000);
  assert.equal(r.profile.totals.temporary, 20000);
  assert.ok(r.profile.warnings.length < 20, r.profile.warnings.join('\n'));
  assert.ok(r.profile.warnings.some((w) => /and \d+ more/.test(w)));
});

test('a line longer than the limit is skipped, not buffered without end', async () => {
  const head = 'v 10400 3\nX p\nI 1000 100\na 10 0\n+ 0\n';
  const big = Buffer.alloc(20 << 20, 0x61);
  const before = process.memoryUsage().arrayBuffers;
  const r = await outcome(temp(Buffer.concat([Buffer.from(`${head}s 14 `), big, Buffer.from('\n- 0\n')])));
  assert.ok(r.profile);
  assert.ok(r.profile.warnings.some((w) => /longer than/.test(w)));
  assert.equal(r.profile.totals.temporary, 1);
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 << 20);
});

test('every zstd decoder gives a partial result and a warning for a truncated stream', async () => {
  const zst = readFileSync(fixture('heaptrack.big_20k.zst'));
  const cut = temp(zst.subarray(0, zst.length - 1000));
  const results = [];
  for (const zstdDecoder of ['zstd-cli', 'fzstd'] as const) {
    const p = await importHeaptrack(cut, { input: { zstdDecoder } });
    assert.ok(p.warnings.length > 0, zstdDecoder);
    results.push(p.totals.allocations);
  }
  assert.ok(
    results.every((n) => n > 200000 && n < 221076),
    results.join(','),
  );

  // cut inside the first block: nothing decodes, and the error says so
  const tiny = await outcome(temp(readFileSync(fixture('heaptrack.s3sim.zst')).subarray(0, 5000)));
  assert.match(tiny.error!.message, /nothing could be decompressed/);
});
