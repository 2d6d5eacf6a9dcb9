import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { mergeByLabel, topLabels } from '../analyze/calltree.js';
import { mainCost, type Profile } from '../model/profile.js';
import { formatBytes, formatInt, lineSafe } from './format.js';
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

/** Rows of the "Top functions" table, per cost. */
const TOP_FUNCTIONS = 50;

let viewerScript: string | undefined;
function viewer(): string {
  // the viewer formats bytes with the very function the text outputs use (it needs nothing else)
  viewerScript ??= `${formatBytes.toString()}\n${readFileSync(new URL('../../viewer/flame.js', import.meta.url), 'utf8')}`;
  // the script is inlined: it must not be able to end its own element
  if (/<\/script/i.test(viewerScript)) throw new Error('viewer/flame.js contains "</script"');
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
    summary: summaryRows(profile),
    timeline: (profile.timeline ?? []).map((p) => [p.timeMs, p.heapBytes, p.rssBytes]),
  };
  const packed = gzipSync(JSON.stringify(data), { level: 6 }).toString('base64');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${xmlEscape(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1 id="title"></h1>
<label>cost <select id="cost"></select></label>
<input id="search" type="search" placeholder="search (regular expression)" aria-label="search">
<label><input id="case" type="checkbox"> case</label>
<label><input id="icicle" type="checkbox"> icicle</label>
<button id="reset">reset</button> <span id="matched"></span></header>
<nav id="crumbs"></nav>
<main><canvas id="flame"></canvas></main>
<div id="tip" hidden></div>
<section id="sandwich-section" hidden><h2>Callers and callees of <code id="sandwich-name"></code></h2><p>callers (icicle: who calls it)</p><canvas id="callers"></canvas><p>callees (what it calls)</p><canvas id="callees"></canvas></section>
<section id="timeline-section" hidden><h2>Heap over time</h2><p id="timeline-caption"></p><canvas id="timeline" aria-label="heap (green) and RSS (blue) over time, peak in red"></canvas><p class="legend"><span class="heap">heap</span> <span class="rss">RSS</span> <span class="peak">peak</span></p></section>
<section><h2>Summary</h2><table id="summary"></table></section>
<section><h2>Top functions</h2><p>Click a function for its callers and callees.</p><table><thead><tr><th>self</th><th>total</th><th>function</th></tr></thead><tbody id="top"></tbody></table></section>
<p id="error"></p>
<script type="application/octet-stream" id="heapflame-data">${packed}</script>
<script>${viewer()}</script>
</body>
</html>
`;
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

const STYLE = `
:root{color-scheme:light dark;--bg:#fafafa;--fg:#111;--line:#ccc}
@media (prefers-color-scheme:dark){:root{--bg:#1b1b1b;--fg:#eee;--line:#444}}
body{margin:0;font:13px system-ui,sans-serif;background:var(--bg);color:var(--fg)}
header{display:flex;flex-wrap:wrap;gap:.8em;align-items:center;padding:.6em 1em;border-bottom:1px solid var(--line)}
h1{font-size:15px;margin:0 1em 0 0}h2{font-size:14px}
#crumbs{padding:.3em 1em;display:flex;flex-wrap:wrap;gap:.2em}
#crumbs button{border:1px solid var(--line);background:none;color:inherit;border-radius:3px;cursor:pointer;max-width:24em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
main{padding:0 1em}canvas{width:100%;display:block;cursor:pointer}
#tip{position:fixed;white-space:pre;background:var(--bg);border:1px solid var(--line);padding:.4em .6em;pointer-events:none;max-width:300px;overflow:hidden}
section{padding:0 1em}table{border-collapse:collapse}td,th{padding:.15em .8em .15em 0;text-align:left;vertical-align:top}
#top tr{cursor:pointer}#top td:nth-child(-n+2){text-align:right;font-variant-numeric:tabular-nums}
#error{color:#c00}
#timeline,#callers,#callees{width:100%;display:block}.legend span::before{content:"";display:inline-block;width:.8em;height:.8em;margin-right:.3em;vertical-align:middle}
.legend .heap::before{background:#2a9d4b}.legend .rss::before{background:#8888cc}.legend .peak::before{background:#d62728;border-radius:50%}
`;
