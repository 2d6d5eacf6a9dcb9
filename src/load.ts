import { filterStacks, type StackFilter } from './analyze/filter.js';
import { type NameOptions, presentNames } from './analyze/names.js';
import { type HeaptrackImportOptions, importHeaptrack } from './import/heaptrack.js';
import type { Profile } from './model/profile.js';

export interface LoadOptions extends HeaptrackImportOptions, NameOptions, StackFilter {}

/** Reads a recording and prepares it for output: display names, then stack filters. */
export async function loadProfile(path: string, options: LoadOptions = {}): Promise<Profile> {
  const profile = await importHeaptrack(path, options);
  return filterStacks(presentNames(profile, options), options);
}
