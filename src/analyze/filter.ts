import type { Lifetimes, Profile } from '../model/profile.js';

export interface StackFilter {
  /** Keep only samples with a frame whose name matches. */
  focus?: RegExp;
  /** Drop samples with a frame whose name matches. */
  exclude?: RegExp;
}

/**
 * Keeps the samples whose stacks pass the filter and recomputes totals as column sums.
 * A global peak cannot be re-derived per subset after the fact: the `peak` total becomes the
 * kept stacks' share of the whole profile's peak.
 */
export function filterStacks(profile: Profile, filter: StackFilter): Profile {
  if (!filter.focus && !filter.exclude) return profile;
  const frameMatch = (re: RegExp) =>
    Uint8Array.from(profile.frames, (f) => (re.test(f.name || `0x${f.address}`) ? 1 : 0));
  const focus = filter.focus ? frameMatch(filter.focus) : null;
  const exclude = filter.exclude ? frameMatch(filter.exclude) : null;
  // Nodes are created after their parents, so one pass in index order sees parents first.
  // Bit 1: the stack has a focus frame; bit 2: it has an excluded frame.
  const nodeFlags = new Uint8Array(profile.nodeCount);
  for (let n = 1; n < profile.nodeCount; n++) {
    const f = profile.nodeFrame[n];
    nodeFlags[n] = nodeFlags[profile.nodeParent[n]] | (focus?.[f] ? 1 : 0) | (exclude?.[f] ? 2 : 0);
  }
  const flagsOf = (node: number) => (node > 0 ? nodeFlags[node] : 0);
  const keep: number[] = [];
  for (let i = 0; i < profile.sampleCount; i++) {
    const flags = flagsOf(profile.sampleNode[i]);
    if (focus && !(flags & 1)) continue;
    if (exclude && flags & 2) continue;
    keep.push(i);
  }
  const values = profile.values.map((col) => Float64Array.from(keep, (i) => col[i]));
  const totals: Record<string, number> = {};
  for (const [k, c] of profile.costs.entries()) totals[c.id] = values[k].reduce((a, b) => a + b, 0);
  const filters = { ...profile.meta.filters };
  if (filter.focus) filters.focus = filter.focus.source;
  if (filter.exclude) filters.exclude = filter.exclude.source;
  return {
    ...profile,
    meta: { ...profile.meta, filters },
    sampleNode: Int32Array.from(keep, (i) => profile.sampleNode[i]),
    values,
    sampleCount: keep.length,
    sampleLabels: profile.sampleLabels && keep.map((i) => profile.sampleLabels![i]),
    lifetimes: profile.lifetimes && keptLifetimes(profile.lifetimes, keep, profile.sampleCount),
    totals,
  };
}

/** The lifetime rows of the kept samples, renumbered as the samples are. */
function keptLifetimes(l: Lifetimes, keep: number[], sampleCount: number): Lifetimes {
  const renumbered = new Int32Array(sampleCount).fill(-1);
  keep.forEach((old, i) => {
    renumbered[old] = i;
  });
  const rows: number[] = [];
  for (let r = 0; r < l.sample.length; r++) if (renumbered[l.sample[r]] >= 0) rows.push(r);
  return {
    edgesMs: l.edgesMs,
    sample: Int32Array.from(rows, (r) => renumbered[l.sample[r]]),
    born: Int32Array.from(rows, (r) => l.born[r]),
    died: Int32Array.from(rows, (r) => l.died[r]),
    flags: Uint8Array.from(rows, (r) => l.flags[r]),
    count: Float64Array.from(rows, (r) => l.count[r]),
    bytes: Float64Array.from(rows, (r) => l.bytes[r]),
  };
}
