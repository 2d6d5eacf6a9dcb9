import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { topEntries } from '../../src/analyze/top.js';
import { importBytehound } from '../../src/import/bytehound.js';
import { decodeLz4Block } from '../../src/import/io/lz4-block.js';
import { loadProfile } from '../../src/load.js';
import { HeapflameError } from '../../src/model/errors.js';
import { stackOf, type Profile } from '../../src/model/profile.js';
import { bytehoundFile, ev } from '../helpers/bytehound-encoder.js';
import { runCli, tempFiles } from '../helpers/paths.js';

/**
 * Bytehound .dat files. No real capture can be made here (Bytehound needs a 2022 nightly Rust
 * toolchain), so the files are written by an encoder made from the format description
 * (test/helpers/bytehound-encoder.ts, with lz4js for LZ4), independent of the reader.
 */
const files = tempFiles('bytehound', '.dat');
after(files.remove);

const T0 = 1_000_000;
/** A raw capture: two stacks, temporaries, a leak, a realloc chain, a peak, region events. */
function rawCapture() {
  const events: Uint8Array[] = [
    ev.header({ initialUs: T0, cmdline: 'prog\0--serve' }),
    ev.wallClock(T0),
    ev.file64(T0, '/proc/self/maps', '00400000-00452000 r-xp 00000000 08:02 173521 /usr/bin/prog\n'),
    ev.environ('HOME=/root'),
    ev.addRegion(T0, 1, 0x7f0000000000, 2n ** 33n, '[anon:heap]'), // 9-byte varint length
    ev.backtrace(1, [0x401000, 0x402000, 0x403000]), // outermost first
    ev.backtrace(2, [0x401000, 0x404000]),
  ];
  let ts = T0;
  // 100 temporaries at stack 1: each freed right after it is made
  for (let i = 0; i < 100; i++) {
    events.push(ev.allocEx([1, i], (ts += 10), { pointer: 0x1000 + i * 64, size: 64, backtrace: 1 }));
    events.push(ev.freeEx([1, i], (ts += 10), 0x1000 + i * 64));
  }
  // 10 blocks of 1000 bytes at stack 2, kept: the leak
  for (let i = 0; i < 10; i++)
    events.push(ev.allocEx([2, i], (ts += 10), { pointer: 0x9000 + i * 1000, size: 1000, backtrace: 2 }));
  // a peak: 50 000 bytes at stack 1, then freed
  events.push(ev.allocEx([3, 0], (ts += 10), { pointer: 0x50000, size: 50_000, backtrace: 1 }));
  events.push(ev.marker(1));
  events.push(ev.freeEx([3, 0], (ts += 10), 0x50000));
  // a realloc chain at stack 2: 100 → 200 → 400 bytes, kept
  events.push(ev.allocEx([4, 0], (ts += 10), { pointer: 0x70000, size: 100, backtrace: 2 }));
  events.push(ev.reallocEx([4, 0], (ts += 10), 0x70000, { pointer: 0x71000, size: 200, backtrace: 2 }));
  events.push(ev.reallocEx([4, 0], (ts += 10), 0x71000, { pointer: 0x72000, size: 400, backtrace: 2 }));
  events.push(ev.updateRegionUsage(ts, 1, 0x7f0000000000, [4, 0, 0, 0, 8, 2 ** 30]));
  return { events, endUs: ts };
}

const EXPECTED = {
  allocations: 100 + 10 + 1 + 3,
  // the 100 temporaries, and the peak block too: nothing else was allocated before its free
  temporary: 101,
  leaked: 10 * 1000 + 400,
  // the highest total: the 10 000 bytes of the leak plus the 50 000-byte block
  peak: 60_000,
  allocated: 100 * 64 + 10 * 1000 + 50_000 + 100 + 200 + 400,
};

const totals = (p: Profile) => Object.fromEntries(Object.keys(EXPECTED).map((k) => [k, p.totals[k]]));

test('a raw capture: allocations, temporary, leaked, peak and allocated, any chunking, LZ4 or stored', async () => {
  const { events, endUs } = rawCapture();
  for (const options of [{}, { chunkBytes: 97 }, { chunkBytes: 13, stored: true }, { chunkBytes: 4096 }]) {
    const p = await loadProfile(files.file(bytehoundFile(events, options)));
    assert.deepEqual(totals(p), EXPECTED, JSON.stringify(options));
    assert.equal(p.meta.format, 'bytehound');
    assert.equal(p.meta.command, 'prog --serve');
    assert.equal(p.meta.durationMs, (endUs - T0) / 1000);
    assert.deepEqual(p.warnings, []);
  }
  const p = await loadProfile(files.file(bytehoundFile(events)));
  // stacks as written, outermost first; frames are addresses in a raw capture
  const leak = topEntries(p, 'leaked', { limit: 1 })[0];
  assert.deepEqual(
    stackOf(p, leak.stacks[0].node).map((f) => p.frames[f].address),
    ['401000', '404000'],
  );
  assert.equal(leak.value, 10_400);
});

