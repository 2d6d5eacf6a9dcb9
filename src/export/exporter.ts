import type { Profile } from '../model/profile.js';
import type { FoldedOptions } from './folded.js';
import type { HtmlOptions } from './html.js';
import type { SvgOptions } from './svg.js';

/** What exporters accept; each takes what applies to it and ignores the rest. */
export type ExportOptions = SvgOptions & HtmlOptions & FoldedOptions;

/**
 * A format heapflame writes, chosen by the output file's name. `profile` formats are files
 * other tools read (`convert`); `graph` formats are pictures (`flamegraph`, `diff -o`).
 * Adding one is its module plus one line in the registry (registry.ts).
 */
export interface Exporter {
  readonly name: string;
  readonly kind: 'profile' | 'graph';
  /** Output names ending in one of these (any case) are written by it; the first is its usual one. */
  readonly suffixes: readonly string[];
  /** How the format is named in messages and help. */
  readonly label: string;
  /**
   * What it asks of the import beyond the profile every format gives: `lifetimes`, when blocks
   * were allocated and freed (for time ranges), from the formats that have them.
   */
  readonly wants?: { readonly lifetimes?: boolean };
  /** The defaults of its options, defined once (the command line shows and passes them). */
  readonly defaults?: Readonly<Partial<ExportOptions>>;
  /** The file's bytes, in chunks so large outputs stream to disk. */
  chunks(profile: Profile, options: ExportOptions): Iterable<string | Uint8Array>;
}
