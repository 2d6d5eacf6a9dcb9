import { Profile as PprofProfile } from 'pprof-format';
import { pprofStrings } from './pprof-strings.js';
import { PprofBytesError, SampleReader, type SplitProfile, splitSamples } from './pprof-samples.js';
import { ProfileBuilder } from '../model/builder.js';
import { HeapflameError } from '../model/errors.js';
import { costIdFrom, type CostInfo, type Frame, type Profile, type SampleLabels, type Unit } from '../model/profile.js';
import type { ImportFormat } from './format.js';
import type { InputOptions } from './io/input.js';
import { readWhole } from './io/whole-input.js';

/**
 * pprof (`profile.proto`, gzipped or not): Go, jemalloc, @datadog/pprof, Pyroscope. Every
 * sample type becomes a cost: Go's heap names map to heapflame's (alloc_space → allocated,
 * alloc_objects → allocations, inuse_space → inuse: in use when the profile was taken, which
 * is not leaked), heapflame's own exports keep their ids, anything else keeps its name. The
 * main cost is the file's default sample type, else its last (as profile.proto says). A
 * location's lines are inlined frames, the caller last; sample labels are kept. Decoding is
 * done by pprof-format; a file it cannot decode is one error.
 */
const GO_NAMES: Record<string, { id: string; label: string }> = {
  alloc_space: { id: 'allocated', label: 'allocated bytes' },
  alloc_objects: { id: 'allocations', label: 'allocations' },
  inuse_space: { id: 'inuse', label: 'in-use bytes' },
  inuse_objects: { id: 'inuse_objects', label: 'in-use objects' },
};

/**
 * A protobuf profile opens with field 1 (sample_type, length-delimited: byte 0x0a) and, unlike
 * text, holds control bytes.
 */
export const pprofFormat: ImportFormat = {
  name: 'pprof',
  signature: 'pprof (protobuf, gzipped or not)',
  sniff: (head) => head.length > 1 && head[0] === 0x0a && head.subarray(0, 64).some((b) => b < 9 || (b > 13 && b < 32)),
  load: (path, options) => importPprof(path, options),
};

export async function importPprof(path: string, options: { input?: InputOptions } = {}): Promise<Profile> {
  const { bytes, warnings } = await readWhole(path, 'pprof', options.input);
  const invalid = (e: unknown) =>
    new HeapflameError(`not a valid pprof profile: ${(e as Error).message}`, { file: path });
  let split: SplitProfile;
  let decoded: PprofProfile;
  try {
    split = splitSamples(bytes);
    decoded = PprofProfile.decode(split.rest);
  } catch (e) {
    throw invalid(e);
  }
  // the names as written (the library's decoding drops a leading U+FEFF)
  const strings = pprofStrings(split.rest);
  const table = decoded.stringTable.strings;
  if (strings && strings.length === table.length) for (let i = 0; i < table.length; i++) table[i] = strings[i];
  try {
    return profileFromPprof(decoded, { reader: new SampleReader(bytes), ...split }, warnings);
  } catch (e) {
    throw e instanceof PprofBytesError ? invalid(e) : e;
  }
}

/** A sample's labels by key, or undefined for none. */
function labelsOf(reader: SampleReader, str: (i: unknown) => string): SampleLabels | undefined {
  let labels: SampleLabels | undefined;
  for (let k = 0; k < reader.labelCount; k++) {
    const key = str(reader.labels[3 * k]);
    // (a key named __proto__ would replace the object's prototype, not add a label)
    if (!key || key === '__proto__') continue;
    labels ??= {};
    const text = reader.labels[3 * k + 1];
    labels[key] = text ? str(text) : reader.labels[3 * k + 2];
  }
  return labels;
}

/** A cost per sample type: Go's heap names mapped to heapflame's, any other keeping its name. */
function costsOf(p: PprofProfile, str: (i: unknown) => string): CostInfo[] {
  return p.sampleType.map((t, k) => {
    const type = str(t.type);
    const unitName = str(t.unit);
    const unit: Unit = unitName === 'bytes' ? 'bytes' : 'count';
    const go = Object.hasOwn(GO_NAMES, type) ? GO_NAMES[type] : undefined;
    return {
      id: go?.id ?? costIdFrom(type || `value${k}`),
      unit,
      label: go?.label ?? `${type} (${unitName})`,
      description: `pprof sample type ${type}/${unitName}.`,
    };
  });
}

