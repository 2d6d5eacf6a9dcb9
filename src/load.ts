import type { StackFilter } from './analyze/filter.js';
import type { NameOptions } from './analyze/names.js';
import type { ImportOptions } from './import/format.js';
import { HeapflameError } from './model/errors.js';
import type { HeapGraph, Retention } from './model/heap-graph.js';
import type { Profile } from './model/profile.js';

// what the command line starts before it loads the rest of itself
export { fileHead } from './import/io/sniff.js';
export { keepsDataInArrayBuffers, warmUp } from './import/warm-up.js';

export interface LoadOptions extends ImportOptions, NameOptions, StackFilter {
  /** The input's format (a name of the registry's); recognised from the content when not given. */
  format?: string;
}

/** Reads a recording and prepares it for output: display names, then stack filters. */
export async function loadProfile(path: string, options: LoadOptions = {}): Promise<Profile> {
  const [{ importProfile }, { presentNames }, { filterStacks }] = await Promise.all([
    import('./import/registry.js'),
    import('./analyze/names.js'),
    import('./analyze/filter.js'),
  ]);
  return filterStacks(presentNames(await importProfile(path, options), options), options);
}

/** A heap snapshot's object graph and who retains what in it (the `leaks` command's input). */
export async function loadHeapSnapshot(
  path: string,
  options: Pick<ImportOptions, 'input' | 'onProgress'> = {},
): Promise<{ graph: HeapGraph; retention: Retention; warnings: string[] }> {
  const { computeRetention } = await import('./import/heapsnapshot/retention.js');
  const { graph, warnings } = await snapshotGraph(path, options);
  return { graph, retention: computeRetention(graph), warnings };
}

/** The profile of a loaded heap snapshot (its dominator tree, its classes), as loadProfile makes it. */
export async function profileOfHeapSnapshot(snapshot: {
  graph: HeapGraph;
  retention: Retention;
  warnings: string[];
}): Promise<Profile> {
  const { profileOfSnapshot } = await import('./import/heapsnapshot/profile.js');
  return profileOfSnapshot(snapshot.graph, snapshot.retention, [...snapshot.warnings]);
}

async function snapshotGraph(
  path: string,
  options: Pick<ImportOptions, 'input' | 'onProgress'>,
): Promise<{ graph: HeapGraph; warnings: string[] }> {
  await requireSnapshot(path, options);
  const { readHeapSnapshot } = await import('./import/heapsnapshot/reader.js');
  return readHeapSnapshot(path, options);
}

/** One clear error for a file that is some other format. */
async function requireSnapshot(path: string, options: Pick<ImportOptions, 'input'>): Promise<void> {
  const { detectFormat } = await import('./import/registry.js');
  const format = await detectFormat(path, options.input);
  if (format.name !== 'heapsnapshot')
    throw new HeapflameError(`a V8 heap snapshot is needed here; this is ${format.signature}`, { file: path });
}

/** Whether a file is a V8 heap snapshot (by its content; an unreadable file is an error). */
export async function isHeapSnapshot(path: string, options: Pick<ImportOptions, 'input'> = {}): Promise<boolean> {
  const { detectFormat } = await import('./import/registry.js');
  return (await detectFormat(path, options.input)).name === 'heapsnapshot';
}

/** The ids of every object of a heap snapshot, sorted (what `leaks` needs of BASE and TARGET): nothing else is kept. */
export async function loadSnapshotIds(
  path: string,
  options: Pick<ImportOptions, 'input'> = {},
): Promise<{ ids: Uint32Array; warnings: string[] }> {
  await requireSnapshot(path, options);
  const { readSnapshotIds } = await import('./import/heapsnapshot/reader.js');
  return readSnapshotIds(path, options);
}
