import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { diffProfiles } from '../../src/analyze/diff.js';
import { encodeHeapflame } from '../../src/export/heapflame.js';
import { foldedChunks } from '../../src/export/folded.js';
import { renderDhat } from '../../src/export/dhat.js';
import { renderHtml } from '../../src/export/html.js';
import { encodePprof } from '../../src/export/pprof.js';
import { renderJsonReport } from '../../src/export/report-json.js';
import { renderTextReport } from '../../src/export/report-text.js';
import { renderSpeedscope } from '../../src/export/speedscope.js';
import { renderSvg } from '../../src/export/svg.js';
import { loadProfile } from '../../src/load.js';
import { HeapflameError } from '../../src/model/errors.js';
import { bytehoundFile, ev } from '../helpers/bytehound-encoder.js';
import {
  deepBytehound,
  deepDhat,
  deepFolded,
  deepHeapflame,
  deepHeaptrack,
  deepPprof,
  deepSpeedscope,
  deepV8,
} from '../helpers/deep-inputs.js';
import { heapSnapshotJson } from '../helpers/heap-snapshots.js';
import { fixture, fixtureBytes, tempFiles, zstdText } from '../helpers/paths.js';

/**
 * Every reader against hostile bytes: truncations, bit flips and random bytes behind the
 * format's own opening, then the whole way out (report, JSON, folded; every few cases SVG, HTML
 * and every converted format). The only acceptable failure is one HeapflameError (exit 2); any
 * other error, or a case that takes over 20 s, fails. A stack of 100 000 distinct frames in each
 * format goes through every output. 1,000 cases per reader.
 */

const files = tempFiles('hostile');
after(files.remove);
const RUNS = 1000;

/** Valid files of each format, as the tools that make them write them. */
const SEEDS: Record<string, Buffer> = {
  heaptrack: Buffer.from(zstdText(fixture('heaptrack.leaks.zst')), 'latin1'),
  'heaptrack (zstd)': fixtureBytes('heaptrack/heaptrack.leaks.zst'),
  folded: fixtureBytes('folded/perf-example.folded').subarray(0, 20_000),
  DHAT: fixtureBytes('dhat/heapdemo.dhat.json'),
  'V8 heap profile': fixtureBytes('v8/default.heapprofile'),
  pprof: fixtureBytes('pprof/dd_heap.pb.gz'),
  'pprof (not gzipped)': gunzipSync(fixtureBytes('pprof/dd_heap.pb.gz')),
  Bytehound: bytehoundFile([
    ev.header({ initialUs: 1000, cmdline: 'prog' }),
    ev.backtrace(1, [0x401000, 0x402000]),
    ev.string(1, 'main'),
    ev.allocEx([1, 0], 1010, { pointer: 0x1000, size: 64, backtrace: 1 }),
    ev.allocEx([1, 1], 1020, { pointer: 0x2000, size: 128, backtrace: 1 }),
    ev.freeEx([1, 0], 1030, 0x1000),
  ]),
  'V8 heap snapshot': Buffer.from(
    heapSnapshotJson([
      { type: 'synthetic', name: '', size: 0, edges: [['element', 1, 1]] },
      {
        type: 'synthetic',
        name: '(GC roots)',
        size: 0,
        edges: [
          ['property', 'cache', 2],
          ['weak', 'w', 3],
        ],
      },
      {
        type: 'object',
        name: 'Map',
        size: 32,
        edges: [
          ['internal', 'table', 3],
          ['shortcut', 's', 4],
        ],
      },
      {
        type: 'array',
        name: '(object elements)',
        size: 64,
        edges: [
          ['element', 0, 4],
          ['element', 1, 2],
        ],
      },
      { type: 'string', name: 'a "quoted" \\ name', size: 24 },
    ]),
  ),
};
// heapflame's own format and speedscope, written by heapflame from a real recording
const leaks = await loadProfile(fixture('heaptrack.leaks.zst'));
SEEDS.heapflame = encodeHeapflame(leaks);
SEEDS.speedscope = Buffer.from(renderSpeedscope(leaks));

