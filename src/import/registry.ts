import { HeapflameError } from '../model/errors.js';
import type { Profile } from '../model/profile.js';
import { bytehoundFormat } from './bytehound.js';
import { dhatFormat } from './dhat.js';
import { foldedFormat } from './folded/format.js';
import type { ImportFormat, ImportOptions } from './format.js';
import { heapflameFormat } from './heapflame.js';
import { heaptrackFormat } from './heaptrack/format.js';
import { heapSnapshotFormat } from './heapsnapshot/format.js';
import { readHead } from './io/head.js';
import { pprofFormat } from './pprof.js';
import { speedscopeFormat } from './speedscope.js';
import { v8Format } from './v8.js';

/**
 * Every format heapflame reads, in the order they are tried on a file's first bytes: the
 * exact signatures first, folded stacks (any text ending lines in counts) last.
 */
export const FORMATS: readonly ImportFormat[] = [
  heaptrackFormat,
  heapflameFormat,
  dhatFormat,
  v8Format,
  heapSnapshotFormat,
  pprofFormat,
  speedscopeFormat,
  bytehoundFormat,
  foldedFormat,
];

/** The format of that name; an unknown name is an error listing the names. */
export function formatNamed(name: string): ImportFormat {
  const format = FORMATS.find((f) => f.name === name);
  if (!format)
    throw new HeapflameError(
      `unknown input format "${name}": heapflame reads ${FORMATS.map((f) => f.name).join(', ')}`,
    );
  return format;
}

/** Which format a file is, from its first decompressed bytes (never its name). */
export async function detectFormat(path: string, options?: ImportOptions['input']): Promise<ImportFormat> {
  const head = await readHead(path, options);
  const format = FORMATS.find((f) => f.sniff(head));
  if (format) return format;
  throw new HeapflameError(`not a format heapflame reads; tried: ${FORMATS.map((f) => f.signature).join(', ')}`, {
    file: path,
  });
}

/** Reads a file in its format (given, or recognised from its content). */
export async function importProfile(path: string, options: ImportOptions & { format?: string } = {}): Promise<Profile> {
  const format = options.format === undefined ? await detectFormat(path, options.input) : formatNamed(options.format);
  return format.load(path, options);
}
