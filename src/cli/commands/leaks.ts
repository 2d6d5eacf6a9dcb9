import type { Command } from 'commander';
import { terminalSafe } from '../../export/format.js';
import { writeOutput } from '../../export/write-file.js';
import type { CliCommand } from '../command.js';
import { parseCount } from '../values.js';

interface LeaksFlags {
  json?: boolean;
  output?: string;
  top: number;
  failOnLeaks?: boolean;
}

export const leaks: CliCommand = {
  name: 'leaks',
  configure: (cmd: Command) =>
    cmd
      .description(
        'objects allocated between two heap snapshots and still alive in a third (memlab style), clustered by retainer path, largest first',
      )
      .argument('<base>', 'a V8 heap snapshot before the action (e.g. after warm-up)')
      .argument('<target>', 'one after the action that may leak')
      .argument('[final]', 'one after the action was undone or finished (without it, TARGET is searched)')
      .option('--json', 'the clusters as JSON (schema heapflame.leaks/1)')
      .option('-o, --output <file>', 'write to a file instead of stdout')
      .option('-n, --top <n>', 'clusters shown', parseCount, 10)
      .option('--fail-on-leaks', 'exit 1 when any cluster is found (CI)'),
  async run(baseFile: string, targetFile: string, finalFile: string | undefined, flags: LeaksFlags) {
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
    const text = flags.json ? renderLeaksJson(report, inputs) : renderLeaksText(report, inputs, flags.top);
    await writeOutput(flags.output ?? '-', [text]);
    return flags.failOnLeaks && report.clusters.length > 0 ? 1 : 0;
  },
};
