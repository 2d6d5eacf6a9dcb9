import type { Command } from 'commander';
import { writeOutput } from '../../export/write-file.js';
import { type CliCommand, INPUT, type ReadFlags, readOptions, readProfile } from '../command.js';
import { parseCount } from '../values.js';

interface ReportFlags extends ReadFlags {
  cost?: string;
  json?: boolean;
  output?: string;
  top: number;
  stacks: number;
  dhatView?: number;
}

export const report: CliCommand = {
  name: 'report',
  configure: (cmd: Command) =>
    readOptions(
      cmd
        .description('totals and top places per cost, the main cost first (heaptrack_print style), or --json')
        .argument('<file>', INPUT)
        .option('-c, --cost <cost>', "only this cost's section")
        .option('--json', 'machine-readable report (schema heapflame.report/1)')
        .option('-o, --output <file>', 'write to a file instead of stdout')
        .option(
          '--dhat-view <metric>',
          "DHAT files: dh_view's program-point tree for one of its sort metrics (0-13, 1 is dh_view's default)",
          parseCount,
        )
        .option('-n, --top <n>', 'places per section', parseCount, 10)
        .option('-s, --stacks <n>', 'stacks per place', parseCount, 5),
    ),
  async run(file: string, flags: ReportFlags) {
    const profile = await readProfile(file, flags);
    if (flags.dhatView !== undefined) {
      const { renderDhatView } = await import('../../export/dhat-view-text.js');
      await writeOutput(flags.output ?? '-', [renderDhatView(profile, flags.dhatView)]);
      return 0;
    }
    const { requireCost } = await import('../../model/profile.js');
    const sections = flags.cost === undefined ? undefined : [requireCost(profile, flags.cost).id];
    const opts = { limit: flags.top, stacksPerEntry: flags.stacks, file, sections, heaptrackCompat: flags.rawNames };
    const text = flags.json
      ? (await import('../../export/report-json.js')).renderJsonReport(profile, opts)
      : (await import('../../export/report-text.js')).renderTextReport(profile, opts);
    await writeOutput(flags.output ?? '-', [text]);
    return 0;
  },
};
