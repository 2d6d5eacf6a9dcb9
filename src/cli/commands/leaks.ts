import type { Command } from 'commander';
import { basename } from 'node:path';
import type { LeakInputs } from '../../export/leaks-report.js';
import type { HeapGraph, Retention } from '../../model/heap-graph.js';
import type { LeakReport } from '../../model/profile.js';
import { terminalSafe } from '../../export/format.js';
import { writeOutput } from '../../export/write-file.js';
import { HeapflameError } from '../../model/errors.js';
import { type CliCommand, type ReadFlags, readOptions, readProfile } from '../command.js';
import { parseCount } from '../values.js';

interface LeaksFlags extends ReadFlags {
  json?: boolean;
  output?: string;
  top: number;
  failOnLeaks?: boolean;
}

export const leaks: CliCommand = {
  name: 'leaks',
  configure: (cmd: Command) =>
    readOptions(
      cmd
        .description(
          'what stayed: objects allocated between two heap snapshots and still alive in a third (memlab style), clustered by retainer path; or, of a recording, the blocks allocated in --from/--to (or before --at) and alive at its end',
        )
        .argument('<base>', 'a V8 heap snapshot before the action (e.g. after warm-up), or a recording')
        .argument('[target]', 'a snapshot after the action that may leak')
        .argument('[final]', 'a snapshot after the action was undone or finished (without it, TARGET is searched)')
        .option('--json', 'as JSON (snapshots: schema heapflame.leaks/1; a recording: heapflame.report/1)')
        .option(
          '-o, --output <file>',
          'write to a file instead of stdout; snapshots to .html: the page with the leak clusters (path beside stack), the classes and the flame graph of who holds what',
        )
        .option('-n, --top <n>', 'clusters (or places) shown', parseCount, 10)
        .option('--fail-on-leaks', 'exit 1 when anything stayed (CI)'),
    ),
  async run(baseFile: string, targetFile: string | undefined, finalFile: string | undefined, flags: LeaksFlags) {
    const { isHeapSnapshot } = await import('../../load.js');
    if (!(await isHeapSnapshot(baseFile))) return recordingLeaks(baseFile, targetFile, flags);
    if (targetFile === undefined)
      throw new HeapflameError(
        'leaks of heap snapshots needs BASE and TARGET (and FINAL): heapflame leaks BASE TARGET [FINAL]',
      );
    return snapshotLeaks(baseFile, targetFile, finalFile, flags);
  },
};

async function snapshotLeaks(baseFile: string, targetFile: string, finalFile: string | undefined, flags: LeaksFlags) {
  const [{ loadHeapSnapshot, loadSnapshotIds }, { findLeaks }, { renderLeaksJson, renderLeaksText }] =
    await Promise.all([
      import('../../load.js'),
      import('../../analyze/heap-leaks.js'),
      import('../../export/leaks-report.js'),
    ]);
  // one graph in memory: of BASE and TARGET (when FINAL is searched) only the ids are read
  const base = await loadSnapshotIds(baseFile);
  const target = finalFile === undefined ? null : await loadSnapshotIds(targetFile);
  const searched = await loadHeapSnapshot(finalFile ?? targetFile);
  const warnings = [...base.warnings, ...(target?.warnings ?? []), ...searched.warnings];
  for (const w of warnings) process.stderr.write(`heapflame: warning: ${terminalSafe(w)}\n`);
  const report = findLeaks(base.ids, target?.ids ?? null, searched);
  const inputs = { base: baseFile, target: targetFile, final: finalFile, warnings };
  if (flags.output && /\.html?$/i.test(flags.output) && !flags.json)
    await leaksPage(report, searched, inputs, flags.output);
  else {
    const text = flags.json ? renderLeaksJson(report, inputs) : renderLeaksText(report, inputs, flags.top);
    await writeOutput(flags.output ?? '-', [text]);
  }
  return flags.failOnLeaks && report.clusters.length > 0 ? 1 : 0;
}

/** The HTML page of the searched snapshot (its dominator tree and classes) with the leak clusters. */
async function leaksPage(
  report: LeakReport,
  searched: { graph: HeapGraph; retention: Retention },
  inputs: LeakInputs,
  output: string,
) {
  const [{ profileOfHeapSnapshot }, { renderHtml }] = await Promise.all([
    import('../../load.js'),
    import('../../export/html.js'),
  ]);
  const profile = await profileOfHeapSnapshot({ ...searched, warnings: inputs.warnings });
  profile.heap = { ...profile.heap!, leaks: report };
  const title = `heapflame leaks: ${basename(inputs.final ?? inputs.target)} since ${basename(inputs.base)}`;
  await writeOutput(output, [renderHtml(profile, { title })]);
}

/**
 * A recording's leaks in a time window, Bytehound's "leaks between T1 and T2": the `leaked`
 * cost of an import with --from/--to (or --at), the blocks allocated in the window and alive
 * at its end, as report's section of it.
 */
async function recordingLeaks(file: string, extra: string | undefined, flags: LeaksFlags) {
  if (extra !== undefined)
    throw new HeapflameError(
      `${file} is a recording, not a heap snapshot: its leaks are in one file, over a window (--from T1 --to T2, or --at T)`,
    );
  const profile = await readProfile(file, flags);
  const [{ requireCost }, { renderJsonReport }, { renderTextReport }] = await Promise.all([
    import('../../model/profile.js'),
    import('../../export/report-json.js'),
    import('../../export/report-text.js'),
  ]);
  const cost = requireCost(profile, 'leaked').id;
  const opts = { limit: flags.top, stacksPerEntry: 5, file, sections: [cost] };
  await writeOutput(flags.output ?? '-', [
    flags.json ? renderJsonReport(profile, opts) : renderTextReport(profile, opts),
  ]);
  return flags.failOnLeaks && (profile.totals.leaked ?? 0) > 0 ? 1 : 0;
}
