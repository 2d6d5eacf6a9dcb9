import { filterStacks, type StackFilter } from './analyze/filter.js';
import { type NameOptions, presentNames } from './analyze/names.js';
import type { ImportOptions } from './import/format.js';
import { importProfile } from './import/registry.js';
import type { Profile } from './model/profile.js';

export { warmUp } from './import/registry.js';

export interface LoadOptions extends ImportOptions, NameOptions, StackFilter {
  /** The input's format (a name of the registry's); recognised from the content when not given. */
  format?: string;
}

/** Reads a recording and prepares it for output: display names, then stack filters. */
export async function loadProfile(path: string, options: LoadOptions = {}): Promise<Profile> {
  return filterStacks(presentNames(await importProfile(path, options), options), options);
}