/** What a hostile input may do: give a profile (maybe with warnings) or one HeapflameError. */
async function throughEveryOutput(bytes: Buffer, label: string, everything: boolean): Promise<void> {
  const file = files.file(bytes);
  try {
    await withDeadline(20_000, async () => {
      // with every output, the lifetimes too (the HTML report's time ranges)
      const p = await loadProfile(file, { input: { chunkBytes: 4096 }, lifetimes: everything });
      renderTextReport(p);
      renderJsonReport(p);
      for (const c of p.costs) for (const _ of foldedChunks(p, { cost: c.id }));
      if (!everything || p.costs.length === 0) return;
      renderSvg(p);
      renderHtml(p);
      encodePprof(p);
      renderSpeedscope(p);
      renderDhat(p);
      encodeHeapflame(p);
      renderSvg(diffProfiles(p, p));
    });
  } catch (e) {
    if (e instanceof HeapflameError) return;
    const saved = `${file}.failure`;
    writeFileSync(saved, bytes);
    throw new Error(`${label}: internal error on a generated input (kept as ${saved}): ${(e as Error)?.stack ?? e}`);
  }
}

async function withDeadline(ms: number, run: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer after ${ms} ms (a hang)`)), ms)),
  );
  try {
    await Promise.race([run(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The seed damaged one way: cut short, bits flipped, or random bytes after its first ones. */
const damage = (seed: Buffer) =>
  fc.oneof(
    fc.nat({ max: seed.length }).map((cut) => seed.subarray(0, cut)),
    fc
      .array(fc.tuple(fc.nat({ max: seed.length - 1 }), fc.integer({ min: 0, max: 7 })), {
        minLength: 1,
        maxLength: 16,
      })
      .map((flips) => {
        const out = Buffer.from(seed);
        for (const [at, bit] of flips) out[at] ^= 1 << bit;
        return out;
      }),
    fc
      .tuple(fc.integer({ min: 1, max: 16 }), fc.uint8Array({ maxLength: 2048 }))
      .map(([keep, rest]) => Buffer.concat([seed.subarray(0, keep), rest])),
  );

for (const [format, seed] of Object.entries(SEEDS)) {
  test(`hostile ${format}: truncations, bit flips, random bytes: a profile or one clear error, never an internal one`, {
    timeout: 600_000,
  }, async () => {
    let n = 0;
    await fc
      .assert(
        fc.asyncProperty(damage(seed), (bytes) => throughEveryOutput(bytes, format, n++ % 16 === 0)),
        { numRuns: RUNS },
      )
      // fast-check keeps the error as the cause, which node:test does not print
      .catch((e: Error) => {
        throw new Error(`${e.message.split('\nCounterexample')[0]}\n${(e.cause as Error)?.message ?? ''}`);
      });
  });
}

const DEPTH = 100_000;
const DEEP: Record<string, () => Buffer> = {
  heaptrack: () => deepHeaptrack(DEPTH),
  folded: () => deepFolded(DEPTH),
  DHAT: () => deepDhat(DEPTH),
  'V8 heap profile': () => deepV8(DEPTH),
  pprof: () => deepPprof(DEPTH),
  heapflame: () => deepHeapflame(DEPTH),
  speedscope: () => deepSpeedscope(DEPTH),
  Bytehound: () => deepBytehound(DEPTH),
};

for (const [format, make] of Object.entries(DEEP)) {
  test(`a ${format} stack of ${DEPTH.toLocaleString('en')} distinct frames goes through every output`, {
    timeout: 120_000,
  }, async () => {
    const bytes = make();
    await throughEveryOutput(bytes, format, true);
    const p = await loadProfile(files.file(bytes));
    const deepest = Math.max(
      ...Array.from({ length: p.sampleCount }, (_, i) => depthOf(p.nodeParent, p.sampleNode[i])),
    );
    assert.ok(deepest >= DEPTH, `the stack is whole: ${deepest} frames`);
  });
}

function depthOf(parent: Int32Array, node: number): number {
  let d = 0;
  for (let n = node; n > 0; n = parent[n]) d++;
  return d;
}
