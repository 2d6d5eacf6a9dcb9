import { ProfileBuilder } from '../../model/builder.js';
import { HeapflameError } from '../../model/errors.js';
import {
  type CostInfo,
  type Frame,
  LIFETIME_LEAK_SUPPRESSED,
  type Lifetimes,
  type Profile,
  ROOT_NODE,
  type TimePoint,
} from '../../model/profile.js';
import { HeaptrackParser, type IpEntry } from './parser.js';
import { BUILTIN_SUPPRESSIONS, matchesSuppression, parseSuppressionLine, readSuppressionFile } from './suppressions.js';
import type { ImportOptions } from '../format.js';
import { feedParser } from './feed.js';
import { recordingLength } from './scan.js';

export type { TimePoint } from '../../model/profile.js';

/** The options heaptrack's importer applies: all of them (it streams per-allocation data). */
export type HeaptrackImportOptions = ImportOptions;

export const HEAPTRACK_COSTS: CostInfo[] = [
  { id: 'allocations', unit: 'count', label: 'allocations', description: 'Calls to allocation functions.' },
  {
    id: 'temporary',
    unit: 'count',
    label: 'temporary allocations',
    description:
      "Allocations freed right after they were made, with no other allocation or free in between (heaptrack's rule).",
  },
  {
    id: 'leaked',
    unit: 'bytes',
    label: 'leaked bytes',
    description: 'Bytes still allocated at the end of the recording (or window), after suppressions.',
  },
  { id: 'peak', unit: 'bytes', label: 'peak bytes', description: 'Bytes live at the moment the heap was largest.' },
  { id: 'allocated', unit: 'bytes', label: 'allocated bytes', description: 'Bytes requested in all allocations.' },
];

/** Reads a heaptrack recording (zstd, gzip or plain; file format 1–3) into a Profile. */
export async function importHeaptrack(path: string, options: HeaptrackImportOptions = {}): Promise<Profile> {
  const needsLength = isPercent(options.from) || isPercent(options.to);
  let runMs: number | undefined;
  if (needsLength) {
    if (path === '-')
      throw new HeapflameError(
        'a time window in % needs the run length, which standard input cannot give; use ms or s',
        { file: path },
      );
    runMs = await recordingLength(path, options.input);
  }
  const fromMs = resolveTime(options.from, runMs);
  const toMs = resolveTime(options.to, runMs);
  if (fromMs !== undefined && toMs !== undefined && toMs < fromMs) {
    throw new HeapflameError(`the time window ends (${toMs} ms) before it starts (${fromMs} ms)`);
  }

  const parser = new HeaptrackParser(path, {
    minSize: options.minSize,
    maxSize: options.maxSize,
    fromMs,
    toMs,
    lifetimes: options.lifetimes,
  });
  const inputWarnings = await feedParser(path, parser, { input: options.input, onProgress: options.onProgress });
  if (parser.lineNo === 0 && inputWarnings.length) {
    throw new HeapflameError(`nothing could be decompressed: ${inputWarnings[0]}`, { file: path });
  }
  parser.end();
  const warnings = [
    ...inputWarnings.map((w) => `${path}:${parser.lineNo}: ${w} (the data ends at line ${parser.lineNo})`),
    ...parser.warnings.list(),
  ];
  return buildProfile(parser, options, warnings, { fromMs, toMs });
}

function isPercent(t: TimePoint | undefined): t is { percent: number } {
  return t !== undefined && 'percent' in t;
}

function resolveTime(t: TimePoint | undefined, runMs: number | undefined): number | undefined {
  if (t === undefined) return undefined;
  if ('ms' in t) return t.ms;
  return ((runMs ?? 0) * t.percent) / 100;
}

/**
 * Trace index → stack node, cut above the stop frame (main), as heaptrack_print shows it: each
 * trace's frames are interned once, and walks up the trace tree are iterative.
 */
