import type { Command } from 'commander';
import { terminalSafe } from '../export/format.js';
import type { LoadOptions } from '../load.js';
import { HeapflameError } from '../model/errors.js';
import { DEFAULT_MAX_WHOLE_BYTES } from '../model/limits.js';
import type { Profile } from '../model/profile.js';
import { progressReporter } from './progress.js';
import { parseRegex, parseSize, parseTime } from './values.js';

/** How a command ended: an exit code, or the signal a recorded program died of (heapflame ends by it too). */
export type ExitStatus = number | { signal: NodeJS.Signals };

/**
 * One command of the command line: `configure` declares its arguments and options on the
 * commander command made for its name; `run` gets them as commander passes them to actions
 * and returns the exit status. A command's module loads only what its description needs;
 * `run` imports the rest, so `record` starts the program sooner.
 */
export interface CliCommand {
  readonly name: string;
  configure(cmd: Command): Command;
  // (commander passes the arguments, then the options, then the command)
  // biome-ignore lint/suspicious/noExplicitAny: each command types its own arguments
  run(...args: any[]): Promise<ExitStatus>;
}

/** What every reading command accepts, for its help. */
export const INPUT =
  'any profile heapflame reads: heaptrack, Bytehound, DHAT, V8 heap profile or heap snapshot, pprof, speedscope, folded stacks or .heapflame (zstd, gzip or plain; - for stdin)';
export const COST_HELP =
  "a cost of the profile (default: its main one; heaptrack: allocations, a Node recording: allocated); an unknown one lists the profile's costs";

/** The options of every command that reads a profile. */
export interface ReadFlags {
  minSize?: number;
  maxSize?: number;
  from?: LoadOptions['from'];
  to?: LoadOptions['to'];
  /** --at T: --to T alone (the heap at T). */
  at?: LoadOptions['to'];
  focus?: RegExp;
  exclude?: RegExp;
  rawNames?: boolean;
  keepHashes?: boolean;
  shortenTemplates?: boolean;
  suppressions?: string;
  builtinSuppressions?: boolean;
  embeddedSuppressions?: boolean;
  quiet?: boolean;
  maxDocument?: number;
}

export function readOptions(cmd: Command): Command {
  return cmd
    .option('--min-size <bytes>', 'only allocations of at least this size (K, M, G: 1024-based)', parseSize)
    .option('--max-size <bytes>', 'only allocations of at most this size', parseSize)
    .option('--from <time>', 'only events from this time on (2.5s, 1500ms, 40%)', parseTime)
    .option('--to <time>', 'only events up to this time; leaked = allocated in the window, live at its end', parseTime)
    .option(
      '--at <time>',
      'the heap at this time, a snapshot in time of a recording: leaked = allocated before it and alive then (--to alone)',
      parseTime,
    )
    .option('--focus <regex>', 'only stacks with a frame matching this', parseRegex)
    .option('--exclude <regex>', 'drop stacks with a frame matching this', parseRegex)
    .option(
      '--raw-names',
      'heaptrack_print-compatible output: its names (no Rust demangling), frame order and suppression handling',
    )
    .option('--keep-hashes', 'keep Rust hash suffixes and crate disambiguators')
    .option('--no-shorten-templates', 'keep C++ template arguments (heaptrack_print -t 0)')
    .option('--suppressions <file>', 'LeakSanitizer-style leak suppressions (leak:<pattern> lines)')
    .option('--no-builtin-suppressions', "do not apply heaptrack's built-in leak suppressions")
    .option('--no-embedded-suppressions', 'ignore suppressions embedded in the recording')
    .option(
      '--max-document <size>',
      `JSON and pprof inputs are read whole: refuse more than this once decompressed (default ${DEFAULT_MAX_WHOLE_BYTES / 2 ** 20}M)`,
      parseSize,
    )
    .option('-q, --quiet', 'no progress display');
}

/** Loads a profile as the read options say, with progress on a terminal and its warnings on stderr. */
export async function readProfile(file: string, flags: ReadFlags, extra: Partial<LoadOptions> = {}): Promise<Profile> {
  if (flags.at !== undefined && (flags.from !== undefined || flags.to !== undefined))
    throw new HeapflameError('--at T is the heap at T (--to T alone): give --at, or --from/--to');
  const progress = progressReporter(terminalSafe(file), !flags.quiet);
  try {
    const { loadProfile } = await import('../load.js');
    const profile = await loadProfile(file, {
      minSize: flags.minSize,
      maxSize: flags.maxSize,
      from: flags.from,
      to: flags.at ?? flags.to,
      focus: flags.focus,
      exclude: flags.exclude,
      raw: flags.rawNames,
      heaptrackCompat: flags.rawNames,
      keepHashes: flags.keepHashes,
      shortenTemplates: flags.shortenTemplates,
      suppressionsFile: flags.suppressions,
      builtinSuppressions: flags.builtinSuppressions,
      embeddedSuppressions: flags.embeddedSuppressions,
      onProgress: progress.update,
      input: flags.maxDocument === undefined ? undefined : { maxWholeBytes: flags.maxDocument },
      ...extra,
    });
    for (const w of profile.warnings) process.stderr.write(`heapflame: warning: ${terminalSafe(w)}\n`);
    return profile;
  } finally {
    progress.done();
  }
}
