import type { ImportFormat, ImportOptions } from '../format.js';
import { jsonHead } from '../io/head.js';
import { profileOfSnapshot } from './profile.js';
import { readHeapSnapshot } from './reader.js';
import { computeRetention } from './retention.js';

/**
 * V8 heap snapshots (`.heapsnapshot`: `v8.writeHeapSnapshot()`, `--heapsnapshot-signal`,
 * Chrome DevTools): the object graph at one moment, read as its dominator tree (profile.ts).
 */
export const heapSnapshotFormat: ImportFormat = {
  name: 'heapsnapshot',
  signature: 'V8 heap snapshot (JSON with "snapshot": {"meta"...})',
  sniff: (head) => /^\s*\{\s*"snapshot"\s*:\s*\{\s*"meta"\s*:/.test(jsonHead(head) ?? ''),
  load: async (path: string, options: ImportOptions) => {
    const { graph, warnings } = await readHeapSnapshot(path, options);
    return profileOfSnapshot(graph, computeRetention(graph), warnings);
  },
};
