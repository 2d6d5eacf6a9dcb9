import { filterStacks, type StackFilter } from './analyze/filter.js';
import { type NameOptions, presentNames } from './analyze/names.js';
import { type HeaptrackImportOptions, importHeaptrack } from './import/heaptrack.js';
import { importFolded } from './import/folded.js';
import { importHeapflame } from './import/heapflame.js';
import { importDhat } from './import/dhat.js';
import { importV8 } from './import/v8.js';
import { importPprof } from './import/pprof.js';
import { importSpeedscope } from './import/speedscope.js';
import { importBytehound } from './import/bytehound.js';
import { detectFormat, type Format } from './import/detect.js';
import type { Profile } from './model/profile.js';

export interface LoadOptions extends HeaptrackImportOptions, NameOptions, StackFilter {
  /** The input's format; recognised from the content when not given. */
  format?: Format;
  /** Folded input: one sample per line in file order (flame charts). */
  keepOrder?: boolean;
}

/** The importer of each format; all but heaptrack and folded take only the input options. */
const IMPORTERS: Record<Format, (path: string, options: LoadOptions) => Promise<Profile>> = {
  heaptrack: (path, o) => importHeaptrack(path, o),
  folded: (path, o) => importFolded(path, { input: o.input, onProgress: o.onProgress, keepOrder: o.keepOrder }),
  heapflame: (path, o) => importHeapflame(path, { input: o.input }),
  dhat: (path, o) => importDhat(path, { input: o.input }),
  v8: (path, o) => importV8(path, { input: o.input }),
  pprof: (path, o) => importPprof(path, { input: o.input }),
  speedscope: (path, o) => importSpeedscope(path, { input: o.input }),
  bytehound: (path, o) => importBytehound(path, { input: o.input }),
};

/** Reads a recording and prepares it for output: display names, then stack filters. */
export async function loadProfile(path: string, options: LoadOptions = {}): Promise<Profile> {
  const format = options.format ?? (await detectFormat(path, options.input));
  const profile = await IMPORTERS[format](path, options);
  return filterStacks(presentNames(profile, options), options);
}
