import type { Profile, TimePoint } from '../model/profile.js';
import type { InputOptions } from './io/input.js';

/**
 * What the importers understand. Each format takes the options that apply to it and ignores
 * the rest: the allocation filters and suppressions need per-allocation data, so only the
 * streaming importers of such data (heaptrack) apply them while reading.
 */
export interface ImportOptions {
  /** Only allocations of at least this many bytes count (temporary, leaked, peak recomputed). */
  minSize?: number;
  /** Only allocations of at most this many bytes count. */
  maxSize?: number;
  /** Only events from this time on count. */
  from?: TimePoint;
  /** Only events up to this time count; leaked = allocated in the window and live at its end. */
  to?: TimePoint;
  /**
   * Note when blocks are allocated and freed, by time slice (profile.lifetimes), for outputs
   * that recompute a time range (the HTML report). Not with a time window.
   */
  lifetimes?: boolean;
  /** LSan-style suppression file (`leak:<pattern>` lines). */
  suppressionsFile?: string;
  /** heaptrack_print's built-in suppressions (libc, ld.so, GLib one-time allocations). Default true. */
  builtinSuppressions?: boolean;
  /** Suppressions embedded in the recording (`__lsan_default_suppressions`). Default true. */
  embeddedSuppressions?: boolean;
  /**
   * Reproduce heaptrack_print 1.4 where heapflame deliberately differs: embedded suppressions
   * of format-3 files are ignored (heaptrack 1.3–1.5 reject them). Default false.
   */
  heaptrackCompat?: boolean;
  /** Folded input: one sample per line in file order (flame charts). */
  keepOrder?: boolean;
  /** Called after each chunk with compressed bytes read and the input size when known. */
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
  input?: InputOptions;
}

/**
 * A format heapflame reads. It recognises its own files from their first bytes, so adding a
 * format is its module plus one line in the registry (registry.ts), which tries them in order.
 */
export interface ImportFormat {
  /** Its name: `LoadOptions.format`, and the profile's `meta.format`. */
  readonly name: string;
  /** How its files open, for the error that lists what heapflame reads. */
  readonly signature: string;
  /** Whether the first decompressed bytes (up to HEAD_BYTES, fewer for a short file) are this format's. */
  sniff(head: Buffer): boolean;
  /** Reads a file (`-`: standard input) of this format into a profile. */
  load(path: string, options: ImportOptions): Promise<Profile>;
  /**
   * Starts what reading a large file will need while the rest of the program loads, given its
   * first raw (possibly compressed) bytes. Only a guess: the file is recognised later. Listed
   * in warm-up.ts too, which loads without the registry.
   */
  warmUp?(rawHead: Buffer, path: string): void;
}