/** Location id → its frames root first (caller line first, then what was inlined into it). */
function locationFrames(p: PprofProfile, builder: ProfileBuilder, str: (i: unknown) => string): Map<number, number[]> {
  const functions = new Map(p.function.map((f) => [Number(f.id), f]));
  const mappings = new Map(p.mapping.map((m) => [Number(m.id), m]));
  const framesOf = new Map<number, number[]>();
  for (const loc of p.location) {
    const module = str(mappings.get(Number(loc.mappingId))?.filename);
    const address = Number(loc.address) ? BigInt(loc.address).toString(16) : '';
    const lines = loc.line.length ? loc.line : [{ functionId: 0, line: 0 }];
    const ids: number[] = [];
    for (let k = lines.length - 1; k >= 0; k--) {
      const fn = functions.get(Number(lines[k].functionId));
      const frame: Frame = {
        name: str(fn?.name) || str(fn?.systemName),
        file: str(fn?.filename),
        line: Number(lines[k].line) || Number(fn?.startLine) || 0,
        module,
        address,
        inlined: k < lines.length - 1,
      };
      ids.push(builder.internFrame(frame));
    }
    framesOf.set(Number(loc.id), ids);
  }
  return framesOf;
}

/** The samples of a pprof message: byte ranges read one by one (pprof-samples.ts). */
interface Samples extends SplitProfile {
  reader: SampleReader;
}

function profileFromPprof(p: PprofProfile, samples: Samples, warnings: string[]): Profile {
  const strings = p.stringTable.strings;
  const str = (i: unknown) => (typeof i === 'number' || typeof i === 'bigint' ? (strings[Number(i)] ?? '') : '');
  const costs = costsOf(p, str);
  const defaultType = str(p.defaultSampleType);
  const byDefault = defaultType ? p.sampleType.findIndex((t) => str(t.type) === defaultType) : -1;
  const main = costs[byDefault >= 0 ? byDefault : costs.length - 1];
  // two sample types with one name (say, a file written twice over) stay apart
  const seen = new Set<string>();
  for (const c of costs) {
    while (seen.has(c.id)) c.id += "'";
    seen.add(c.id);
  }
  const builder = new ProfileBuilder(costs);
  const framesOf = locationFrames(p, builder, str);
  const totals = costs.map(() => 0);
  let unknown = 0;
  let negative = 0;
  const values = costs.map(() => 0);
  const sampleLabels: (SampleLabels | undefined)[] = [];
  let labelled = false;
  const { reader, ranges } = samples;
  for (let k = 0; k < samples.sampleCount; k++) {
    reader.read(ranges[2 * k], ranges[2 * k + 1]);
    const labels = labelsOf(reader, str);
    sampleLabels.push(labels);
    if (labels) labelled = true;
    let node = 0;
    for (let i = reader.locationCount - 1; i >= 0; i--) {
      const frames = framesOf.get(reader.locations[i]);
      if (!frames) {
        unknown++;
        continue;
      }
      for (const f of frames) node = builder.child(node, f);
    }
    for (let c = 0; c < costs.length; c++) {
      const v = c < reader.valueCount ? reader.values[c] : 0;
      if (v < 0) negative++;
      values[c] = Number.isFinite(v) && v > 0 ? v : 0;
      totals[c] += values[c];
    }
    builder.addSample(node, values);
  }
  const notes = [...warnings];
  if (unknown) notes.push(`${unknown} stack frames named a location the file does not have (left out)`);
  // (costs are amounts: widths, shares and totals; a difference of two profiles is `heapflame diff`)
  if (negative)
    notes.push(
      `${negative} sample values are negative (a pprof -diff_base profile?) and were read as 0; to compare two profiles, heapflame diff BEFORE AFTER`,
    );
  const durationNanos = Number(p.durationNanos ?? 0);
  const period = Number(p.period ?? 0);
  const periodType = p.periodType ? `${str(p.periodType.type)}/${str(p.periodType.unit)}` : '';
  const profile = builder.build(
    {
      format: 'pprof',
      mainCost: main?.id,
      toolVersion: periodType && period ? `pprof, period ${period} ${periodType}` : 'pprof',
      durationMs: durationNanos > 0 ? durationNanos / 1e6 : undefined,
    },
    Object.fromEntries(costs.map((c, k) => [c.id, totals[k]])),
    notes,
  );
  return labelled ? { ...profile, sampleLabels } : profile;
}
