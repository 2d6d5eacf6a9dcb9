import type { Command } from 'commander';
import { writeOutput } from '../../export/write-file.js';
import { COST_HELP, type CliCommand, INPUT, type ReadFlags, readOptions, readProfile } from '../command.js';

export const folded: CliCommand = {
  name: 'folded',
  configure: (cmd: Command) =>
    readOptions(
      cmd
        .description('folded stacks for flame graphs, one line per stack (heaptrack_print -F compatible)')
        .argument('<file>', INPUT)
        .option('-c, --cost <cost>', COST_HELP)
        .option('-o, --output <file>', 'output file (default: stdout)'),
    ),
  async run(file: string, flags: ReadFlags & { cost?: string; output?: string }) {
    const profile = await readProfile(file, flags);
    const { exporterNamed } = await import('../../export/registry.js');
    await writeOutput(
      flags.output ?? '-',
      exporterNamed('folded').chunks(profile, { cost: flags.cost, heaptrackOrder: flags.rawNames }),
    );
    return 0;
  },
};
