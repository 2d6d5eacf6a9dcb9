import { type ClassChange, classChanges, growthPercent, topChanges, type FunctionChange } from '../analyze/diff.js';
import type { Profile } from '../model/profile.js';
import { formatBytes, formatInt, lineSafe } from './format.js';

export const DIFF_SCHEMA = 'heapflame.diff/1';

/** The totals and the functions that grew and shrank most, as data. */
export function buildDiffReport(diff: Profile, cost: string, limit = 10) {
  const before = diff.totals.before ?? 0;
  const after = diff.totals.after ?? 0;
  const changes = topChanges(diff, limit);
  const classes = classChanges(diff).filter((c) => !c.internal);
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
    // two heap snapshots: the program's classes that grew most, and those that shrank most
    ...(diff.heap?.before && {
      classes: {
        growing: classes.filter((c) => !shrank(c)).slice(0, limit),
        shrinking: classes.filter(shrank).reverse().slice(0, limit),
      },
    }),
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
  if (r.classes) lines.push(...classLines(r.classes.growing));
  return lines.join('\n');
}

/** A class shrank when its retained bytes did (or, retained unchanged, its own bytes or objects). */
function shrank(c: ClassChange): boolean {
  const d = (p: [number, number]) => p[1] - p[0];
  return d(c.retained) < 0 || (d(c.retained) === 0 && (d(c.self) < 0 || (d(c.self) === 0 && d(c.objects) < 0)));
}

/** The program's classes that grew, as DevTools' Comparison: objects, own and retained bytes, each before → after. */
function classLines(growing: ClassChange[]): string[] {
  const signed = (n: number, v: (n: number) => string) => (n >= 0 ? '+' : '-') + v(Math.abs(n));
  const lines = [
    "CLASSES THAT GREW (the program's; objects, own and retained bytes)",
    `${'objects'.padStart(10)} ${'self'.padStart(12)} ${'retained'.padStart(12)}  class`,
  ];
  if (growing.length === 0) lines.push('  (none)');
  for (const c of growing)
    lines.push(
      `${signed(c.objects[1] - c.objects[0], formatInt).padStart(10)} ${signed(c.self[1] - c.self[0], formatBytes).padStart(12)} ${signed(c.retained[1] - c.retained[0], formatBytes).padStart(12)}  ${lineSafe(c.name)}  (${formatInt(c.objects[0])} -> ${formatInt(c.objects[1])})`,
    );
  lines.push('');
  return lines;
}

export function renderDiffJson(diff: Profile, cost: string, limit = 10): string {
  return `${JSON.stringify(buildDiffReport(diff, cost, limit), null, 2)}\n`;
}
