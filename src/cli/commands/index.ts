import type { CliCommand } from '../command.js';

/**
 * Every command, in the order `--help` lists them, each loaded only when asked for: a command
 * line that names one loads that one's module (10–20 ms less start-up for every run, and
 * `record` starts the program sooner); help, a version or an unknown word loads them all.
 */
const LOADERS = {
  report: () => import('./report.js').then((m) => m.report),
  folded: () => import('./folded.js').then((m) => m.folded),
  flamegraph: () => import('./flamegraph.js').then((m) => m.flamegraph),
  diff: () => import('./diff.js').then((m) => m.diff),
  leaks: () => import('./leaks.js').then((m) => m.leaks),
  check: () => import('./check.js').then((m) => m.check),
  convert: () => import('./convert.js').then((m) => m.convert),
  watch: () => import('./watch.js').then((m) => m.watch),
  record: () => import('./record.js').then((m) => m.record),
  demo: () => import('./demo.js').then((m) => m.demo),
} satisfies Record<string, () => Promise<CliCommand>>;

export type CommandName = keyof typeof LOADERS;
export const COMMAND_NAMES = Object.keys(LOADERS) as CommandName[];

/** The commands named (all of them by default), in help order. */
export function loadCommands(names: readonly CommandName[] = COMMAND_NAMES): Promise<CliCommand[]> {
  return Promise.all(COMMAND_NAMES.filter((n) => names.includes(n)).map((n) => LOADERS[n]()));
}

/** The commands a command line needs: the one its first word names, else every one. */
export function commandsFor(argv: readonly string[]): CommandName[] {
  const first = argv[2];
  return COMMAND_NAMES.includes(first as CommandName) ? [first as CommandName] : COMMAND_NAMES;
}
