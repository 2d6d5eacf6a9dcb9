import type { Command } from 'commander';
import { lineSafe } from '../../export/format.js';
import { writeOutput } from '../../export/write-file.js';
import { HeapflameError } from '../../model/errors.js';
import { COST_HELP, type CliCommand, type ReadFlags, readOptions, readProfile } from '../command.js';
import { parseCount } from '../values.js';

interface DiffFlags extends ReadFlags {
  cost?: string;
  failOnGrowth?: string;
  output?: string;
  negate?: boolean;
  json?: boolean;
  top: number;
}

export const diff: CliCommand = {
  name: 'diff',
  configure: (cmd: Command) =>
    readOptions(
      cmd
        .description(
          'what changed between two profiles (or one two-column folded file): top growing and shrinking functions, and a differential flame graph with -o',
        )
        .argument('<base>', 'the earlier profile (or folded stacks with two count columns)')
        .argument('[new]', 'the later profile')
        .option('-c, --cost <cost>', `cost to compare: ${COST_HELP}`)
        .option('-o, --output <file>', 'differential flame graph (.svg, or .html: interactive)')
        .option('--negate', 'widths from BASE instead of NEW')
        .option('--json', 'the comparison as JSON (schema heapflame.diff/1)')
        .option(
          '--fail-on-growth <p%>',
          'exit 1 when the total of the cost grew by more than this share (CI), e.g. 10%',
        )
        .option('-n, --top <n>', 'functions per list', parseCount, 10),
    ),
  async run(baseFile: string, newFile: string | undefined, flags: DiffFlags) {
    const [
      { diffProfiles, growthVerdict, parseGrowthLimit },
      { isDiffProfile },
      { renderDiffJson, renderDiffText },
      { graphExporter },
      { requireCost },
    ] = await Promise.all([
      import('../../analyze/diff.js'),
      import('../../export/svg.js'),
      import('../../export/diff-report.js'),
      import('../../export/registry.js'),
      import('../../model/profile.js'),
    ]);
    const graph = flags.output === undefined ? undefined : graphExporter(flags.output);
    const allowed = flags.failOnGrowth === undefined ? undefined : parseGrowthLimit(flags.failOnGrowth);
    const base = await readProfile(baseFile, flags);
    const cost = newFile === undefined ? undefined : requireCost(base, flags.cost).id;
    const diff = newFile === undefined ? base : diffProfiles(base, await readProfile(newFile, flags), cost);
    if (!isDiffProfile(diff))
      throw new HeapflameError('one file given: expected folded stacks with two count columns ("stack before after")', {
        file: baseFile,
      });
    const label = cost ?? 'samples';
    if (graph && flags.output) {
      // (an SVG titles a differential graph itself, by the side its widths come from)
      const title = graph.name === 'html' ? `heapflame diff: ${label}` : undefined;
      await writeOutput(flags.output, graph.chunks(diff, { negate: flags.negate, title }));
    }
    await writeOutput('-', [
      flags.json ? renderDiffJson(diff, label, flags.top) : renderDiffText(diff, label, flags.top),
    ]);
    if (allowed === undefined) return 0;
    const verdict = growthVerdict(diff, label, allowed);
    process.stderr.write(`heapflame: ${lineSafe(verdict.message)}\n`);
    return verdict.ok ? 0 : 1;
  },
};
