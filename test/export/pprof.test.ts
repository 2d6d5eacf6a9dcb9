import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import fc from 'fast-check';
import {
  Function as F,
  Label,
  Line,
  Location,
  Profile as PprofProfile,
  Sample,
  StringTable,
  ValueType,
} from 'pprof-format';
import { topEntries } from '../../src/analyze/top.js';
import { encodePprof } from '../../src/export/pprof.js';
import { importPprof } from '../../src/import/pprof.js';
import { loadProfile } from '../../src/load.js';
import { HeapflameError } from '../../src/model/errors.js';
import { mainCost, type Profile, stackOf } from '../../src/model/profile.js';
import { fixture, fixtureBytes, fixtureFile, runCli, tempFiles } from '../helpers/paths.js';

/** pprof in and out: @datadog/pprof's files, round trips, and a decoding that is not our reader. */

const files = tempFiles('pprof', '.pb.gz');
after(files.remove);

/** protobuf wire format, read by hand: each top-level field as [number, bytes or varint]. */
function fields(buf: Uint8Array): [number, Uint8Array | bigint][] {
  const out: [number, Uint8Array | bigint][] = [];
  let i = 0;
  const varint = () => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const wire = key & 7;
    if (wire === 0) out.push([key >> 3, varint()]);
    else if (wire === 2) {
      const len = Number(varint());
      out.push([key >> 3, buf.subarray(i, i + len)]);
      i += len;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

test('@datadog/pprof heap file: in-use bytes per function as recorded, the main cost (the last sample type)', async () => {
  const p = await loadProfile(fixtureFile('pprof/dd_heap.pb.gz'));
  assert.deepEqual(
    p.costs.map((c) => `${c.id}/${c.unit}`),
    ['inuse_objects/count', 'inuse/bytes'],
  );
  assert.equal(mainCost(p).id, 'inuse');
  const by = (name: string) =>
    topEntries(p, 'inuse', { limit: 20 }).find((e) => p.frames[e.frame].name === name)!.value;
  // reference: makeLeak 4.43 MB, (external) 1.51 MB (MiB)
  assert.equal((by('makeLeak') / 1048576).toFixed(2), '4.43');
  assert.equal((by('(external)') / 1048576).toFixed(2), '1.51');
  const wall = await loadProfile(fixtureFile('pprof/dd_wall.pb.gz'));
  assert.deepEqual(
    wall.costs.map((c) => c.id),
    ['sample', 'wall'],
  );
});

test('heaptrack → pprof → report: every cost keeps its total and its top function', async () => {
  const recording = fixture('heaptrack.leaks.zst');
  const out = files.file('');
  const r = runCli(['convert', recording, '-o', out, '-q']);
  assert.equal(r.code, 0, r.stderr);
  const original = await loadProfile(recording);
  const back = await loadProfile(out);
  for (const c of original.costs) {
    assert.equal(back.totals[c.id], original.totals[c.id], c.id);
    const top = (p: typeof original) => topEntries(p, c.id, { limit: 3 }).map((e) => [p.frames[e.frame].name, e.value]);
    assert.deepEqual(top(back), top(original), c.id);
  }
});

test('the pprof written has the sample types, read by a protobuf walk of our own, not by the reader', async () => {
  const p = await loadProfile(fixture('heaptrack.leaks.zst'));
  const raw = gunzipSync(encodePprof(p));
  const top = fields(raw);
  const strings = top.filter(([n]) => n === 6).map(([, v]) => Buffer.from(v as Uint8Array).toString('utf8'));
  assert.equal(strings[0], '', 'string_table[0] is empty');
  const types = top
    .filter(([n]) => n === 1)
    .map(([, v]) => {
      const f = fields(v as Uint8Array);
      return `${strings[Number(f.find(([k]) => k === 1)![1])]}/${strings[Number(f.find(([k]) => k === 2)![1])]}`;
    });
  assert.deepEqual(types, ['allocations/count', 'temporary/count', 'leaked/bytes', 'peak/bytes', 'allocated/bytes']);
  assert.ok(top.filter(([n]) => n === 2).length > 0, 'samples');
  assert.ok(
    top.filter(([n]) => n === 4).length > 0 && top.filter(([n]) => n === 5).length > 0,
    'locations and functions',
  );
});

test('the first mapping is the recorded program (pprof tools name a profile by it), the default sample type the main cost', async () => {
  const firstMapping = (p: Profile) => {
    const raw = gunzipSync(encodePprof(p));
    const top = fields(raw);
    const strings = top.filter(([n]) => n === 6).map(([, v]) => Buffer.from(v as Uint8Array).toString('utf8'));
    const mapping = fields(top.find(([n]) => n === 3)![1] as Uint8Array);
    const defaultType = Number(top.find(([n]) => n === 14)?.[1] ?? 0);
    return {
      file: strings[Number(mapping.find(([k]) => k === 5)![1])],
      id: Number(mapping.find(([k]) => k === 1)![1]),
      defaultType: strings[defaultType],
    };
  };
  // a program whose frames are mostly in libraries: the program's own module first, not libc's
  const cpp = await loadProfile(fixture('heaptrack.cppfeatures.zst'));
  assert.ok(cpp.frames.some((f) => f.module.endsWith('libstdc++.so.6')));
  assert.deepEqual(firstMapping(cpp), { file: '/tmp/fixtures/src/cppfeatures', id: 1, defaultType: 'allocations' });
  // a program named relatively (src/big/big 20000) still finds its module
  assert.match(firstMapping(await loadProfile(fixture('heaptrack.big_20k.zst'))).file, /\/big$/);
  // a Node recording: no modules, the command's program
  const node = {
    ...cpp,
    meta: { format: 'node', command: 'node server.js' },
    frames: cpp.frames.map((f) => ({ ...f, module: '' })),
  };
  assert.equal(firstMapping(node).file, 'node');
});

test('inlined frames travel as lines of one location and come back inlined', async () => {
  const p = await loadProfile(fixture('heaptrack.cppfeatures.zst'));
  assert.ok(
    p.frames.some((f) => f.inlined),
    'the fixture has inlined frames',
  );
  const back = await importPprof(files.file(encodePprof(p)));
  // every stack with a value, frame by frame: name, line, and whether it was inlined
  const stacks = (x: typeof p) => {
    const out: string[] = [];
    for (let i = 0; i < x.sampleCount; i++) {
      if (x.values.every((col) => Math.round(col[i]) === 0)) continue;
      out.push(
        stackOf(x, x.sampleNode[i])
          .map(
            (f) =>
              `${x.frames[f].name || x.frames[f].address}:${x.frames[f].line}${x.frames[f].inlined ? ' (inlined)' : ''}`,
          )
          .join(';'),
      );
    }
    return out;
  };
  assert.deepEqual(stacks(back), stacks(p));
  assert.equal(back.totals.allocations, p.totals.allocations);
});

test('property: any bytes after a valid header are a profile or one HeapflameError', async () => {
  const valid = gunzipSync(fixtureBytes('pprof/dd_heap.pb.gz'));
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: valid.length }),
      fc.uint8Array({ maxLength: 64 }),
      fc.nat(valid.length),
      async (cut, noise, at) => {
        const bytes = Buffer.concat([valid.subarray(0, cut)]);
        bytes.set(noise.subarray(0, Math.max(0, bytes.length - at)), Math.min(at, bytes.length));
        try {
          const p = await importPprof(files.file(bytes));
          for (let i = 0; i < p.sampleCount; i++) assert.ok(p.sampleNode[i] < p.nodeCount);
        } catch (e) {
          assert.ok(e instanceof HeapflameError, String(e));
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('sample labels: read from pprof, kept through filters and heapflame files, written back', async () => {
  const st = new StringTable();
  const s = (x: string) => st.dedup(x);
  const pprof = new PprofProfile({
    sampleType: [new ValueType({ type: s('alloc_space'), unit: s('bytes') })],
    function: [new F({ id: 1, name: s('handler'), filename: s('app.js') })],
    location: [new Location({ id: 1, line: [new Line({ functionId: 1, line: 3 })] })],
    sample: [
      new Sample({
        locationId: [1],
        value: [100],
        label: [new Label({ key: s('route'), str: s('/objects/:key') }), new Label({ key: s('ordinal'), num: 7 })],
      }),
      new Sample({ locationId: [1], value: [50] }),
    ],
    stringTable: st,
  });
  const input = files.file(Buffer.from(pprof.encode()));
  const p = await loadProfile(input);
  assert.deepEqual(p.sampleLabels, [{ route: '/objects/:key', ordinal: 7 }, undefined]);
  // through the heapflame format and back to pprof
  const kept = await loadProfile(files.file((await import('../../src/export/heapflame.js')).encodeHeapflame(p)));
  assert.deepEqual(kept.sampleLabels, p.sampleLabels);
  const raw = gunzipSync(encodePprof(kept));
  const strings = fields(raw)
    .filter(([n]) => n === 6)
    .map(([, v]) => Buffer.from(v as Uint8Array).toString('utf8'));
  const sample = fields(raw)
    .filter(([n]) => n === 2)
    .map(([, v]) => fields(v as Uint8Array));
  const labels = sample[0].filter(([n]) => n === 3).map(([, v]) => fields(v as Uint8Array));
  assert.deepEqual(
    labels.map((l) => [
      strings[Number(l.find(([k]) => k === 1)![1])],
      l.find(([k]) => k === 2) ? strings[Number(l.find(([k]) => k === 2)![1])] : Number(l.find(([k]) => k === 3)![1]),
    ]),
    [
      ['route', '/objects/:key'],
      ['ordinal', 7],
    ],
  );
});

test('a Node recording names its sample types allocated/bytes, temporary/bytes, leaked/bytes, tasks/count', () => {
  const costs = (['allocated', 'temporary', 'leaked'] as const).map((id) => ({
    id,
    unit: 'bytes' as const,
    label: id,
    description: '',
  }));
  const p = {
    meta: { format: 'node', sampling: { intervalBytes: 131072, mode: 'alloc+liveness', precise: false } },
    costs: [...costs, { id: 'tasks', unit: 'count' as const, label: 'tasks', description: '' }],
    frames: [{ name: 'handler', file: '/app/server.js', line: 3, module: '', address: '', inlined: false }],
    nodeParent: Int32Array.from([-1, 0]),
    nodeFrame: Int32Array.from([-1, 0]),
    nodeCount: 2,
    sampleNode: Int32Array.from([1]),
    values: [Float64Array.of(1000), Float64Array.of(900), Float64Array.of(100), Float64Array.of(2)],
    sampleCount: 1,
    totals: {},
    warnings: [],
  };
  const raw = gunzipSync(encodePprof(p));
  const top = fields(raw);
  const strings = top.filter(([n]) => n === 6).map(([, v]) => Buffer.from(v as Uint8Array).toString('utf8'));
  const types = top
    .filter(([n]) => n === 1)
    .map(([, v]) =>
      fields(v as Uint8Array)
        .map(([, x]) => strings[Number(x)])
        .join('/'),
    );
  assert.deepEqual(types, ['allocated/bytes', 'temporary/bytes', 'leaked/bytes', 'tasks/count']);
  // period: the sampling interval, in space/bytes as Go's heap profiles have it
  const period = top.find(([n]) => n === 12)![1];
  assert.equal(Number(period), 131072);
});

test('samples written after the tables decode as the profile has them: values in order, labels kept', async () => {
  const p = await loadProfile(fixture('heaptrack.leaks.zst'));
  p.sampleLabels = Array.from(
    { length: p.sampleCount },
    (_, i): Record<string, string | number> => (i % 2 ? { bucket: `b${i}` } : { n: i }),
  );
  const decoded = PprofProfile.decode(gunzipSync(encodePprof(p)));
  const want: { value: number[]; label: Record<string, string | number> | undefined }[] = [];
  for (let i = 0; i < p.sampleCount; i++) {
    const value = p.values.map((col) => Math.round(col[i]));
    if (value.some((v) => v !== 0)) want.push({ value, label: p.sampleLabels[i] });
  }
  const str = (i: unknown) => decoded.stringTable.strings[Number(i)];
  assert.deepEqual(
    decoded.sample.map((s) => ({
      value: s.value.map(Number),
      label: Object.fromEntries(s.label.map((l) => [str(l.key), l.str ? str(l.str) : Number(l.num)])),
    })),
    want,
  );
  assert.ok(decoded.location.length > 0 && decoded.function.length > 0);
});

test('names that begin with a byte order mark come back whole (a default TextDecoder drops it)', async () => {
  const p = await loadProfile(fixture('heaptrack.cppfeatures.zst'));
  const renamed: Profile = { ...p, frames: p.frames.map((f) => ({ ...f, name: `\ufeff${f.name}\u0000` })) };
  const back = await importPprof(files.file(encodePprof(renamed)));
  const names = new Set(back.frames.map((f) => f.name));
  for (const f of renamed.frames) if (f.name !== '\ufeff\u0000') assert.ok(names.has(f.name), JSON.stringify(f.name));
  assert.ok([...names].some((n) => n.startsWith('\ufeff')));
});

test('property: samples read from the bytes are what pprof-format decodes: stacks, values (int64, negative too), labels; packed or not', async () => {
  const int64 = fc.oneof(
    fc.integer({ min: -1000, max: 1000 }),
    fc.constantFrom(0, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 31, -(2 ** 31), 2 ** 32 + 5),
  );
  const doc = fc.record({
    types: fc.integer({ min: 1, max: 3 }),
    locationIds: fc.uniqueArray(fc.oneof(fc.integer({ min: 1, max: 50 }), fc.constantFrom(2 ** 40, 2 ** 31 + 1)), {
      minLength: 1,
      maxLength: 8,
    }),
    samples: fc.array(
      fc.record({
        stack: fc.array(fc.nat(10), { maxLength: 12 }),
        // (at least one value: pprof-format 2 cannot encode a sample with no field)
        values: fc.array(int64, { minLength: 1, maxLength: 4 }),
        // (a label of key 0 needs a number that is not 0: pprof-format cannot encode an empty message)
        labels: fc.array(
          fc.record({
            key: fc.constantFrom('a', 'b', '__proto__', ''),
            text: fc.boolean(),
            num: int64.filter((x) => x !== 0),
          }),
          {
            maxLength: 3,
          },
        ),
      }),
      { maxLength: 20 },
    ),
    unpacked: fc.boolean(),
  });
  await fc.assert(
    fc.asyncProperty(doc, async (d) => {
      const st = new StringTable();
      const s = (x: string) => st.dedup(x);
      // location ids the samples name: known ones, and an index past them for a missing one
      const idOf = (i: number) => (i < d.locationIds.length ? d.locationIds[i] : 999);
      const pprof = new PprofProfile({
        sampleType: Array.from({ length: d.types }, (_, k) => new ValueType({ type: s(`t${k}`), unit: s('count') })),
        function: d.locationIds.map((id, k) => new F({ id: k + 1, name: s(`fn${id}`), filename: s('f.c') })),
        location: d.locationIds.map(
          (id, k) => new Location({ id, line: [new Line({ functionId: k + 1, line: k + 1 })] }),
        ),
        sample: d.samples.map(
          (x) =>
            new Sample({
              locationId: x.stack.map(idOf),
              value: x.values,
              label: x.labels.map((l) =>
                l.text ? new Label({ key: s(l.key), str: s(`v${l.num}`) }) : new Label({ key: s(l.key), num: l.num }),
              ),
            }),
        ),
        stringTable: st,
      });
      const bytes = d.unpacked ? unpack(pprof.encode()) : Buffer.from(pprof.encode());
      const got = await importPprof(files.file(bytes));
      const want = PprofProfile.decode(bytes);
      // (int64 as profile.proto says: pprof-format reads a negative one as unsigned, 2^64 - 1 for -1;
      // pprof's -diff_base profiles are made of negative values)
      const int64 = (v: unknown) => Number(BigInt.asIntN(64, BigInt(v as number)));
      const strings = want.stringTable.strings;
      assert.equal(got.sampleCount, want.sample.length);
      const fnOfLocation = new Map(want.location.map((l) => [Number(l.id), `fn${Number(l.id)}`]));
      want.sample.forEach((sample, i) => {
        const stack = sample.locationId
          .map((id) => fnOfLocation.get(Number(id)))
          .filter((n) => n !== undefined)
          .reverse();
        assert.deepEqual(
          stackOf(got, got.sampleNode[i]).map((f) => got.frames[f].name),
          stack,
        );
        // (negative values are read as 0, with a warning: costs are amounts)
        for (let c = 0; c < d.types; c++) assert.equal(got.values[c][i], Math.max(0, int64(sample.value[c] ?? 0)));
        const labels: Record<string, string | number> = {};
        for (const l of sample.label)
          if (strings[Number(l.key)] && strings[Number(l.key)] !== '__proto__')
            labels[strings[Number(l.key)]] = Number(l.str) ? strings[Number(l.str)] : int64(l.num);
        assert.deepEqual(got.sampleLabels?.[i] ?? {}, labels);
      });
      const negatives = want.sample.flatMap((x) => x.value.slice(0, d.types)).filter((v) => int64(v) < 0).length;
      assert.equal(
        got.warnings.some((w) => w.startsWith(`${negatives} sample values are negative`)),
        negatives > 0,
      );
    }),
    { numRuns: 300 },
  );
});

/** The same message with every sample's packed numbers written one field each (proto2 style). */
function unpack(bytes: Uint8Array): Buffer {
  const varint = (v: bigint) => {
    const out: number[] = [];
    let x = BigInt.asUintN(64, v);
    do {
      out.push(Number(x & 0x7fn) | (x > 0x7fn ? 0x80 : 0));
      x >>= 7n;
    } while (x > 0n);
    return out;
  };
  const numberField = (n: number, v: bigint) => [...varint(BigInt(n << 3)), ...varint(v)];
  const bytesField = (n: number, body: number[]) => [
    ...varint(BigInt((n << 3) | 2)),
    ...varint(BigInt(body.length)),
    ...body,
  ];
  const out: number[] = [];
  for (const [n, value] of fields(bytes)) {
    if (typeof value === 'bigint') out.push(...numberField(n, value));
    else if (n !== 2) out.push(...bytesField(n, [...value]));
    else {
      const sample: number[] = [];
      for (const [m, inner] of fields(value)) {
        if (typeof inner === 'bigint') sample.push(...numberField(m, inner));
        else if (m === 1 || m === 2) for (const v of packedRun(inner)) sample.push(...numberField(m, v));
        else sample.push(...bytesField(m, [...inner]));
      }
      out.push(...bytesField(2, sample));
    }
  }
  return Buffer.from(out);
}

/** The varints of a packed run. */
function packedRun(run: Uint8Array): bigint[] {
  const out: bigint[] = [];
  let v = 0n;
  let shift = 0n;
  for (const b of run) {
    v |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if (b < 0x80) {
      out.push(v);
      v = 0n;
      shift = 0n;
    }
  }
  return out;
}

test('an empty packed run of location ids or values is a sample with none, not a misread', async () => {
  // sample_type {type 1 unit 2}; sample {location_id: packed [], value: packed [5]}; strings "", "t", "count"
  const message = Buffer.from([
    0x0a, 0x04, 0x08, 0x01, 0x10, 0x02, 0x12, 0x05, 0x0a, 0x00, 0x12, 0x01, 0x05, 0x32, 0x00, 0x32, 0x01, 0x74, 0x32,
    0x05, 0x63, 0x6f, 0x75, 0x6e, 0x74,
  ]);
  const p = await importPprof(files.file(message));
  assert.equal(p.sampleCount, 1);
  assert.equal(p.sampleNode[0], 0);
  assert.equal(p.values[0][0], 5);
});
