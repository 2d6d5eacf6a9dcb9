import { DHAT_VIEW_METRICS, dhatView, type DhatViewNode } from '../analyze/dhat-view.js';
import type { Profile } from '../model/profile.js';
import { formatInt, frameWhere, terminalSafe } from './format.js';

/**
 * The program-point tree of dh_view for one sort metric, as text: each node's value of the
 * metric and its share of the whole, then its own frames (allocation side first).
 */
export function renderDhatView(profile: Profile, metric: number): string {
  const m = DHAT_VIEW_METRICS[metric];
  const root = dhatView(profile, metric);
  const whole = root.sums[m.field];
  const lines = [`dh_view sort metric ${metric}: ${m.label}`, ''];
  const walk = (n: DhatViewNode, id: string, prefix: string, last: boolean, depth: number) => {
    const value = n.sums[m.field];
    const share = whole > 0 ? `${((100 * value) / whole).toFixed(2)}%` : '0%';
    const head = depth === 0 ? '' : `${prefix}${last ? '└── ' : '├── '}`;
    const body = depth === 0 ? '  ' : `${prefix}${last ? '    ' : '│   '}  `;
    lines.push(`${head}PP ${id}${n.kids.length ? ` (${n.kids.length} children)` : ''}: ${formatInt(value)} (${share})`);
    if (n.insignificant !== undefined) lines.push(`${body}[${n.insignificant} insignificant]`);
    for (const f of n.frames) {
      const fr = profile.frames[f];
      lines.push(`${body}${terminalSafe(fr.name || `0x${fr.address}`)}${terminalSafe(frameWhere(fr))}`);
    }
    n.kids.forEach((k, i) => walk(k, `${id}.${i + 1}`, depth === 0 ? '' : `${prefix}${last ? '    ' : '│   '}`, i === n.kids.length - 1, depth + 1));
  };
  walk(root, '1', '', true, 0);
  return lines.join('\n') + '\n';
}
