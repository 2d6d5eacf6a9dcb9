import type { LeakCluster, LeakReport } from '../model/profile.js';
import { formatBytes, formatInt, lineSafe } from './format.js';

export const LEAKS_SCHEMA = 'heapflame.leaks/1';

export interface LeakInputs {
  base: string;
  target: string;
  /** Absent: two snapshots, TARGET searched. */
  final?: string;
  warnings: string[];
}

export function renderLeaksJson(report: LeakReport, inputs: LeakInputs): string {
  return `${JSON.stringify({ schema: LEAKS_SCHEMA, ...inputs, ...report }, null, 2)}\n`;
}

/**
 * The leak clusters as text: for each, what leaked and what it holds, the shortest retainer
 * path of its largest object as V8 names each reference (DevTools' and memlab's notation), and
 * where it was allocated when the snapshot knows.
 */
export function renderLeaksText(report: LeakReport, inputs: LeakInputs, limit = 10): string {
  const where = inputs.final ? 'FINAL' : 'TARGET';
  const lines = [
    `Objects allocated between BASE and TARGET and still alive in ${where}: ${formatInt(report.objects)}, retaining ${formatBytes(report.retained)}`,
    `  BASE ${lineSafe(inputs.base)}`,
    `  TARGET ${lineSafe(inputs.target)}`,
    ...(inputs.final ? [`  FINAL ${lineSafe(inputs.final)}`] : []),
    '',
  ];
  if (report.clusters.length === 0)
    lines.push("No leaks: nothing of the program's allocated between BASE and TARGET is still alive.");
  else
    lines.push(
      `The program's objects among them: ${report.clusters.length} clusters retaining ${formatBytes(report.clustersRetained)} (the rest is V8's: code, shapes, internal arrays)`,
      '',
    );
  report.clusters.slice(0, limit).forEach((c, i) => {
    lines.push(...clusterLines(c, i + 1, report.clustersRetained), '');
  });
  if (report.clusters.length > limit)
    lines.push(`and ${report.clusters.length - limit} more clusters (--top to show more, --json for all)`, '');
  return lines.join('\n');
}

/** `1,100 × Session: 120 KiB retained (38.8%)`, of the clusters' `total` (text and HTML). */
export function clusterTitle(c: LeakCluster, total: number): string {
  const share = total > 0 ? ` (${((100 * c.retained) / total).toFixed(1)}%)` : '';
  return lineSafe(`${formatInt(c.count)} × ${c.className}: ${formatBytes(c.retained)} retained${share}`);
}

/** `holding 1,100 (string), 1,100 Array`, or '' when it holds nothing reported. */
export function clusterHolds(c: LeakCluster): string {
  return c.holds.length
    ? lineSafe(`holding ${c.holds.map((h) => `${formatInt(h.count)} ${h.className}`).join(', ')}`)
    : '';
}

/** A frame of an allocation stack: `handleLogin file:///app/sessions.mjs:21:21`. */
export function allocationFrame(f: NonNullable<LeakCluster['allocatedAt']>[number]): string {
  return lineSafe(`${f.name}${f.file ? ` ${f.file}:${f.line}:${f.column}` : ''}`);
}

function clusterLines(c: LeakCluster, rank: number, total: number): string[] {
  const lines = [`${rank}. ${clusterTitle(c, total)}`];
  if (c.holds.length) lines.push(`   ${clusterHolds(c)}`);
  lines.push(`   retainer path of the largest (@${c.example.id}, ${formatBytes(c.example.retained)}):`);
  c.example.path.forEach((s, i) => {
    const node = `${lineSafe(s.className)} @${s.id} [${formatBytes(s.retained)}]`;
    lines.push(
      s.edge === null ? `     ${node}` : `     ${'  '.repeat(Math.min(i, 12))}--${lineSafe(s.edge)}--> ${node}`,
    );
  });
  if (c.allocatedAt?.length) {
    lines.push('   allocated at:');
    for (const f of c.allocatedAt.slice(0, 12)) lines.push(`     ${allocationFrame(f)}`);
  }
  return lines;
}
