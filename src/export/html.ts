import type { Exporter } from './exporter.js';
import { gzipSync } from 'node:zlib';
import { defaultLabel, mergeByLabel, topLabels } from '../analyze/calltree.js';
import { findings } from '../analyze/findings.js';
import { findingLine } from './report-text.js';
import { mainCost, type Profile } from '../model/profile.js';
import { formatBytes, formatInt, lineSafe } from './format.js';
import { viewerFile } from './viewer-files.js';
import { xmlEscape } from './xml.js';
import { isDiffProfile } from './svg.js';

export interface HtmlOptions {
  title?: string;
  /**
   * Frames whose value is below this share of the total in every cost are folded into their
   * parent's self value (default 1e-5, far below a pixel), so huge profiles stay small.
   */
  minShare?: number;
}

export const htmlExporter: Exporter = {
  name: 'html',
  kind: 'graph',
  suffixes: ['.html', '.htm'],
  label: '.html (every cost, interactive)',
  chunks: (profile, options) => [renderHtml(profile, { title: options.title, minShare: options.minShare })],
};

/** Rows of the "Top functions" table, per cost. */
const TOP_FUNCTIONS = 50;

let viewerScript: string | undefined;
function viewer(): string {
  // the viewer formats bytes with the very function the text outputs use (it needs nothing else)
  viewerScript ??= `${formatBytes.toString()}\n${viewerFile('flame.js')}`;
  return viewerScript;
}

/**
 * One HTML file that works offline by double click: every cost of the profile in one tree,
 * gzip-compressed and base64-encoded in the page, drawn by viewer/flame.ts on a canvas. No
 * resource is loaded from anywhere; every text is in the data, set as text by the viewer.
 */
export function renderHtml(profile: Profile, options: HtmlOptions = {}): string {
  const tree = mergeByLabel(profile);
  const minShare = options.minShare ?? 1e-5;
  const costs = profile.costs;
  // inclusive values per cost, then keep what is visible in some cost
  const totals = tree.self.map((s) => {
    const t = s.slice();
    for (let n = tree.count - 1; n > 0; n--) t[tree.parent[n]] += t[n];
    return t;
  });
  const keep = new Uint8Array(tree.count);
  keep[0] = 1;
  for (let n = 1; n < tree.count; n++) {
    for (let c = 0; c < costs.length; c++) {
      if (Math.abs(totals[c][n]) >= Math.abs(totals[c][0]) * minShare && totals[c][n] !== 0) {
        keep[n] = 1;
        break;
      }
    }
  }
  const id = new Int32Array(tree.count).fill(-1);
  let kept = 0;
  for (let n = 0; n < tree.count; n++) if (keep[n] && (n === 0 || keep[tree.parent[n]])) id[n] = kept++;
  const parent = new Int32Array(kept);
  const label = new Int32Array(kept);
  const self = costs.map(() => new Float64Array(kept));
  parent[0] = -1;
  label[0] = -1;
  for (let n = 0; n < tree.count; n++) {
    // a dropped frame's values stay in the total: they go to its nearest kept ancestor
    let target = n;
    while (id[target] < 0) target = tree.parent[target];
    const i = id[target];
    if (target === n && n > 0) {
      parent[i] = id[tree.parent[n]];
      label[i] = tree.label[n];
    }
    for (let c = 0; c < costs.length; c++) self[c][i] += tree.self[c][n];
  }
  const b64 = (a: Int32Array | Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  const title = options.title ?? `heapflame: ${profile.meta.command?.split('\n')[0] ?? profile.meta.format}`;
  const diff = isDiffProfile(profile);
  const data = {
    schema: 'heapflame.html/1',
    title,
    diff,
    // the cost the page opens on: the profile's main one (differential: `after`, whose widths the colours describe)
    main: diff ? 1 : Math.max(0, costs.indexOf(mainCost(profile))),
    costs: costs.map((c) => ({ id: c.id, unit: c.unit, label: c.label })),
    // the table of top functions, from every stack (the drawing leaves out frames too small to see)
    top: costs.map((_, c) => topLabels(tree, c, TOP_FUNCTIONS).map((t) => [t.label, t.self, t.total])),
    // names as text output shows them: control and bidi characters escaped (a U+202E turned "rtl\u202eexe.txt" into "rtltxt.exe")
    labels: tree.labels.map((l) => lineSafe(l)),
    parent: b64(parent),
    label: b64(label),
    self: self.map(b64),
    // what to look at first, as the text report ranks it: a click opens the graph on its cost and function
    findings: findings(profile).map((f) => ({
      text: findingLine(profile, f),
      cost: costs.findIndex((c) => c.id === f.cost),
      label: tree.labels.indexOf(defaultLabel(profile.frames[f.frame])),
    })),
    summary: summaryRows(profile),
    timeline: (profile.timeline ?? []).map((p) => [p.timeMs, p.heapBytes, p.rssBytes]),
  };
  const packed = gzipSync(JSON.stringify(data), { level: 6 }).toString('base64');
  const parts: Record<string, string> = {
    title: xmlEscape(title),
    style: viewerFile('flame.css'),
    data: packed,
    script: viewer(),
  };
  // one pass: a value is never searched for placeholders (a title "{{script}}" stays text)
  return viewerFile('page.html').replace(/\{\{(title|style|data|script)\}\}/g, (_, name: string) => parts[name]);
}

function summaryRows(profile: Profile): [string, string][] {
  const t = profile.totals;
  const m = profile.meta;
  const rows: [string, string][] = [];
  for (const c of profile.costs) {
    const v = t[c.id] ?? 0;
    rows.push([c.label, c.unit === 'bytes' ? `${formatBytes(v)} (${formatInt(v)} B)` : formatInt(v)]);
  }
  if (m.peakRssBytes) rows.push(['peak RSS', formatBytes(m.peakRssBytes)]);
  if (m.durationMs !== undefined) rows.push(['run time', `${(m.durationMs / 1000).toFixed(2)} s`]);
  if (m.command) rows.push(['command', m.command]);
  return rows;
}
