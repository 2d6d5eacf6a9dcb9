/**
 * The one profile model every importer produces and every exporter reads.
 *
 * A profile is a table of interned frames, a prefix tree of stacks over those frames, and
 * samples: rows of (stack node, one value per cost column). Samples are not merged by stack,
 * because some formats (heaptrack) keep separate records for stacks that print alike, and
 * tools that compare with them need the rows as recorded. Inclusive call-tree sums are derived
 * by the analyze layer.
 */

import { HeapflameError } from './errors.js';

export type Unit = 'count' | 'bytes';

/** Cost column ids used across formats; importers may add their own. */
export type CostId = 'allocations' | 'temporary' | 'leaked' | 'peak' | 'allocated' | (string & {});

export interface CostInfo {
  id: CostId;
  unit: Unit;
  /** Short human label, e.g. "peak bytes". */
  label: string;
  /** One sentence: what a value in this column means. */
  description: string;
}

export interface Frame {
  /** Function name as recorded ('' when unknown: then `address` names the frame). */
  name: string;
  /** Source file path as recorded ('' when unknown). */
  file: string;
  /** Source line (0 when unknown). */
  line: number;
  /** Module (shared object / executable) path ('' when unknown). */
  module: string;
  /** Hex instruction address without 0x, kept only for frames without a name. */
  address: string;
  /**
   * True when this frame was inlined into its parent frame (the next frame towards the root):
   * one machine address then expands to a physical frame followed by its inlined frames.
   */
  inlined: boolean;
}

export interface TimelinePoint {
  timeMs: number;
  heapBytes: number;
  rssBytes: number;
  /** Memory outside the JavaScript heap (Node: Buffers and other external memory). */
  externalBytes?: number;
  /** A point taken at a garbage collection. */
  gc?: boolean;
}

/** A point in a recording: milliseconds since start, or a percentage of the whole run. */
export type TimePoint = { ms: number } | { percent: number };

export interface ProfileMeta {
  /** Importer that produced the profile, e.g. 'heaptrack'. */
  format: string;
  formatVersion?: number;
  toolVersion?: string;
  /** The recorded program's command line. */
  command?: string;
  /** The `heapflame record` run that wrote it (random): a run lists only its own processes' files. */
  recordRun?: string;
  // Capabilities: what exporters ask of a profile (never the name of its format).
  /** Every frame has a module, named "??" when unknown (heaptrack's backtraces). */
  framesHaveModules?: boolean;
  /** What measured `peakRssBytes`, whose overhead it includes ("heaptrack", "recorder"). */
  rssMeasuredBy?: string;
  /** Its counts are of memory events (allocations, not CPU samples): flame graphs use the memory palette. */
  memoryEvents?: boolean;
  durationMs?: number;
  peakRssBytes?: number;
  /** Time (ms since start) of the first moment the heap reached its peak. */
  peakTimeMs?: number;
  pageSize?: number;
  /** Bytes that would have been leaked but were matched by leak suppressions. */
  suppressedLeakedBytes?: number;
  /** Per suppression pattern: records matched and bytes suppressed. */
  suppressions?: { pattern: string; matches: number; leakedBytes: number }[];
  /** True when the recording was attached to a running process (counts start late). */
  attached?: boolean;
  /** DHAT: blocks whose average lifetime is at most this (in the recording's time unit) are short-lived. */
  shortLivedBelow?: number;
  /** Sampled recordings: values are estimates from one sample every `intervalBytes`. */
  sampling?: {
    intervalBytes: number;
    mode: string;
    precise: boolean;
    /** Node recordings: how many windows the sampler's samples were taken in (the last at exit). */
    windows?: number;
  };
  /** Description of filters applied while importing. */
  filters?: Record<string, string | number>;
  /**
   * Frame names are already as their producer chose to show them (folded stacks), not raw
   * symbols: no demangling or template shortening applies.
   */
  namesAsGiven?: boolean;
  /**
   * The cost this profile is read by when no other is asked for, where it is not the first
   * (pprof's default sample type). See mainCost.
   */
  mainCost?: CostId;
}

export interface Profile {
  meta: ProfileMeta;
  costs: CostInfo[];
  frames: Frame[];
  /** Stack tree: node 0 is the root (no frame); parent[0] = -1; a parent always has a smaller index. */
  nodeParent: Int32Array;
  nodeFrame: Int32Array;
  nodeCount: number;
  /** Sample rows. */
  sampleNode: Int32Array;
  /** values[c][i]: value of cost column c for sample i. */
  values: Float64Array[];
  sampleCount: number;
  /**
   * Labels of each sample where the format has them (pprof's key → text or number), aligned
   * with the samples; absent when no sample has any.
   */
  sampleLabels?: (SampleLabels | undefined)[];
  /** Whole-profile totals per cost id (may differ from column sums, e.g. a global peak). */
  totals: Record<string, number>;
  timeline?: TimelinePoint[];
  /** When blocks were allocated and freed, by time slice (see Lifetimes); absent unless asked for. */
  lifetimes?: Lifetimes;
  /** Heap snapshots: the objects by class, and the leaks found in them (see HeapSummary). */
  heap?: HeapSummary;
  warnings: string[];
}

/**
 * What a heap snapshot holds, beside its dominator tree: the objects by class (DevTools'
 * "Summary" view), and, when the `leaks` command looked for them, the leak clusters.
 */
export interface HeapSummary {
  /** Largest retained size first. */
  classes: HeapClass[];
  /** A comparison of two snapshots (`diff`): the classes of BASE (`classes` are NEW's). */
  before?: HeapClass[];
  leaks?: LeakReport;
}

