import type { Command } from 'commander';
import { writeOutput } from '../../export/write-file.js';
import { COST_HELP, type CliCommand, INPUT, type ReadFlags, readOptions, readProfile } from '../command.js';

export const convert: CliCommand = {
  name: 'convert',
  configure: (cmd: Command) =>
    readOptions(
      cmd
        .description(
          'write a profile in another format, chosen by the output name: .pb.gz (pprof), .speedscope.json, .dhat.json, .folded, .heapflame',
        )
        .argument('<file>', INPUT)
        .requiredOption('-o, --output <file>', 'the converted profile (- for stdout)')
        .option('-c, --cost <cost>', `folded output: ${COST_HELP}`),
    ),
  async run(file: string, flags: ReadFlags & { output: string; cost?: string }) {
    const { profileExporter } = await import('../../export/registry.js');
    const exporter = profileExporter(flags.output);
    await writeOutput(flags.output, exporter.chunks(await readProfile(file, flags), { cost: flags.cost }));
    return 0;
  },
};
