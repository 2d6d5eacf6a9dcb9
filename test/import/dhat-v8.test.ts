import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { topEntries } from '../../src/analyze/top.js';
import { parseDhatFrame, profileFromDhat } from '../../src/import/dhat.js';
import { profileFromV8 } from '../../src/import/v8.js';
import { loadProfile } from '../../src/load.js';
import { HeapflameError } from '../../src/model/errors.js';
import type { Profile } from '../../src/model/profile.js';
import { fixtureFile, FIXTURES, runCli, tempFiles } from '../helpers/paths.js';

/** DHAT JSON v2 and V8 heap profiles in: Valgrind's and V8's own totals, hostile files rejected cleanly. */

const DHAT = join(FIXTURES, 'dhat');
const V8 = join(FIXTURES, 'v8');
const files = tempFiles('dhat-v8', '.json');
after(files.remove);

const leafNames = (p: Profile, cost: string, n: number) =>
  topEntries(p, cost, { limit: n }).map((e) => p.frames[e.frame].name);

test('DHAT heap mode: the totals are the lines Valgrind printed', async () => {
  const r = runCli(['report', join(DHAT, 'heapdemo.dhat.json'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  // "Total: 1,121,016 bytes in 1,041 blocks · At t-gmax: 1,049,600 bytes · At t-end: 1,024 bytes"
  assert.deepEqual(
    {
      allocatedBytes: j.summary.allocatedBytes,
      allocations: j.summary.allocations,
      peakBytes: j.summary.peakBytes,
      leakedBytes: j.summary.leakedBytes,
    },
    { allocatedBytes: 1_121_016, allocations: 1041, peakBytes: 1_049_600, leakedBytes: 1024 },
  );
  const total = (id: string) => j.costs.find((c: { id: string }) => c.id === id).total;
  assert.equal(total('reads'), 30_592);
  // Valgrind's clock counts instructions: no rate per second, no run time
  const text = runCli(['report', join(DHAT, 'heapdemo.dhat.json')]).stdout;
  assert.match(text, /^calls to allocation functions: 1041$/m);
  assert.doesNotMatch(text, /\/s\)|total runtime/);
  assert.equal(total('writes'), 1_116_912);
  const p = await loadProfile(join(DHAT, 'heapdemo.dhat.json'));
  // the allocation function is the leaf, its callers above it
  assert.deepEqual(leafNames(p, 'leaked', 1), ['malloc']);
  const leak = topEntries(p, 'leaked', { limit: 1 })[0].stacks[0].node;
  assert.equal(p.frames[p.nodeFrame[p.nodeParent[leak]]].name, 'leak_never_freed');
  assert.equal(p.frames[p.nodeFrame[p.nodeParent[leak]]].line, 25);
});

test('DHAT copy, ad-hoc and dhat-rs shapes: their own units, µs time', async () => {
  const copy = await loadProfile(join(DHAT, 'dhat-copy.json'));
  assert.deepEqual(
    copy.costs.map((c) => c.id),
    ['copied', 'copies'],
  );
  assert.equal(copy.totals.copied, 10_526);
  const adhoc = await loadProfile(join(DHAT, 'dhat-ad-hoc.json'));
  assert.deepEqual(
    adhoc.costs.map((c) => c.id),
    ['units', 'events'],
  );
  assert.deepEqual([adhoc.totals.units, adhoc.totals.events], [11_240, 1001]);
  const rs = await loadProfile(join(DHAT, 'synthetic-dhat-rs-style.json'));
  assert.deepEqual(
    [rs.totals.allocated, rs.totals.allocations, rs.totals.peak, rs.totals.leaked],
    [1642, 14, 1432, 32],
  );
  assert.ok(!rs.costs.some((c) => c.id === 'reads'), 'no access data in dhat-rs files');
  assert.equal(rs.meta.durationMs, 0.958);
});

test('DHAT frame table entries: function, file and line, module, address, C++ names', () => {
  assert.deepEqual(parseDhatFrame('0x1093C3: leak_never_freed (heapdemo.c:25)'), {
    name: 'leak_never_freed',
    file: 'heapdemo.c',
    line: 25,
    module: '',
    address: '1093c3',
    inlined: false,
  });
  assert.deepEqual(parseDhatFrame('0x48417B4: malloc (in /usr/lib/x.so)').module, '/usr/lib/x.so');
  assert.deepEqual(parseDhatFrame('0x55d1: alloc::vec::from_elem (src/vec/mod.rs:2527:5)').line, 2527);
  assert.equal(
    parseDhatFrame('0x1: std::vector<int>::push_back(int const&) (vector.h:12)').name,
    'std::vector<int>::push_back(int const&)',
  );
  assert.equal(parseDhatFrame('0x10: ???').name, '');
});

test('V8 heap profiles: the bytes in use are the sum of selfSize, per function, named as in use (not leaked)', async () => {
  // fixtures README: makeMidLived 36.51 MiB, makeLeak 3.00 MiB in default.heapprofile
  const p = await loadProfile(join(V8, 'default.heapprofile'));
  assert.deepEqual(
    p.costs.map((c) => `${c.id}: ${c.label}`),
    ['inuse: in-use bytes'],
  );
  const by = (name: string) =>
    topEntries(p, 'inuse', { limit: 10 }).find((e) => p.frames[e.frame].name === name)!.value;
  assert.equal((by('makeMidLived') / 1048576).toFixed(2), '36.51');
  assert.equal((by('makeLeak') / 1048576).toFixed(2), '3.00');
  assert.equal((p.totals.inuse / 1048576).toFixed(2), '41.03');
  const big = await loadProfile(fixtureFile('v8/i512.heapprofile'));
  assert.deepEqual(leafNames(big, 'inuse', 2), ['makeMidLived', 'makeLeak']);
  // the inspector's answer, wrapped in {profile}, reads the same
  const wrapped = files.file(
    JSON.stringify({
      profile: JSON.parse((await import('node:fs')).readFileSync(join(V8, 'default.heapprofile'), 'utf8')),
    }),
  );
  assert.equal((await loadProfile(wrapped)).totals.inuse, p.totals.inuse);
  const report = runCli(['report', join(V8, 'default.heapprofile')]);
  // what to look at first: the function holding most of it, then the sections
  assert.match(
    report.stdout,
    /^FINDINGS\n1\. in use: makeMidLived: 36\.5 MiB of 41\.0 MiB in-use bytes \(89\.0%\)\n(?:\d+\. .*\n)*\nMEMORY IN USE AT THE END\n/,
  );
  assert.match(report.stdout, /^memory in use at the end: 41\.0 MiB$/m);
  assert.doesNotMatch(report.stdout, /MEMORY LEAKS|memory leaked|leaked from/);
});

test('an unknown JSON file is exit 2 with the formats tried', () => {
  const r = runCli(['report', files.file('{"hello": 1}\n')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /tried: heaptrack.*DHAT.*V8 heap profile/);
});

test('property: any DHAT or V8 document is a profile or one HeapflameError', () => {
  const anyValue = fc.oneof(
    fc.integer({ min: -2, max: 5 }),
    fc.double(),
    fc.string(),
    fc.constant(null),
    fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 4 }),
    fc.object({ maxDepth: 1 }),
  );
  const dhat = {
    dhatFileVersion: 2,
    mode: 'heap',
    verb: 'Allocated',
    bklt: true,
    bkacc: false,
    tu: 'instrs',
    Mtu: 'Minstr',
    tuth: 500,
    cmd: 'x',
    pid: 1,
    te: 10,
    tg: 5,
    pps: [{ tb: 8, tbk: 1, tl: 2, mb: 8, mbk: 1, gb: 8, gbk: 1, eb: 0, ebk: 0, fs: [1, 2] }],
    ftbl: ['[root]', '0x1: f (a.c:1)', '0x2: main (a.c:9)'],
  };
  const v8 = {
    head: {
      callFrame: { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 },
      id: 1,
      selfSize: 0,
      children: [
        {
          callFrame: { functionName: 'f', url: 'file:///a.js', lineNumber: 1, columnNumber: 0 },
          id: 2,
          selfSize: 64,
          children: [],
        },
      ],
    },
    samples: [{ size: 64, nodeId: 2, ordinal: 1 }],
  };
  const edit = (base: object, paths: string[]) =>
    fc.array(fc.tuple(fc.constantFrom(...paths), anyValue), { maxLength: 3 }).map((edits) => {
      const doc = structuredClone(base) as Record<string, unknown>;
      for (const [path, value] of edits) {
        const keys = path.split('.');
        let at: Record<string, unknown> = doc;
        for (const k of keys.slice(0, -1)) {
          if (typeof at[k] !== 'object' || at[k] === null) return doc;
          at = at[k] as Record<string, unknown>;
        }
        at[keys[keys.length - 1]] = value;
      }
      return doc;
    });
  const check = (f: () => Profile) => {
    try {
      const p = f();
      for (let i = 0; i < p.sampleCount; i++) assert.ok(p.sampleNode[i] < p.nodeCount);
      for (const col of p.values) for (const v of col) assert.ok(Number.isFinite(v));
    } catch (e) {
      assert.ok(e instanceof HeapflameError, String(e));
    }
  };
  fc.assert(
    fc.property(
      edit(dhat, [
        'dhatFileVersion',
        'pps',
        'ftbl',
        'pps.0',
        'pps.0.fs',
        'pps.0.tb',
        'pps.0.gb',
        'ftbl.1',
        'mode',
        'verb',
        'bklt',
      ]),
      (doc) => check(() => profileFromDhat(doc, 'x.json')),
    ),
    { numRuns: 400 },
  );
  fc.assert(
    fc.property(
      edit(v8, [
        'head',
        'head.id',
        'head.callFrame',
        'head.children',
        'head.children.0',
        'head.children.0.selfSize',
        'head.children.0.id',
        'head.children.0.callFrame.url',
        'samples',
      ]),
      (doc) => check(() => profileFromV8(doc, 'x.json')),
    ),
    { numRuns: 400 },
  );
});
