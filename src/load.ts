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

/** Reads a recording and prepares it for output: display names, then stack filters. */
export async function loadProfile(path: string, options: LoadOptions = {}): Promise<Profile> {
  const format = options.format ?? (await detectFormat(path, options.input));
  const profile =
    format === 'folded'
      ? await importFolded(path, { input: options.input, onProgress: options.onProgress, keepOrder: options.keepOrder })
      : format === 'heapflame'
        ? await importHeapflame(path, { input: options.input })
        : format === 'dhat'
          ? await importDhat(path, { input: options.input })
          : format === 'v8'
            ? await importV8(path, { input: options.input })
            : format === 'pprof'
              ? await importPprof(path, { input: options.input })
              : format === 'speedscope'
                ? await importSpeedscope(path, { input: options.input })
                : format === 'bytehound'
                  ? await importBytehound(path, { input: options.input })
                  : await importHeaptrack(path, options);
  return filterStacks(presentNames(profile, options), options);
}
