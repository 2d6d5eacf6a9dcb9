import { type Command, Option } from 'commander';
import type { CliCommand } from '../command.js';
import { parseCount, parseSeconds, parseSize } from '../values.js';

interface RecordFlags {
  output?: string;
  mode: 'alloc' | 'live';
  interval: number;
  precise?: boolean;
  pid?: number;
  snapshot?: 'exit';
  snapshotEvery?: number;
  trackAllocations?: boolean;
}

export const record: CliCommand = {
  name: 'record',
  configure: (cmd: Command) =>
    cmd
      .description(
        'run a program and record its memory: Node programs with the built-in recorder, native ones with heaptrack',
      )
      .argument('[command...]', 'the program and its arguments, after --')
      .option('-o, --output <file>', 'recording file (other Node processes of the run write FILE.<pid>)')
      .addOption(
        new Option(
          '--mode <mode>',
          'Node: alloc = every sampled allocation; live = what is alive at exit and at the peak',
        )
          .choices(['alloc', 'live'])
          .default('alloc'),
      )
      .option(
        '--interval <bytes>',
        'Node: bytes between samples, K and M 1024-based (default 128K; 32K: more detail, about 12 % CPU on allocation-heavy code)',
        parseSize,
      )
      .option(
        '--precise',
        'Node: turn off V8 inlining so allocations are charged to the function that makes them (slower)',
      )
      .option('--pid <pid>', 'attach to a running native process (heaptrack -p)', parseCount)
      .addOption(
        new Option(
          '--snapshot <when>',
          'Node: a V8 heap snapshot beside the recording (FILE.exit.heapsnapshot)',
        ).choices(['exit']),
      )
      .option(
        '--snapshot-every <seconds>',
        'Node: a heap snapshot every SECONDS; the first and the last two are kept (BASE, TARGET, FINAL for `leaks`). Each pauses the program while V8 writes it',
        parseSeconds,
      )
      .option(
        '--track-allocations',
        "Node: V8's allocation tracking, so each snapshot's objects carry the stack that allocated them (allocation-heavy code runs tens of times slower)",
      )
      .passThroughOptions(),
  async run(command: string[], flags: RecordFlags) {
    const [{ record: recordProgram }, { writtenLines }] = await Promise.all([
      import('../../record/run.js'),
      import('../../record/run-files.js'),
    ]);
    const result = await recordProgram({
      command,
      out: flags.output,
      mode: flags.mode,
      interval: flags.interval,
      precise: flags.precise,
      pid: flags.pid,
      snapshotAtExit: flags.snapshot === 'exit',
      snapshotEveryMs: flags.snapshotEvery === undefined ? undefined : flags.snapshotEvery * 1000,
      trackAllocations: flags.trackAllocations,
      // a Node program takes this process's place where Node can (the recorder lists the files)
      exec: true,
    });
    // every Node process of the run writes a file: say which holds which
    for (const line of writtenLines(result)) process.stderr.write(`${line}\n`);
    // the program's own status, as if it had run alone
    return result.signal ? { signal: result.signal } : (result.exitCode ?? 1);
  },
};
