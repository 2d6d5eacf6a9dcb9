import type { Exporter } from './exporter.js';
import { gzipSync } from 'node:zlib';
import {
  Function as PprofFunction,
  Label,
  Line,
  Location,
  Mapping,
  Profile as PprofProfile,
  Sample,
  StringTable,
  ValueType,
} from 'pprof-format';
import { basename } from 'node:path';
import { mainCost, type Profile } from '../model/profile.js';

/** heapflame's cost ids that have a name in Go's heap profiles, which pprof tools know. */
const GO_SAMPLE_TYPES: Record<string, string> = { inuse: 'inuse_space' };

/**
 * A profile as gzipped pprof (`profile.proto`), for `go tool pprof`, Pyroscope and the rest:
 * one sample type per cost, named `<cost id>/<unit>` (allocations/count, temporary/count or
 * temporary/bytes, leaked/bytes, peak/bytes, allocated/bytes, tasks/count; in-use bytes as
 * Go's inuse_space/bytes), the main cost the default; one function per (name, file), one
 * location per frame (an inlined frame is a line of its caller's location, as pprof has it),
 * one mapping per module, the recorded program's first (pprof tools name the profile by it),
 * sample labels kept. Values are whole numbers (pprof's are int64).
 */
export const pprofExporter: Exporter = {
  name: 'pprof',
  kind: 'profile',
  suffixes: ['.pb.gz', '.pb', '.pprof'],
  label: '.pb.gz (pprof)',
  chunks: (profile) => [encodePprof(profile)],
};

export function encodePprof(profile: Profile): Buffer {
  const t = new PprofTables(profile);
  const sampleType = profile.costs.map(
    (c) => new ValueType({ type: t.s(GO_SAMPLE_TYPES[c.id] ?? c.id), unit: t.s(c.unit) }),
  );
  t.mappingOf(mainProgram(profile));
  // Samples are encoded as they come, not kept as objects until the end (a million of them
  // took 620 MB): a message's fields may come in any order, so they follow the other fields.
  const samples = new SampleBytes();
  for (let i = 0; i < profile.sampleCount; i++) {
    const value = profile.values.map((col) => Math.round(col[i]));
    if (value.every((v) => v === 0)) continue;
    const locationId = t.locationsOfSample(i);
    const labels = profile.sampleLabels?.[i];
    const label = labels
      ? Object.entries(labels).map(
          ([k, v]) => new Label(typeof v === 'number' ? { key: t.s(k), num: v } : { key: t.s(k), str: t.s(v) }),
        )
      : [];
    samples.add(new Sample({ locationId, value, label }));
  }
  const sampling = profile.meta.sampling;
  const pprof = new PprofProfile({
    sampleType,
    mapping: t.mappings,
    location: t.locations,
    function: t.functions,
    stringTable: t.strings,
    timeNanos: BigInt(Date.now()) * 1_000_000n,
    durationNanos: profile.meta.durationMs ? BigInt(Math.round(profile.meta.durationMs * 1e6)) : 0,
    periodType: sampling ? new ValueType({ type: t.s('space'), unit: t.s('bytes') }) : undefined,
    period: sampling ? sampling.intervalBytes : 0,
    defaultSampleType: sampleType.length ? sampleType[profile.costs.indexOf(mainCost(profile))].type : 0,
    comment: [t.s(`heapflame: ${profile.meta.format}${profile.meta.command ? ` ${profile.meta.command}` : ''}`)],
  });
  return gzipSync(Buffer.concat([pprof.encode(), ...samples.blocks()]));
}

/** Profile.sample fields (number 2, length-delimited), encoded into blocks of 1 MiB. */
class SampleBytes {
  private readonly full: Uint8Array[] = [];
  private block = new Uint8Array(1 << 20);
  private used = 0;

  add(sample: Sample): void {
    const length = sample.length;
    const need = 1 + 5 + length; // tag, the length as a varint (at most 5 bytes), the message
    if (this.used + need > this.block.length) {
      this.full.push(this.block.subarray(0, this.used));
      this.block = new Uint8Array(Math.max(1 << 20, need));
      this.used = 0;
    }
    this.block[this.used++] = 0x12; // (2 << 3) | length-delimited
    this.used = writeVarint(this.block, this.used, length);
    sample.encode(this.block.subarray(this.used, this.used + length));
    this.used += length;
  }

