import type { Command } from 'commander';
import type { Limit } from '../../analyze/budget.js';
import { writeOutput } from '../../export/write-file.js';
import { HeapflameError } from '../../model/errors.js';
import { type CliCommand, INPUT, type ReadFlags, readOptions, readProfile } from '../command.js';
import { parseCount } from '../values.js';

interface CheckFlags extends ReadFlags {
  maxPeak?: string;
  maxLeaked?: string;
  maxTemporary?: string;
  maxAllocations?: number;
  maxAllocated?: string;
  maxTasks?: number;
  max?: string[];
  budget?: string;
  junit?: string;
  markdown?: string;
  link?: string[];
}

/** The limits the options and the budget file set; none at all is bad input. */
async function limitsOf(flags: CheckFlags): Promise<Limit[]> {
  const [{ parseBudget, parseLimit, parseLimitAssignment }, { readFile }] = await Promise.all([
    import('../../analyze/budget.js'),
    import('node:fs/promises'),
  ]);
  const limits: Limit[] = [];
  if (flags.budget) {
    let text: string;
    try {
      text = await readFile(flags.budget, 'utf8');
    } catch (e) {
      throw new HeapflameError(`cannot read the budget: ${(e as Error).message}`, { file: flags.budget });
    }
    limits.push(...parseBudget(text, flags.budget));
  }
  const given: [string, string | number | undefined][] = [
    ['peak', flags.maxPeak],
    ['leaked', flags.maxLeaked],
    ['temporary', flags.maxTemporary],
    ['allocations', flags.maxAllocations],
    ['allocated', flags.maxAllocated],
    ['tasks', flags.maxTasks],
  ];
  for (const [cost, value] of given) if (value !== undefined) limits.push(parseLimit(cost, value));
  for (const assignment of flags.max ?? []) limits.push(parseLimitAssignment(assignment));
  if (limits.length === 0)
    throw new HeapflameError(
      'no limits: give --max-peak, --max-leaked, --max-temporary, --max-allocations, --max-allocated, --max-tasks, --max COST=LIMIT or --budget',
    );
  return limits;
}

export const check: CliCommand = {
  name: 'check',
  configure: (cmd: Command) =>
    readOptions(
      cmd
        .description(
          'check a profile against memory limits (CI): exit 0 within budget, 1 when a limit is exceeded, 2 on bad input',
        )
        .argument('<file>', INPUT)
        .option('--max-peak <bytes>', 'peak bytes (K, M, G: 1024-based)')
        .option('--max-leaked <bytes>', 'leaked bytes (K, M, G: 1024-based)')
        .option('--max-temporary <n|p%>', 'temporary allocations: a count, or a share of all allocations such as 10%')
        .option('--max-allocations <n>', 'calls to allocation functions', parseCount)
        .option('--max-allocated <bytes>', 'bytes allocated (K, M, G: 1024-based)')
        .option('--max-tasks <n>', 'forgotten async tasks', parseCount)
        .option('--max <cost=limit...>', 'a limit on any cost the profile has, e.g. inuse=64M (repeatable)')
        .option('--budget <file>', 'a budget file (heapflame.budget.json): limits on totals and per function')
        .option('--junit <file>', 'also write the verdict as JUnit XML (a testcase per limit)')
        .option('--markdown <file>', 'also write the verdict as Markdown, for a pull-request comment')
        .option('--link <label=url...>', 'links to artifacts in the Markdown (repeatable)'),
    ),
  async run(file: string, flags: CheckFlags) {
    const [{ checkBudget }, report, { formatBytes, formatInt }] = await Promise.all([
      import('../../analyze/budget.js'),
      import('../../export/check-report.js'),
      import('../../export/format.js'),
    ]);
    const limits = await limitsOf(flags);
    const profile = await readProfile(file, flags);
    const t0 = performance.now();
    const results = checkBudget(profile, limits, (cost, v) =>
      profile.costs.find((c) => c.id === cost)?.unit === 'bytes' ? formatBytes(v) : formatInt(Math.round(v)),
    );
    const seconds = Number(((performance.now() - t0) / 1000).toFixed(3));
    const links = (flags.link ?? []).map((l) => {
      const at = l.indexOf('=');
      const link = at > 0 ? { label: l.slice(0, at), url: l.slice(at + 1) } : { label: l, url: l };
      report.artifactLink(link.url); // (refused before anything is written)
      return link;
    });
    if (flags.junit) await writeOutput(flags.junit, [report.renderJunit(results, file, seconds)]);
    if (flags.markdown) await writeOutput(flags.markdown, [report.renderMarkdown(results, file, links)]);
    await writeOutput('-', [report.renderCheckText(results, file)]);
    return results.some((r) => !r.ok) ? 1 : 0;
  },
};
