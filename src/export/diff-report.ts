import { growthPercent, topChanges, type FunctionChange } from '../analyze/diff.js';
import type { Profile } from '../model/profile.js';
import { formatBytes, lineSafe } from './format.js';

export const DIFF_SCHEMA = 'heapflame.diff/1';

/** The totals and the functions that grew and shrank most, as data. */
export function buildDiffReport(diff: Profile, cost: string, limit = 10) {
  const before = diff.totals.before ?? 0;
  const after = diff.totals.after ?? 0;
  const changes = topChanges(diff, limit);
  return {
    schema: DIFF_SCHEMA,
    cost,
    unit: diff.costs[0]?.unit ?? 'count',
    before,
    after,
    delta: after - before,
    deltaPercent: before !== 0 ? growthPercent(diff) : null,
    growing: changes.growing,
    shrinking: changes.shrinking,
    warnings: diff.warnings,
  };
}

export function renderDiffText(diff: Profile, cost: string, limit = 10): string {
  const r = buildDiffReport(diff, cost, limit);
  const v = (n: number) => (r.unit === 'bytes' ? formatBytes(n) : String(Math.round(n)));
  const signed = (n: number) => (n >= 0 ? '+' : '-') + v(Math.abs(n));
  const pct = r.deltaPercent === null ? '' : `, ${r.deltaPercent >= 0 ? '+' : ''}${r.deltaPercent.toFixed(1)}%`;
  const lines = [`${cost}: BASE ${v(r.before)} -> NEW ${v(r.after)} (${signed(r.delta)}${pct})`, ''];
  const list = (title: string, items: FunctionChange[]) => {
    lines.push(title);
    if (items.length === 0) lines.push('  (none)');
    for (const c of items)
      lines.push(
        `  ${signed(c.delta).padStart(12)}  ${lineSafe(c.name)}  (${v(c.before)} -> ${v(c.after)}, self ${signed(c.selfAfter - c.selfBefore)})`,
      );
    lines.push('');
  };
  list('GROWING (inclusive change)', r.growing);
  list('SHRINKING (inclusive change)', r.shrinking);
  return lines.join('\n');
}

export function renderDiffJson(diff: Profile, cost: string, limit = 10): string {
  return `${JSON.stringify(buildDiffReport(diff, cost, limit), null, 2)}\n`;
}
