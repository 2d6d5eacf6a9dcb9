import { costIndex, LIFETIME_LEAK_SUPPRESSED, LIFETIME_TEMPORARY, type Profile } from '../model/profile.js';

/**
 * The values of a time range from a profile's lifetimes: slices `from` to `to` (inclusive),
 * per sample row; allocations, allocated bytes and temporary allocations made in the range,
 * and leaked = bytes of those blocks still alive at its end. The HTML report's range does the
 * same in the browser (viewer/timeline.ts). Other costs are absent from a range.
 */
export function rangeValues(profile: Profile, from: number, to: number): Record<string, Float64Array> {
  const l = profile.lifetimes;
  if (!l) throw new Error('the profile has no lifetimes (import it with lifetimes: true)');
  const out: Record<string, Float64Array> = {};
  for (const id of ['allocations', 'allocated', 'temporary', 'leaked'])
    if (costIndex(profile, id) >= 0) out[id] = new Float64Array(profile.sampleCount);
  const none = new Float64Array(profile.sampleCount);
  const { allocations = none, allocated = none, temporary = none, leaked = none } = out;
  for (let i = 0; i < l.sample.length; i++) {
    if (l.born[i] < from || l.born[i] > to) continue;
    const s = l.sample[i];
    allocations[s] += l.count[i];
    allocated[s] += l.bytes[i];
    // counted when freed, so only when freed in the range
    if (l.flags[i] & LIFETIME_TEMPORARY && l.died[i] <= to) temporary[s] += l.count[i];
    if (l.died[i] > to && !(l.flags[i] & LIFETIME_LEAK_SUPPRESSED)) leaked[s] += l.bytes[i];
  }
  return out;
}