function traceNodes(p: HeaptrackParser, builder: ProfileBuilder): (trace: number) => number {
  // each instruction pointer's frames, root first, interned on first use: ipFrames[ipFirst[ip]..]
  const ipFirst = new Int32Array(p.ips.length).fill(-1);
  const ipLength = new Int32Array(p.ips.length);
  const ipFrames: number[] = [];
  const framesOf = (ip: number): number => {
    if (ipFirst[ip] < 0) {
      ipFirst[ip] = ipFrames.length;
      for (const f of ipFrameList(p, p.ips[ip])) ipFrames.push(builder.internFrame(f));
      ipLength[ip] = ipFrames.length - ipFirst[ip];
    }
    return ipFirst[ip];
  };
  const stop = new Uint8Array(p.ips.length);
  for (let ip = 1; ip < p.ips.length; ip++) if (p.stopStrings.has(p.ips[ip].fn)) stop[ip] = 1;
  const isStop = (ip: number) => ip < stop.length && stop[ip] === 1;

  const traceNode = p.spareTraceArray().fill(-1);
  const pending: number[] = [];
  return (trace: number): number => {
    if (trace <= 0 || trace >= p.traceCount) return ROOT_NODE;
    let cur = trace;
    let base = ROOT_NODE;
    while (cur > 0) {
      if (traceNode[cur] !== -1) {
        base = traceNode[cur];
        break;
      }
      pending.push(cur);
      const ip = p.traceIp[cur];
      if (ip === 0 || isStop(ip)) break;
      cur = p.traceParent[cur];
    }
    while (pending.length) {
      const t = pending.pop()!;
      const ip = p.traceIp[t];
      let node = ROOT_NODE;
      if (ip !== 0) {
        node = isStop(ip) ? ROOT_NODE : base;
        const first = ip < p.ips.length ? framesOf(ip) : -1;
        if (first < 0) node = builder.child(node, missingIpFrame(builder));
        else for (let k = first, e = first + ipLength[ip]; k < e; k++) node = builder.child(node, ipFrames[k]);
      }
      traceNode[t] = node;
      base = node;
    }
    return traceNode[trace];
  };
}

/** The frame of an instruction pointer index past the recording's table (a damaged file). */
function missingIpFrame(builder: ProfileBuilder): number {
  return builder.internFrame(ipFrameList(undefined, undefined)[0]);
}

function buildProfile(
  p: HeaptrackParser,
  options: HeaptrackImportOptions,
  warnings: string[],
  window: { fromMs?: number; toMs?: number },
): Profile {
  const builder = new ProfileBuilder(HEAPTRACK_COSTS);
  const nodeOf = traceNodes(p, builder);

  const costs = p.recordCosts();
  const leaked = costs.leaked;
  const supp = applySuppressions(p, leaked, options, warnings);
  const lifetimes = lifetimesOf(p, supp.suppressed);
  p.releaseCounts();

  // a sample per record, the cost columns as they are (HEAPTRACK_COSTS' order)
  const sampleNode = new Int32Array(p.recordCount);
  for (let r = 0; r < p.recordCount; r++) sampleNode[r] = nodeOf(p.recordTrace[r]);
  builder.setSamples(sampleNode, [costs.allocations, costs.temporary, leaked, costs.peak, costs.allocated]);

  const lastMs = p.timeMs + 1;
  const windowed = window.fromMs !== undefined || window.toMs !== undefined;
  const filters: Record<string, string | number> = {};
  if (options.minSize !== undefined) filters.minSizeBytes = options.minSize;
  if (options.maxSize !== undefined) filters.maxSizeBytes = options.maxSize;
  if (window.fromMs !== undefined) filters.fromMs = window.fromMs;
  if (window.toMs !== undefined) filters.toMs = window.toMs;
  // With a window: its length, up to where the recording ends if it ends first.
  const windowEnd = p.done ? window.toMs! : Math.min(window.toMs ?? Infinity, lastMs);
  const durationMs = windowed ? Math.max(0, windowEnd - Math.max(window.fromMs ?? 0, 0)) : lastMs;

  return builder.build(
    {
      format: 'heaptrack',
      framesHaveModules: true,
      rssMeasuredBy: 'heaptrack',
      memoryEvents: true,
      formatVersion: p.fileVersion,
      toolVersion: versionString(p.heaptrackVersion),
      command: p.command,
      durationMs,
      peakRssBytes: p.peakRssPages * p.pageSize,
      peakTimeMs: p.peakTimeMs,
      pageSize: p.pageSize,
      suppressedLeakedBytes: supp.suppressedBytes,
      suppressions: supp.used,
      attached: p.attached || undefined,
      filters: Object.keys(filters).length ? filters : undefined,
    },
    {
      allocations: sum(costs.allocations),
      temporary: sum(costs.temporary),
      leaked: sum(leaked),
      peak: p.peakBytes,
      allocated: sum(costs.allocated),
    },
    warnings,
    { timeline: p.timelinePoints, lifetimes },
  );
}

/** Frames of one instruction pointer, root first: the physical function, then what it inlined. */
function ipFrameList(p: HeaptrackParser | undefined, ip: IpEntry | undefined): Frame[] {
  const s = (i: number) => p?.strings[i] ?? '';
  if (!ip) return [{ name: '', file: '', line: 0, module: '', address: '0', inlined: false }];
  const module = s(ip.module);
  const inl = ip.inlined ?? [];
  const frames: Frame[] = [
    { name: s(ip.fn), file: s(ip.file), line: ip.line, module, address: ip.fn ? '' : ip.addr, inlined: inl.length > 0 },
  ];
  // heaptrack lists inlined callers walking outwards; the last one is the physical function.
  for (let k = 0; k < inl.length; k += 3) {
    frames.push({
      name: s(inl[k]),
      file: s(inl[k + 1]),
      line: inl[k + 2],
      module,
      address: '',
      inlined: k + 3 < inl.length,
    });
  }
  return frames.reverse();
}

