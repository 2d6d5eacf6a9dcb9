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
 */
export function topEntries(profile: Profile, cost: CostId, options: TopOptions = {}): TopEntry[] {
  const limit = options.limit ?? 10;
  const perEntry = options.stacksPerEntry ?? 5;
  const c = costIndex(profile, cost);
  if (c < 0) return [];
  const col = profile.values[c];
  // heaptrack_print's merge key: the innermost frame's function, file, line and module; the
  // address is ignored, so a module's unresolved addresses (and empty stacks) form one place.
  // Named frames go by id: display names may coincide (shortened templates) where symbols differ.
  const keyOfFrame = profile.frames.map((f, id) => (f.name ? String(id) : `?\0${f.file}\0${f.line}\0${f.module}`));
  const groups = new Map<string, { frame: number; samples: number[] }>();
  for (let i = 0; i < profile.sampleCount; i++) {
    const node = profile.sampleNode[i];
    const frame = node === ROOT_NODE ? -1 : profile.nodeFrame[node];
    const key = frame < 0 ? '?\0\x000\0' : keyOfFrame[frame];
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { frame, samples: [] }));
    g.samples.push(i);
  }
  const costsOf = (samples: number[]) => {
    const out: Record<string, number> = {};
    profile.costs.forEach((info, k) => {
      let sum = 0;
      for (const s of samples) sum += profile.values[k][s];
      out[info.id] = sum;
    });
    return out;
  };
  const entries = [...groups.values()].map(({ frame, samples }) => {
    let value = 0;
    for (const s of samples) value += col[s];
    return { frame, samples, value };
  });
  // Ties keep first-appearance order so the output is the same run after run.
  entries.sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
  const out: TopEntry[] = [];
  for (const e of entries) {
    if (out.length >= limit || e.value === 0) break;
    const stacks = e.samples
      .filter((s) => col[s] !== 0)
      .sort((a, b) => Math.abs(col[b]) - Math.abs(col[a]))
      .slice(0, perEntry)
      .map((s) => ({ sample: s, node: profile.sampleNode[s], value: col[s], costs: costsOf([s]) }));
    out.push({
      frame: e.frame,
      value: e.value,
      costs: costsOf(e.samples),
      stacks,
      stackCount: e.samples.filter((s) => col[s] !== 0).length,
    });
  }
  return out;
}
