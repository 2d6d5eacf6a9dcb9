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
  const strings = new StringTable();
  const s = (text: string) => strings.dedup(text);
  const sampleType = profile.costs.map(
    (c) => new ValueType({ type: s(GO_SAMPLE_TYPES[c.id] ?? c.id), unit: s(c.unit) }),
  );

  const mappingIds = new Map<string, number>();
  const mapping: Mapping[] = [];
  const mappingOf = (module: string) => {
    if (!module) return 0;
    let id = mappingIds.get(module);
    if (id === undefined) {
      id = mapping.length + 1;
      mapping.push(new Mapping({ id, filename: s(module) }));
      mappingIds.set(module, id);
    }
    return id;
  };
  mappingOf(mainProgram(profile));
  const functionIds = new Map<string, number>();
  const functions: PprofFunction[] = [];
  const functionOf = (frame: number) => {
    const f = profile.frames[frame];
    // an unnamed frame is its location's address, as pprof shows it
    const name = f.name;
    const key = `${name}\u0000${f.file}`;
    let id = functionIds.get(key);
    if (id === undefined) {
      id = functions.length + 1;
      functions.push(new PprofFunction({ id, name: s(name), systemName: s(name), filename: s(f.file) }));
      functionIds.set(key, id);
    }
    return id;
  };

  // A location per node that is a physical frame: its line, then those of the frames inlined
  // into it (towards the leaf), callee first as pprof orders them.
  const locationOfNode = new Int32Array(profile.nodeCount);
  const locations: Location[] = [];
  const locationIds = new Map<string, number>();
  const inlinedInto = (n: number) =>
    profile.frames[profile.nodeFrame[n]]?.inlined === true && profile.nodeParent[n] > 0;
  const locationFor = (leafward: number[]) => {
    const key = leafward.map((n) => profile.nodeFrame[n]).join(',');
    let id = locationIds.get(key);
    if (id === undefined) {
      id = locations.length + 1;
      const physical = profile.frames[profile.nodeFrame[leafward[leafward.length - 1]]];
      const address = /^[0-9a-f]+$/i.test(physical.address) ? BigInt(`0x${physical.address}`) : 0;
      locations.push(
        new Location({
          id,
          mappingId: mappingOf(physical.module),
          address,
          line: leafward.map(
            (n) =>
              new Line({
                functionId: functionOf(profile.nodeFrame[n]),
                line: profile.frames[profile.nodeFrame[n]].line,
              }),
          ),
        }),
      );
      locationIds.set(key, id);
    }
    return id;
  };

  const samples: Sample[] = [];
  for (let i = 0; i < profile.sampleCount; i++) {
    const value = profile.values.map((col) => Math.round(col[i]));
    if (value.every((v) => v === 0)) continue;
    const locationId: number[] = [];
    let group: number[] = [];
    for (let n = profile.sampleNode[i]; n > 0; n = profile.nodeParent[n]) {
      group.push(n);
      if (inlinedInto(n)) continue;
      // memoised per node only for single-frame locations, the common case
      if (group.length === 1 && locationOfNode[n]) locationId.push(locationOfNode[n]);
      else {
        const id = locationFor(group);
        if (group.length === 1) locationOfNode[n] = id;
        locationId.push(id);
      }
      group = [];
    }
    if (group.length) locationId.push(locationFor(group));
    const labels = profile.sampleLabels?.[i];
    const label = labels
      ? Object.entries(labels).map(
          ([k, v]) => new Label(typeof v === 'number' ? { key: s(k), num: v } : { key: s(k), str: s(v) }),
        )
      : [];
    samples.push(new Sample({ locationId, value, label }));
  }

  const sampling = profile.meta.sampling;
  const pprof = new PprofProfile({
    sampleType,
    sample: samples,
    mapping,
    location: locations,
    function: functions,
    stringTable: strings,
    timeNanos: BigInt(Date.now()) * 1_000_000n,
    durationNanos: profile.meta.durationMs ? BigInt(Math.round(profile.meta.durationMs * 1e6)) : 0,
    periodType: sampling ? new ValueType({ type: s('space'), unit: s('bytes') }) : undefined,
    period: sampling ? sampling.intervalBytes : 0,
    defaultSampleType: sampleType.length ? sampleType[profile.costs.indexOf(mainCost(profile))].type : 0,
    comment: [s(`heapflame: ${profile.meta.format}${profile.meta.command ? ` ${profile.meta.command}` : ''}`)],
  });
  return gzipSync(pprof.encode());
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