test('a postprocessed file: names, sources, libraries and inlined frames from its decoded frames', async () => {
  const events = [
    ev.header({ initialUs: T0, cmdline: 'srv' }),
    ev.string(0, 'main'),
    ev.string(1, 'src/main.rs'),
    ev.string(2, '/usr/bin/srv'),
    ev.string(3, 'handle_get'),
    ev.string(4, 'Vec::reserve'),
    ev.decodedFrame({ address: 0x401000, library: 2, fn: 0, source: 1, line: 10 }),
    ev.decodedFrame({ address: 0x402000, library: 2, fn: 3, source: 1, line: 42 }),
    ev.decodedFrame({ address: 0x402000, library: 2, fn: 4, source: 1, line: 7, inline: true }),
    ev.decodedBacktrace([0, 1, 2]),
    ev.allocEx([1, 1], T0 + 5, { pointer: 0x1000, size: 512, backtrace: 0 }),
  ];
  const p = await importBytehound(files.file(bytehoundFile(events)));
  const leak = topEntries(p, 'leaked', { limit: 1 })[0];
  const frames = stackOf(p, leak.stacks[0].node).map((f) => p.frames[f]);
  assert.deepEqual(
    frames.map((f) => `${f.name} ${f.file}:${f.line} ${f.module}${f.inlined ? ' inlined' : ''}`),
    [
      'main src/main.rs:10 /usr/bin/srv',
      'handle_get src/main.rs:42 /usr/bin/srv',
      'Vec::reserve src/main.rs:7 /usr/bin/srv inlined',
    ],
  );
  assert.equal(p.totals.leaked, 512);
});

test('legacy Alloc, Realloc and Free (by pointer) count the same way', async () => {
  const events = [
    ev.header({ initialUs: T0, cmdline: 'old' }),
    ev.backtrace(7, [0x500000]),
    ev.alloc(T0 + 1, { pointer: 0x10, size: 32, backtrace: 7 }),
    ev.free(T0 + 2, 0x10),
    ev.alloc(T0 + 3, { pointer: 0x20, size: 100, backtrace: 7 }),
    ev.realloc(T0 + 4, 0x20, { pointer: 0x30, size: 300, backtrace: 7 }),
  ];
  const p = await loadProfile(files.file(bytehoundFile(events)));
  assert.deepEqual([p.totals.allocations, p.totals.temporary, p.totals.leaked, p.totals.allocated], [3, 1, 300, 432]);
});

test('damaged files: a cut file keeps what came before with a warning; no Header is one error', async () => {
  const { events } = rawCapture();
  const whole = bytehoundFile(events, { chunkBytes: 300 });
  const cut = await loadProfile(files.file(whole.subarray(0, Math.floor(whole.length * 0.6))));
  assert.ok(cut.totals.allocations > 0 && cut.totals.allocations < EXPECTED.allocations);
  assert.ok(
    cut.warnings.some((w) => /ends inside/.test(w)),
    cut.warnings.join('\n'),
  );
  const unknown = Buffer.concat([Buffer.concat(rawCapture().events.slice(0, 3)), Buffer.from([99, 0, 0, 0, 1, 2, 3])]);
  const stopped = await importBytehound(files.file(bytehoundFile([unknown], { stored: true })));
  assert.ok(stopped.warnings.some((w) => /unknown event tag 99/.test(w)));
  const r = runCli(['report', files.file(bytehoundFile([ev.marker(1), ev.marker(2)], { stored: true }))]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not a format heapflame reads|Header/);
});

test('LZ4 blocks of lz4js decode byte for byte; hostile blocks are errors, never writes outside', () => {
  const lz4 = createRequire(import.meta.url)('lz4js') as {
    compressBlock(s: Uint8Array, d: Uint8Array, a: number, n: number, h: Uint32Array): number;
    compressBound(n: number): number;
  };
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), fc.integer({ min: 1, max: 40 }), (data, repeat) => {
      const src = Buffer.concat(Array.from({ length: repeat }, () => data));
      const dst = new Uint8Array(lz4.compressBound(src.length));
      const n = lz4.compressBlock(src, dst, 0, src.length, new Uint32Array(1 << 16));
      if (n === 0) return;
      const { out, end } = decodeLz4Block(dst.subarray(0, n), new Uint8Array(16), 0, 1 << 24);
      assert.deepEqual(Buffer.from(out.subarray(0, end)), src);
    }),
    { numRuns: 100 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => {
      try {
        const { end } = decodeLz4Block(junk, new Uint8Array(8), 0, 4096);
        assert.ok(end <= 4096);
      } catch (e) {
        assert.ok(e instanceof Error);
      }
    }),
    { numRuns: 500 },
  );
});

test('property: any corruption of a recording is a profile with warnings or one HeapflameError', async () => {
  const whole = bytehoundFile(rawCapture().events, { chunkBytes: 200 });
  await fc.assert(
    fc.asyncProperty(fc.nat(whole.length - 1), fc.uint8Array({ minLength: 1, maxLength: 8 }), async (at, noise) => {
      const bytes = Buffer.from(whole);
      bytes.set(noise.subarray(0, bytes.length - at), at);
      try {
        const p = await importBytehound(files.file(bytes));
        for (let i = 0; i < p.sampleCount; i++) assert.ok(p.sampleNode[i] < p.nodeCount);
        for (const col of p.values) for (const v of col) assert.ok(Number.isFinite(v) && v >= 0);
      } catch (e) {
        assert.ok(e instanceof HeapflameError, String(e));
      }
    }),
    { numRuns: 300 },
  );
});