  blocks(): Uint8Array[] {
    return [...this.full, this.block.subarray(0, this.used)];
  }
}

/** A non-negative length as a protobuf varint at `at`; returns the offset after it. */
function writeVarint(buf: Uint8Array, at: number, n: number): number {
  let i = at;
  while (n >= 128) {
    buf[i++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  buf[i++] = n;
  return i;
}

/** pprof's tables (strings, mappings, functions, locations), each entry made once, in first use. */
class PprofTables {
  readonly strings = new StringTable();
  readonly mappings: Mapping[] = [];
  readonly functions: PprofFunction[] = [];
  readonly locations: Location[] = [];
  private readonly mappingIds = new Map<string, number>();
  private readonly functionIds = new Map<string, number>();
  private readonly locationIds = new Map<string, number>();
  /** The location of each node that is a single-frame location, memoised (the common case). */
  private readonly locationOfNode: Int32Array;

  constructor(private readonly profile: Profile) {
    this.locationOfNode = new Int32Array(profile.nodeCount);
  }

  s(text: string): number {
    return this.strings.dedup(text);
  }

  mappingOf(module: string): number {
    if (!module) return 0;
    let id = this.mappingIds.get(module);
    if (id === undefined) {
      id = this.mappings.length + 1;
      this.mappings.push(new Mapping({ id, filename: this.s(module) }));
      this.mappingIds.set(module, id);
    }
    return id;
  }

  private functionOf(frame: number): number {
    const f = this.profile.frames[frame];
    // an unnamed frame is its location's address, as pprof shows it
    const name = f.name;
    const key = `${name}\u0000${f.file}`;
    let id = this.functionIds.get(key);
    if (id === undefined) {
      id = this.functions.length + 1;
      this.functions.push(
        new PprofFunction({ id, name: this.s(name), systemName: this.s(name), filename: this.s(f.file) }),
      );
      this.functionIds.set(key, id);
    }
    return id;
  }

  /**
   * A location per node that is a physical frame: its line, then those of the frames inlined
   * into it (towards the leaf), callee first as pprof orders them.
   */
  private locationFor(leafward: number[]): number {
    const { profile } = this;
    const key = leafward.map((n) => profile.nodeFrame[n]).join(',');
    let id = this.locationIds.get(key);
    if (id === undefined) {
      id = this.locations.length + 1;
      const physical = profile.frames[profile.nodeFrame[leafward[leafward.length - 1]]];
      const address = /^[0-9a-f]+$/i.test(physical.address) ? BigInt(`0x${physical.address}`) : 0;
      // (in this order: the string table holds the module's name before the functions')
      const mappingId = this.mappingOf(physical.module);
      const line = leafward.map(
        (n) =>
          new Line({
            functionId: this.functionOf(profile.nodeFrame[n]),
            line: profile.frames[profile.nodeFrame[n]].line,
          }),
      );
      this.locations.push(new Location({ id, mappingId, address, line }));
      this.locationIds.set(key, id);
    }
    return id;
  }

  /** A sample's locations, leaf first. */
  locationsOfSample(i: number): number[] {
    const { profile } = this;
    const inlinedInto = (n: number) =>
      profile.frames[profile.nodeFrame[n]]?.inlined === true && profile.nodeParent[n] > 0;
    const locationId: number[] = [];
    let group: number[] = [];
    for (let n = profile.sampleNode[i]; n > 0; n = profile.nodeParent[n]) {
      group.push(n);
      if (inlinedInto(n)) continue;
      if (group.length === 1 && this.locationOfNode[n]) locationId.push(this.locationOfNode[n]);
      else {
        const id = this.locationFor(group);
        if (group.length === 1) this.locationOfNode[n] = id;
        locationId.push(id);
      }
      group = [];
    }
    if (group.length) locationId.push(this.locationFor(group));
    return locationId;
  }
}

/**
 * The recorded program's module: the one named like the command's first word (heaptrack
 * names modules by absolute path, commands are often relative), or that word itself.
 */
function mainProgram(profile: Profile): string {
  const program = profile.meta.command?.trim().split(/\s+/)[0] ?? '';
  if (!program) return '';
  const name = basename(program);
  for (const f of profile.frames) if (f.module && basename(f.module) === name) return f.module;
  return program;
}
