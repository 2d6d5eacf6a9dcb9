import type { ImportFormat } from './format.js';
import { heaptrackFormat } from './heaptrack/format.js';
import { opensLikeRecording } from './heaptrack/ring.js';
import { detectCompression, largeFileHead } from './io/sniff.js';

/**
 * The formats with a warm-up (ImportFormat.warmUp), imported alone: the registry loads every
 * reader's module (30–40 ms), and a warm-up is only worth it when it starts first. A test
 * checks that this list holds every format of the registry that has one.
 */
export const WARM_UP_FORMATS: readonly ImportFormat[] = [heaptrackFormat];

/**
 * Lets the formats start their work for a large file (heaptrack's decoding thread reads it)
 * before the rest of a program loads. Cheap for anything else: a path that is no file, or a
 * small one, starts nothing.
 */
export function warmUp(path: string): void {
  const head = largeFileHead(path);
  if (!head) return;
  for (const format of WARM_UP_FORMATS) format.warmUp?.(head, path);
}

/**
 * Whether the reader of a file with these first raw bytes keeps its data in array buffers,
 * which glibc allocates (so huge pages can back them: see cli/huge-pages.ts): a heaptrack
 * recording, or any compressed input (pprof, .heapflame). Folded stacks are read into
 * WebAssembly memory and JSON into V8's heap.
 */
export function keepsDataInArrayBuffers(rawHead: Buffer): boolean {
  return detectCompression(rawHead) !== 'none' || opensLikeRecording(rawHead);
}
