import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { terminalSafe } from '../export/format.js';
import { HeapflameError } from '../model/errors.js';
import type { CliCommand, ExitStatus } from './command.js';
import { commandsFor, loadCommands } from './commands/index.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The command line of `commands` (see loadCommands); each one's `run` reports its exit status to `onExit`. */
export function buildProgram(
  commands: readonly CliCommand[],
  onExit: (status: ExitStatus) => void = () => {},
): Command {
  const program = new Command('heapflame')
    .description(
      'Memory recordings into answers: where a program allocates, what it throws away at once, what it never frees and what was live at its peak.\n' +
        'Records Node programs itself and native ones with heaptrack; reads heaptrack, Bytehound, DHAT, V8 heap profiles, pprof, speedscope and folded stacks;\n' +
        'writes text and JSON reports, folded stacks, SVG flame graphs, an interactive HTML report, diffs, CI verdicts (check) and other formats (convert).',
    )
    .version(VERSION)
    .showHelpAfterError('(add --help for usage)')
    // `record`'s command line is the program's from its first word on
    .enablePositionalOptions()
    // set before the subcommands exist: they copy these settings
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const command of commands) {
    command
      .configure(program.command(command.name))
      .action(async (...args: unknown[]) => onExit(await command.run(...args)));
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let status = 0 as ExitStatus;
  const program = buildProgram(await loadCommands(commandsFor(argv)), (s) => (status = s));
  try {
    await program.parseAsync(argv);
    if (typeof status === 'number') return status;
    // end as the recorded program ended: by the same signal
    process.removeAllListeners(status.signal);
    process.kill(process.pid, status.signal);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage mistakes are bad input
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof HeapflameError) {
      process.stderr.write(`heapflame: error: ${terminalSafe(e.toString())}\n`);
      return 2;
    }
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code === 'EPIPE') return 0;
    if (code && typeof code === 'string') {
      const err = e as NodeJS.ErrnoException;
      process.stderr.write(
        `heapflame: error: ${terminalSafe(err.path ?? '')}${err.path ? ': ' : ''}${terminalSafe(err.message)}\n`,
      );
      return 2;
    }
    // A bug, not bad input: one line unless asked for the details.
    const detail = process.env.HEAPFLAME_DEBUG ? (e as Error)?.stack : (e as Error)?.message;
    process.stderr.write(
      `heapflame: internal error: ${terminalSafe(String(detail ?? e))} (set HEAPFLAME_DEBUG=1 for details)\n`,
    );
    return 70;
  }
}