export interface HeapClass {
  /** Constructor, `f()` for closures, or a kind such as "(string)". */
  name: string;
  /** V8's or Node's own structures (code, shapes, internal arrays, "system / …", native objects), not the program's. */
  internal: boolean;
  objects: number;
  /** Bytes of the objects themselves. */
  self: number;
  /** What they keep alive, an object inside another of the class counted once (as DevTools counts). */
  retained: number;
}

/**
 * Leaks the three-snapshot way (memlab's): objects allocated between BASE and TARGET still
 * alive in FINAL, grouped by retainer path (analyze/heap-leaks.ts finds them).
 */
export interface LeakReport {
  /** Leaked objects (any kind) and what they retain, not counting one inside another twice. */
  objects: number;
  retained: number;
  /** What the clusters retain together: the program's share of `retained` (the rest is V8's). */
  clustersRetained: number;
  clusters: LeakCluster[];
}

export interface LeakCluster {
  /** The class of its objects, and the path they share (classes and references, from the root). */
  className: string;
  signature: string[];
  count: number;
  /** Retained by its objects together (one never counts inside another). */
  retained: number;
  /** Leaked objects inside them, by class, largest count first (at most 5). */
  holds: { className: string; count: number }[];
  /** Its largest object: node index in FINAL, V8's id, retained size, and shortest path. */
  example: { node: number; id: number; retained: number; path: PathStep[] };
  /**
   * The allocation stack most of the cluster's objects share (the example's where it is one of
   * those), innermost first, when allocation tracking was on.
   */
  allocatedAt: { name: string; file: string; line: number; column: number }[] | null;
}

export interface PathStep {
  /** The reference into this object, as V8 names it (absent for the root). */
  edge: string | null;
  className: string;
  id: number;
  retained: number;
  /** An object of V8's or Node's own (see HeapClass.internal). */
  internal: boolean;
}

/**
 * The blocks of each sample row by the time slice they were allocated in and the one they
 * were freed in: what a time range recomputes from (allocations made in the range, and what of
 * them was still alive at its end, as an import with a time window counts). Importers of
 * per-allocation data fill it when asked (ImportOptions.lifetimes).
 */
export interface Lifetimes {
  /** Slice edges, ms since the recording's start: slice i is [edgesMs[i], edgesMs[i + 1]). */
  edgesMs: number[];
  /** Per row: the sample row (allocation site), the slice allocated in, the slice freed in (slices: never). */
  sample: Int32Array;
  born: Int32Array;
  died: Int32Array;
  /** Per row: LIFETIME_TEMPORARY, LIFETIME_LEAK_SUPPRESSED. */
  flags: Uint8Array;
  /** Per row: blocks, and their bytes. */
  count: Float64Array;
  bytes: Float64Array;
}

/** The blocks were freed right after their allocation (heaptrack's temporary allocations). */
export const LIFETIME_TEMPORARY = 1;
/** The site's leaks are suppressed: still alive at the end does not count as leaked. */
export const LIFETIME_LEAK_SUPPRESSED = 2;

export type SampleLabels = Record<string, string | number>;

export const ROOT_NODE = 0;

export function costIndex(profile: Profile, id: CostId): number {
  return profile.costs.findIndex((c) => c.id === id);
}

/**
 * The cost a profile is read by when no other is asked for: the one its format leads with
 * (heaptrack: allocations; a Node recording: allocated; a V8 heap profile: in-use bytes), as
 * the importer declares it (meta.mainCost), else the first.
 */
/**
 * A cost id taken from a file (pprof sample types, speedscope profile names, .heapflame costs).
 * Cost ids key plain objects (totals, report sections, JSON reports), so a name of
 * Object.prototype's (`__proto__`, `constructor`) gets a trailing `_`: it read an inherited
 * function as a section, or set a prototype instead of a total.
 */
export function costIdFrom(text: string): string {
  return Object.hasOwn(Object.prototype, text) ? `${text}_` : text;
}

export function mainCost(profile: Profile): CostInfo {
  const declared = profile.meta.mainCost;
  return (declared !== undefined && profile.costs.find((c) => c.id === declared)) || profile.costs[0];
}

/** The costs by id, the main one marked: "allocated (main), temporary, tasks". */
export function costList(profile: Profile): string {
  const main = mainCost(profile)?.id;
  return profile.costs.map((c) => (c.id === main ? `${c.id} (main)` : c.id)).join(', ') || 'none';
}

/**
 * The cost asked for, or the main cost when none is; a cost the profile does not have is one
 * error that lists those it has.
 */
export function requireCost(profile: Profile, id?: CostId): CostInfo {
  const cost = id === undefined ? mainCost(profile) : profile.costs.find((c) => c.id === id);
  if (!cost)
    throw new HeapflameError(
      id === undefined ? 'the profile has no costs' : `the profile has no cost "${id}"; it has: ${costList(profile)}`,
    );
  return cost;
}

/** Frames of a stack node, root first. */
export function stackOf(profile: Profile, node: number): number[] {
  const frames: number[] = [];
  for (let n = node; n > ROOT_NODE; n = profile.nodeParent[n]) frames.push(profile.nodeFrame[n]);
  return frames.reverse();
}

export function frameKey(f: Frame): string {
  // Named frames merge across addresses (same function and line); unnamed ones stay per address.
  return `${f.name}\u0000${f.file}\u0000${f.line}\u0000${f.module}\u0000${f.name ? '' : f.address}\u0000${f.inlined ? 1 : 0}`;
}
