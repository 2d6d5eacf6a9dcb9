import type { ImportFormat } from '../format.js';
import { detectCompression } from '../io/sniff.js';
import { prestartWorker } from './prestart.js';
import { opensLikeRecording } from './ring.js';

/**
 * heaptrack recordings start with `v <hex>` (the heaptrack version, then the file format);
 * raw ones (`heaptrack -r`) with `v` too, and are explained by the importer.
 */
export const heaptrackFormat: ImportFormat = {
  name: 'heaptrack',
  signature: 'heaptrack (first line "v <version> <format>")',
  sniff: (head) => /^v [0-9a-f]+( [0-9a-f]+)?\n/.test(head.toString('latin1')),
  // (the importer loads when a file is read: a warm-up needs only the decoding thread)
  load: async (path, options) => (await import('./importer.js')).importHeaptrack(path, options),
  // A large compressed file, or text opening like a recording, starts being read now.
  warmUp(rawHead, path) {
    if (detectCompression(rawHead) !== 'none' || opensLikeRecording(rawHead)) prestartWorker(path);
  },
};
