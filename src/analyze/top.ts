import { type CostId, costIndex, type Profile, ROOT_NODE } from '../model/profile.js';

/** One place that allocates: the innermost frame of a group of stacks, with its callers. */
export interface TopEntry {
  /** Innermost frame id (-1 for samples without a stack). */
  frame: number;
  /** Value of the selected cost. */
  value: number;
  /** Every cost summed over the group, by cost id. */
  costs: Record<string, number>;
  /** The group's stacks (each a sample), largest first. */
  stacks: { sample: number; node: number; value: number; costs: Record<string, number> }[];
  /** How many stacks the group has in all (`stacks` may be cut to the limit). */
  stackCount: number;
}

export interface TopOptions {
  /** How many places (default 10). */
  limit?: number;
  /** How many stacks per place (default 5). */
  stacksPerEntry?: number;
}

/**
 * The places with the largest cost, heaptrack_print style: samples grouped by their innermost
 * frame (function, file, line and module), sorted by |value|, stopping at the first zero.
 * Typed arrays throughout: a report asks this once per section, on up to millions of samples.
 */
export function topEntries(profile: Profile, cost: CostId, options: TopOptions = {}): TopEntry[] {
  const limit = options.limit ?? 10;
  const perEntry = options.stacksPerEntry ?? 5;
  const c = costIndex(profile, cost);
  if (c < 0) return [];
  const col = profile.values[c];
  const { groupOf, groupFrame } = sampleGroups(profile);
  const groupCount = groupFrame.length;
  const value = new Float64Array(groupCount);
  for (let i = 0; i < profile.sampleCount; i++) value[groupOf[i]] += col[i];
  // Ties keep first-appearance order (group ids are given in that order): the same run after run.
  const chosen: number[] = [];
  for (let g = 0; g < groupCount; g++) if (value[g] !== 0) chosen.push(g);
  chosen.sort((a, b) => Math.abs(value[b]) - Math.abs(value[a]) || a - b);
  chosen.length = Math.min(chosen.length, limit);
  const slot = new Int32Array(groupCount).fill(-1);
  chosen.forEach((g, k) => {
    slot[g] = k;
  });
  // one pass for every chosen place: its costs, its largest stacks, how many stacks it has
  const costCount = profile.costs.length;
  const sums = new Float64Array(chosen.length * costCount);
  const largest: number[][] = chosen.map(() => []);
  const nonZero = new Float64Array(chosen.length);
  for (let i = 0; i < profile.sampleCount; i++) {
    const k = slot[groupOf[i]];
    if (k < 0) continue;
    for (let c2 = 0; c2 < costCount; c2++) sums[k * costCount + c2] += profile.values[c2][i];
    if (col[i] !== 0) {
      nonZero[k]++;
      offer(col, largest[k], perEntry, i);
    }
  }
  return chosen.map((g, k) => ({
    frame: groupFrame[g],
    value: value[g],
    costs: Object.fromEntries(profile.costs.map((info, c2) => [info.id, sums[k * costCount + c2]])),
    stacks: largest[k].map((s) => ({
      sample: s,
      node: profile.sampleNode[s],
      value: col[s],
      costs: Object.fromEntries(profile.costs.map((info, c2) => [info.id, profile.values[c2][s]])),
    })),
    stackCount: nonZero[k],
  }));
}

/**
 * Keeps in `largest` the `n` samples of largest |value| seen so far (ties: the earlier sample
 * first; samples come in order): a place can have hundreds of thousands of stacks, and only a
 * few are shown.
 */
function offer(col: ArrayLike<number>, largest: number[], n: number, s: number): void {
  const v = Math.abs(col[s]);
  if (n <= 0 || Number.isNaN(v)) return;
  if (largest.length === n && v <= Math.abs(col[largest[n - 1]])) return;
  let i = largest.length < n ? largest.length : n - 1;
  while (i > 0 && Math.abs(col[largest[i - 1]]) < v) i--;
  largest.splice(i, 0, s);
  if (largest.length > n) largest.pop();
}

interface SampleGroups {
  /** Group of each sample. */
  groupOf: Int32Array;
  /** Innermost frame of each group (-1: samples without a stack). */
  groupFrame: number[];
  /** What the groups were made from: a profile given new samples or frames is grouped again. */
  sampleNode: Profile['sampleNode'];
  frames: Profile['frames'];
}

const groupsCache = new WeakMap<Profile, SampleGroups>();

/**
 * heaptrack_print's merge key: the innermost frame's function, file, line and module; the
 * address is ignored, so a module's unresolved addresses (and empty stacks) form one place.
 * Named frames go by id: display names may coincide (shortened templates) where symbols differ.
 * Groups are numbered in the order their first sample appears.
 */
function sampleGroups(profile: Profile): SampleGroups {
  const cached = groupsCache.get(profile);
  if (cached && cached.sampleNode === profile.sampleNode && cached.frames === profile.frames) return cached;
  // the key of each frame as a number: its own id, or the first unnamed frame of its place
  const frameKey = new Int32Array(profile.frames.length);
  const unnamed = new Map<string, number>();
  profile.frames.forEach((f, id) => {
    if (f.name) frameKey[id] = id;
    else {
      const key = `${f.file}\0${f.line}\0${f.module}`;
      let first = unnamed.get(key);
      if (first === undefined) unnamed.set(key, (first = id));
      frameKey[id] = first;
    }
  });
  // an empty stack is the place of unnamed frames with no file, line or module
  const noStackKey = unnamed.get('\u00000\u0000') ?? profile.frames.length;
  const groupOfKey = new Int32Array(profile.frames.length + 1).fill(-1);
  const groupOf = new Int32Array(profile.sampleCount);
  const groupFrame: number[] = [];
  for (let i = 0; i < profile.sampleCount; i++) {
    const node = profile.sampleNode[i];
    const frame = node === ROOT_NODE ? -1 : profile.nodeFrame[node];
    const key = frame < 0 ? noStackKey : frameKey[frame];
    let g = groupOfKey[key];
    if (g < 0) {
      g = groupOfKey[key] = groupFrame.length;
      groupFrame.push(frame);
    }
    groupOf[i] = g;
  }
  const groups = { groupOf, groupFrame, sampleNode: profile.sampleNode, frames: profile.frames };
  groupsCache.set(profile, groups);
  return groups;
}
