import { DHAT_VIEW_METRICS, dhatView, type DhatViewNode } from '../analyze/dhat-view.js';
import type { Profile } from '../model/profile.js';
import { formatInt, frameWhere, lineSafe } from './format.js';

/** Levels of the tree drawn with their own indentation. */
const MAX_INDENT = 32;

/**
 * The program-point tree of dh_view for one sort metric, as text: each node's value of the
 * metric and its share of the whole, then its own frames (allocation side first).
 */
export function renderDhatView(profile: Profile, metric: number): string {
  const m = DHAT_VIEW_METRICS[metric];
  const root = dhatView(profile, metric);
  const whole = root.sums[m.field];
  const lines = [`dh_view sort metric ${metric}: ${m.label}`, ''];
  // depth first with a stack of its own: trees can be 100 000 levels deep
  const pending: { n: DhatViewNode; id: string; prefix: string; last: boolean; depth: number }[] = [
    { n: root, id: '1', prefix: '', last: true, depth: 0 },
  ];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const { n, id, prefix, last, depth } = item;
    const value = n.sums[m.field];
    const share = whole > 0 ? `${((100 * value) / whole).toFixed(2)}%` : '0%';
    const head = depth === 0 ? '' : `${prefix}${last ? '└── ' : '├── '}`;
    const body = depth === 0 ? '  ' : `${prefix}${last ? '    ' : '│   '}  `;
    lines.push(`${head}PP ${id}${n.kids.length ? ` (${n.kids.length} children)` : ''}: ${formatInt(value)} (${share})`);
    if (n.insignificant !== undefined) lines.push(`${body}[${n.insignificant} insignificant]`);
    for (const f of n.frames) {
      const fr = profile.frames[f];
      lines.push(`${body}${lineSafe(fr.name || `0x${fr.address}`)}${lineSafe(frameWhere(fr))}`);
    }
    // indentation stops growing past 32 levels: 100 000 levels would make lines of 400 000 characters
    const kidPrefix =
      depth === 0 ? '' : prefix.length >= 4 * MAX_INDENT ? prefix : `${prefix}${last ? '    ' : '│   '}`;
    // so do the ids: past it, the id at that level, the depth, and the place among siblings
    const base = depth < MAX_INDENT ? id : id.slice(0, id.indexOf('…') < 0 ? id.length : id.indexOf('…'));
    for (let i = n.kids.length - 1; i >= 0; i--) {
      const kidId = depth < MAX_INDENT ? `${id}.${i + 1}` : `${base}…[level ${depth + 2}].${i + 1}`;
      pending.push({ n: n.kids[i], id: kidId, prefix: kidPrefix, last: i === n.kids.length - 1, depth: depth + 1 });
    }
  }
  return `${lines.join('\n')}\n`;
}