const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);

function versionString(v: number): string | undefined {
  if (!v) return undefined;
  return `${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff}`;
}

/**
 * heaptrack's leak suppressions: a record is suppressed when any frame of its whole trace
 * (up to the root, above main too) matches a pattern by module, function or file.
 * Deliberate fixes of heaptrack 1.4 bugs: embedded `S` lines of format-3 files work, and
 * `--suppressions FILE` adds to the built-ins instead of turning into match-all patterns.
 */
function applySuppressions(
  p: HeaptrackParser,
  leaked: Float64Array,
  options: HeaptrackImportOptions,
  warnings: string[],
) {
  const patterns: string[] = [];
  if (options.builtinSuppressions !== false) patterns.push(...BUILTIN_SUPPRESSIONS);
  if (options.suppressionsFile)
    for (const p of readSuppressionFile(options.suppressionsFile, warnings)) patterns.push(p);
  if (
    options.embeddedSuppressions !== false &&
    options.heaptrackCompat &&
    p.fileVersion >= 3 &&
    p.embeddedSuppressions.length
  ) {
    warnings.push(
      `${p.embeddedSuppressions.length} leak suppressions embedded in the recording are not applied, as heaptrack_print 1.4 does not apply them to format-3 files (drop --raw-names to apply them)`,
    );
  } else if (options.embeddedSuppressions !== false) {
    for (const line of p.embeddedSuppressions) {
      const parsed = parseSuppressionLine(line);
      if (parsed && 'pattern' in parsed) patterns.push(parsed.pattern);
      else if (parsed)
        warnings.push(`invalid embedded suppression line, expected "leak:<pattern>": ${parsed.invalid.slice(0, 200)}`);
    }
  }
  const used = patterns.map((pattern) => ({ pattern, matches: 0, leakedBytes: 0 }));
  let suppressedBytes = 0;
  /** 1 for the records whose leaks are suppressed. */
  const suppressed = new Uint8Array(p.recordCount);
  if (patterns.length === 0) return { suppressedBytes, used: undefined, suppressed };

  const stringMatch = new Int32Array(p.strings.length).fill(-1);
  let any = false;
  for (let i = 1; i < p.strings.length; i++) {
    const str = p.strings[i];
    const k = patterns.findIndex((pat) => matchesSuppression(pat, str));
    if (k >= 0) {
      stringMatch[i] = k;
      any = true;
    }
  }
  if (!any) return { suppressedBytes, used: undefined, suppressed };
  const str = (i: number) => (i > 0 && i < stringMatch.length ? stringMatch[i] : -1);
  const ipMatch = new Int32Array(p.ips.length).fill(-1);
  for (let i = 1; i < p.ips.length; i++) {
    const ip = p.ips[i];
    let m = str(ip.module);
    if (m < 0) m = str(ip.fn);
    if (m < 0) m = str(ip.file);
    const inl = ip.inlined ?? [];
    for (let k = 0; m < 0 && k < inl.length; k += 3) {
      m = str(inl[k]);
      if (m < 0) m = str(inl[k + 1]);
    }
    ipMatch[i] = m;
  }
  const traceMatch = new Int32Array(p.traceCount).fill(-1);
  for (let t = 1; t < p.traceCount; t++) {
    const parent = p.traceParent[t];
    let m = parent > 0 ? traceMatch[parent] : -1;
    if (m < 0) {
      const ip = p.traceIp[t];
      m = ip > 0 && ip < ipMatch.length ? ipMatch[ip] : -1;
    }
    traceMatch[t] = m;
  }
  for (let r = 0; r < p.recordCount; r++) {
    const t = p.recordTrace[r];
    const m = t > 0 && t < traceMatch.length ? traceMatch[t] : -1;
    if (m < 0) continue;
    suppressed[r] = 1;
    used[m].matches++;
    used[m].leakedBytes += leaked[r];
    suppressedBytes += leaked[r];
    leaked[r] = 0;
  }
  return { suppressedBytes, used: used.filter((u) => u.matches > 0), suppressed };
}

/** The parser's lifetimes (when asked for), suppressed sites marked: alive at a range's end is no leak there. */
function lifetimesOf(p: HeaptrackParser, suppressed: Uint8Array): Lifetimes | undefined {
  if (!p.slices) return undefined;
  const l = p.slices.lifetimes();
  for (let i = 0; i < l.sample.length; i++) if (suppressed[l.sample[i]]) l.flags[i] |= LIFETIME_LEAK_SUPPRESSED;
  return l;
}
