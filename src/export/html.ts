import type { Exporter } from './exporter.js';
import { gzipSync } from 'node:zlib';
import { defaultLabel, type MergedTree, mergeByLabel, outermost, topLabels } from '../analyze/calltree.js';
import { findings } from '../analyze/findings.js';
import { findingLine } from './report-text.js';
import { type Frame, type Lifetimes, mainCost, type Profile, type TimelinePoint } from '../model/profile.js';
import { formatBytes, formatInt, lineSafe } from './format.js';
import { viewerFile } from './viewer-files.js';
import { xmlEscape } from './xml.js';
import { mergedBySite, releaseRows } from '../model/lifetime-builder.js';
import { release } from '../model/typed-arrays.js';
import { isDiffProfile } from './svg.js';
import { heapPageData } from './html-heap.js';

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
  wants: { lifetimes: true },
  chunks: (profile, options) => [renderHtml(profile, { title: options.title, minShare: options.minShare })],
};

/** Rows of the "Top functions" table, per cost. */
const TOP_FUNCTIONS = 50;

/** The viewer's plain scripts, in the order they are put into the page's one script element. */
const VIEWER_SCRIPTS = ['tree.js', 'paint.js', 'tables.js', 'heap.js', 'timeline.js', 'flame.js'];

let viewerScript: string | undefined;
function viewer(): string {
  // the viewer formats bytes with the very function the text outputs use (it needs nothing else)
  viewerScript ??= [formatBytes.toString(), ...VIEWER_SCRIPTS.map(viewerFile)].join('\n');
  return viewerScript;
}

/**
 * One HTML file that works offline by double click: every cost of the profile in one tree,
 * gzip-compressed and base64-encoded in the page, drawn by viewer/flame.ts on a canvas. No
 * resource is loaded from anywhere; every text is in the data, set as text by the viewer.
 */
export function renderHtml(profile: Profile, options: HtmlOptions = {}): string {
  const tree = mergeByLabel(profile, placeKey);
  const outer = outermost(tree);
  const places = labelPlaces(profile, tree.labels);
  const costs = profile.costs;
  const rank = nameRanks(places.names, places.where);
  const pruned = prunedTree(tree, options.minShare ?? 1e-5, rank);
  const { parent, label, self } = pruned;
  const lifetimes = profile.lifetimes && embeddedLifetimes(profile, profile.lifetimes, pruned);
  const title = options.title ?? `heapflame: ${profile.meta.command?.split('\n')[0] ?? profile.meta.format}`;
  const diff = isDiffProfile(profile);
  const data = {
    schema: 'heapflame.html/1',
    title,
    diff,
    // the cost the page opens on: the profile's main one (differential data opens on the viewer's
    // third cost, the larger of before and after)
    main: diff ? 1 : Math.max(0, costs.indexOf(mainCost(profile))),
    costs: costs.map((c) => ({ id: c.id, unit: c.unit, label: c.label })),
    // the table of top functions, from every stack (the drawing leaves out frames too small to see)
    top: costs.map((_, c) => topLabels(tree, c, TOP_FUNCTIONS, outer).map((t) => [t.label, t.self, t.total])),
    // names as text output shows them: control and bidi characters escaped (a U+202E turned "rtl\u202eexe.txt" into "rtltxt.exe")
    labels: places.names,
    // where each function is: file:line (or the module of a frame without a file), '' unknown
    where: places.where,
    // what to look at first, as the text report ranks it: a click opens the graph on its cost and function
    findings: findings(profile).map((f) => ({
      text: findingLine(profile, f),
      cost: costs.findIndex((c) => c.id === f.cost),
      label: tree.labels.indexOf(placeKey(profile.frames[f.frame])),
    })),
    summary: summaryRows(profile),
    // heap snapshots: the objects by class, and the leak clusters with their paths and stacks
    heap: heapPageData(profile),
    timeline: chartPoints(profile.timeline ?? []),
    lifetimes,
    // what was left out or rounded to bound the file, said on the page
    pruned: prunedNote(tree.count, pruned.dropped, pruned.minShare, places.cut, lifetimes?.header),
  };
  // small numbers compress best: a parent as its distance back (depth first, often 1)
  const arrays: Record<string, Packable> = { parentGap: parent.map((p, n) => n - p), label };
  self.forEach((column, c) => {
    // sparse: own values sit on few frames (the allocation sites), most are 0; the frames as gaps
    const at = Int32Array.from(column.keys()).filter((n) => column[n] !== 0);
    arrays[`selfGap.${c}`] = at.map((n, i) => (i ? n - at[i - 1] : n));
    arrays[`self.${c}`] = Float64Array.from(at, (n) => column[n]);
  });
  if (lifetimes) for (const [name, a] of Object.entries(lifetimes.arrays)) arrays[`lifetimes.${name}`] = a;
  const packed = packData({ ...data, lifetimes: lifetimes?.header }, arrays);
  const parts: Record<string, string> = {
    title: xmlEscape(title),
    style: viewerFile('flame.css'),
    data: packed,
    script: viewer(),
  };
  // one pass: a value is never searched for placeholders (a title "{{script}}" stays text)
  return viewerFile('page.html').replace(/\{\{(title|style|data|script)\}\}/g, (_, name: string) => parts[name]);
}

/**
 * The page's data as one gzip stream, base64: a little-endian u32 length, the JSON header, then
 * the typed arrays it lists under `arrays` ([byte offset, length, 'i32' | 'u8' | 'f64']), each 8-byte
 * aligned, so the viewer reads them in place.
 */
type Packable = Int32Array | Float64Array | Uint8Array;

function packData(header: object, arrays: Record<string, Packable>): string {
  const index: Record<string, [number, number, string]> = {};
  let offset = 0;
  for (const [name, a] of Object.entries(arrays)) {
    index[name] = [offset, a.length, a instanceof Int32Array ? 'i32' : a instanceof Uint8Array ? 'u8' : 'f64'];
    offset += Math.ceil(a.byteLength / 8) * 8;
  }
  const json = Buffer.from(JSON.stringify({ ...header, arrays: index }));
  const start = Math.ceil((4 + json.length) / 8) * 8;
  const bytes = Buffer.alloc(start + offset);
  bytes.writeUInt32LE(json.length, 0);
  json.copy(bytes, 4);
  for (const [name, a] of Object.entries(arrays))
    bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), start + index[name][0]);
  return gzipSync(bytes, { level: 6 }).toString('base64');
}

/**
 * At most this many frames go into a page (about 50 MB before compression with five costs):
 * beyond, the share below which frames are folded into their parent doubles until they fit.
 */
const MAX_FRAMES = 1_000_000;

/**
 * The merged tree without the frames too small to see in any cost (below `minShare` of its
 * total, raised until at most MAX_FRAMES remain), whose values go to their nearest kept
 * ancestor: the drawing's tree, the kept node standing for each merged node, and the share used.
 */
function prunedTree(tree: MergedTree, minShare: number, rank: Int32Array) {
  const costs = tree.self.length;
  // inclusive values per cost, then keep what is visible in some cost
  const totals = tree.self.map((s) => {
    const t = s.slice();
    for (let n = tree.count - 1; n > 0; n--) t[tree.parent[n]] += t[n];
    return t;
  });
  const id = new Int32Array(tree.count);
  let share = minShare;
  let kept = keptFrames(tree, totals, share, id);
  while (kept > MAX_FRAMES) {
    share = share > 0 ? share * 2 : 1e-7;
    kept = keptFrames(tree, totals, share, id);
  }
  inNameOrder(tree, id, kept, rank);
  const parent = new Int32Array(kept);
  const label = new Int32Array(kept);
  const self = tree.self.map(() => new Float64Array(kept));
  const keptOf = new Int32Array(tree.count);
  parent[0] = -1;
  label[0] = -1;
  for (let n = 0; n < tree.count; n++) {
    // a dropped frame's values stay in the total: they go to its nearest kept ancestor
    keptOf[n] = id[n] >= 0 ? id[n] : keptOf[tree.parent[n]];
    const i = keptOf[n];
    if (id[n] >= 0 && n > 0) {
      parent[i] = id[tree.parent[n]];
      label[i] = tree.label[n];
    }
    for (let c = 0; c < costs; c++) self[c][i] += tree.self[c][n];
  }
  // each kept frame's largest share of a cost's total
  const keptShare = new Float64Array(kept);
  for (let n = 0; n < tree.count; n++) {
    if (id[n] < 0) continue;
    for (let c = 0; c < costs; c++)
      if (totals[c][0] !== 0) keptShare[id[n]] = Math.max(keptShare[id[n]], Math.abs(totals[c][n] / totals[c][0]));
  }
  keptShare[0] = 1;
  /** Per kept frame, itself if at or above `least` share, else its nearest such ancestor. */
  const standIns = (least: number) => {
    const out = new Int32Array(kept);
    for (let k = 1; k < kept; k++) out[k] = keptShare[k] >= least ? k : out[parent[k]];
    return out;
  };
  return { parent, label, self, keptOf, mergedOf: tree.nodeOf, minShare: share, dropped: tree.count - kept, standIns };
}

type PrunedTree = ReturnType<typeof prunedTree>;

/** Each label's place in name order (then place order). */
function nameRanks(names: string[], where: string[]): Int32Array {
  const order = names.map((_, i) => i);
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  order.sort((a, b) => cmp(names[a], names[b]) || cmp(where[a], where[b]));
  const rank = new Int32Array(names.length);
  order.forEach((l, r) => {
    rank[l] = r;
  });
  return rank;
}

/**
 * Renumbers the kept frames (`id`, in place) depth first with siblings in name order: the
 * viewer then links children in id order, with no sort of its own.
 */
function inNameOrder(tree: MergedTree, id: Int32Array, kept: number, rank: Int32Array): void {
  const nodeOfId = new Int32Array(kept);
  for (let n = 0; n < tree.count; n++) if (id[n] >= 0) nodeOfId[id[n]] = n;
  const ids = Int32Array.from({ length: kept - 1 }, (_, i) => i + 1);
  // kept frames by label rank, then (stable) by parent: each parent's children in name order
  const byRank = countingSort(ids, (k) => rank[tree.label[nodeOfId[k]]], rank.length);
  const parentOf = (k: number) => id[tree.parent[nodeOfId[k]]];
  const byParent = countingSort(byRank.sorted, parentOf, kept);
  const renumbered = new Int32Array(kept);
  let next = 0;
  const stack = [0];
  while (stack.length) {
    const k = stack.pop()!;
    renumbered[k] = next++;
    for (let i = byParent.start[k + 1] - 1; i >= byParent.start[k]; i--) stack.push(byParent.sorted[i]);
  }
  for (let n = 0; n < tree.count; n++) if (id[n] >= 0) id[n] = renumbered[id[n]];
}

/** `items` stably sorted by an integer key in [0, keys); start[k]: where key k's items begin. */
function countingSort(items: Int32Array, key: (item: number) => number, keys: number) {
  const start = new Int32Array(keys + 1);
  for (const item of items) start[key(item) + 1]++;
  for (let k = 0; k < keys; k++) start[k + 1] += start[k];
  const fill = start.slice(0, keys);
  const sorted = new Int32Array(items.length);
  for (const item of items) sorted[fill[key(item)]++] = item;
  return { sorted, start };
}

/** Numbers the frames at or above `share` of some cost's total (whose parent is kept) into `id` (-1: dropped). */
function keptFrames(tree: MergedTree, totals: Float64Array[], share: number, id: Int32Array): number {
  let kept = 1;
  id[0] = 0;
  for (let n = 1; n < tree.count; n++) {
    id[n] = -1;
    if (id[tree.parent[n]] < 0) continue;
    for (let c = 0; c < totals.length; c++) {
      if (totals[c][n] !== 0 && Math.abs(totals[c][n]) >= Math.abs(totals[c][0]) * share) {
        id[n] = kept++;
        break;
      }
    }
  }
  return kept;
}

/** At most this many lifetime rows go into a page (about 5 MB before compression). */
const MAX_LIFETIME_ROWS = 200_000;

/**
 * What the page recomputes a time range from: the profile's lifetimes by drawn node, slice of
 * birth and of death, merged. Beyond MAX_LIFETIME_ROWS, slices merge in pairs down to 32, then
 * a range counts frames below 0.1% in their caller, then slices merge down to 8, then frames
 * below 1% go to their caller, then slices merge further.
 */
function embeddedLifetimes(profile: Profile, l: Lifetimes, pruned: PrunedTree) {
  // Every array made here is given back as soon as it is used (release): the page of 1 M
  // stacks is drawn at the command's peak, and garbage left to a collection had stood for
  // 80 MB of it, memory the C library then keeps.
  const nodeOfRow = l.sample.map((s) => pruned.keptOf[pruned.mergedOf[profile.sampleNode[s]]]);
  const byNode = regrouped(l, nodeOfRow, 0);
  release(nodeOfRow);
  let shift = 0;
  let share = 0;
  let rows = byNode;
  const slices = () => Math.ceil((l.edgesMs.length - 1) / 2 ** shift);
  while (rows.sample.length > MAX_LIFETIME_ROWS) {
    if (slices() > 32 || (share >= 1e-3 && slices() > 8) || (share >= 1e-2 && slices() > 1)) shift++;
    else if (share < 1e-2) share = share ? share * 10 : 1e-3;
    else break;
    const standIn = pruned.standIns(share);
    const siteOf = byNode.sample.map((n) => standIn[n]);
    release(standIn);
    const coarser = regrouped(byNode, siteOf, shift);
    release(siteOf);
    if (rows !== byNode) releaseRows(rows);
    rows = coarser;
  }
  const arrays = lifetimeArrays(rows);
  if (rows !== byNode) releaseRows(rows);
  releaseRows(byNode);
  const edges = l.edgesMs.filter((_, i) => i % 2 ** shift === 0 || i === l.edgesMs.length - 1);
  const column = (id: string) => profile.costs.findIndex((c) => c.id === id);
  return {
    header: {
      edges,
      slices: l.edgesMs.length - 1,
      share,
      costs: {
        allocations: column('allocations'),
        allocated: column('allocated'),
        temporary: column('temporary'),
        leaked: column('leaked'),
      },
    },
    arrays,
  };
}

/** The rows by node, nodes as gaps from the row before; slices and flags in a byte each (at most 255 slices). */
function lifetimeArrays(rows: Lifetimes): Record<string, Packable> {
  const order = Int32Array.from(rows.sample.keys()).sort((a, b) => rows.sample[a] - rows.sample[b]);
  const arrays = {
    nodeGap: order.map((r, i) => (i ? rows.sample[r] - rows.sample[order[i - 1]] : rows.sample[r])),
    born: Uint8Array.from(order, (r) => rows.born[r]),
    died: Uint8Array.from(order, (r) => rows.died[r]),
    flags: Uint8Array.from(order, (r) => rows.flags[r]),
    count: Float64Array.from(order, (r) => rows.count[r]),
    bytes: Float64Array.from(order, (r) => rows.bytes[r]),
  };
  release(order);
  return arrays;
}

/**
 * Rows with new sites (`siteOf[row]`) and slices coarsened by `shift` halvings (relative to
 * the recording's own slices), merged.
 */
function regrouped(l: Lifetimes, siteOf: Int32Array, shift: number): Lifetimes {
  const slices = l.edgesMs.length - 1;
  const never = Math.ceil(slices / 2 ** shift);
  let sites = 0;
  for (let i = 0; i < siteOf.length; i++) if (siteOf[i] >= sites) sites = siteOf[i] + 1;
  return mergedBySite(
    {
      rows: l.sample.length,
      site: (i) => siteOf[i],
      slices: (i, cell) => {
        cell[0] = l.born[i] >> shift;
        cell[1] = l.died[i] >= slices ? never : l.died[i] >> shift;
        cell[2] = l.flags[i];
      },
      count: (i) => l.count[i],
      bytes: (i) => l.bytes[i],
    },
    sites,
    never,
    l.edgesMs,
  );
}

/**
 * Frames merge by function and file: two `(anonymous)` functions of two files are two frames,
 * while the call sites (lines) of one function stay one frame, as flame graphs draw functions.
 */
const placeKey = (f: Frame) => `${defaultLabel(f)}\u0000${f.file || f.module}`;

/** Lines of one function listed in its place before "and N more". */
const LINES_SHOWN = 4;

/** Longer names and places are cut (a C++ template name can be megabytes): the file stays bounded. */
const MAX_NAME = 2000;

function cutName(text: string): string {
  return text.length > MAX_NAME ? `${text.slice(0, MAX_NAME)}…` : text;
}

/** Display name and place of every label (a placeKey) of the merged tree, escaped as text output. */
function labelPlaces(profile: Profile, keys: string[]): { names: string[]; where: string[]; cut: number } {
  const id = new Map(keys.map((k, i) => [k, i]));
  const names = keys.map(() => '');
  const files = keys.map(() => '');
  const lines: number[][] = keys.map(() => []);
  for (const f of profile.frames) {
    const i = id.get(placeKey(f));
    if (i === undefined) continue;
    names[i] = defaultLabel(f);
    files[i] = f.file || (f.module ? `${f.module}` : '');
    if (f.file && f.line > 0 && !lines[i].includes(f.line) && lines[i].length <= LINES_SHOWN) lines[i].push(f.line);
  }
  const where = files.map((file, i) => {
    if (!file) return '';
    const ls = lines[i].sort((a, b) => a - b);
    if (ls.length === 0) return lineSafe(file);
    const more = ls.length > LINES_SHOWN ? ` and more` : '';
    return lineSafe(`${file}:${ls.slice(0, LINES_SHOWN).join(', ')}${more}`);
  });
  const shown = names.map((n) => lineSafe(n));
  const cut = shown.filter((n) => n.length > MAX_NAME).length + where.filter((w) => w.length > MAX_NAME).length;
  return { names: shown.map(cutName), where: where.map(cutName), cut };
}

/** The heap chart draws at most this many points (a few per pixel of a wide screen). */
const MAX_CHART_POINTS = 8192;

/** Points of the heap chart; beyond MAX_CHART_POINTS, each covers several, keeping their largest values. */
function chartPoints(points: TimelinePoint[]): [number, number, number][] {
  const step = Math.ceil(points.length / MAX_CHART_POINTS);
  const out: [number, number, number][] = [];
  for (let i = 0; i < points.length; i += step) {
    let heap = 0;
    let rss = 0;
    const end = Math.min(i + step, points.length);
    for (let k = i; k < end; k++) {
      heap = Math.max(heap, points[k].heapBytes);
      rss = Math.max(rss, points[k].rssBytes);
    }
    out.push([points[i].timeMs, heap, rss]);
  }
  return out;
}

function prunedNote(
  frames: number,
  dropped: number,
  share: number,
  cut: number,
  lifetimes: { edges: number[]; slices: number; share: number } | undefined,
): string {
  const notes = [
    dropped === 0
      ? `All ${formatInt(frames - 1)} frames are in this file.`
      : `${formatInt(frames - 1 - dropped)} of ${formatInt(frames - 1)} frames are in this file: the ${formatInt(dropped)} below ${+(share * 100).toPrecision(2)}% of every cost's total are counted in their caller (their values stay in every total).`,
  ];
  if (cut > 0) notes.push(`${formatInt(cut)} names longer than ${formatInt(MAX_NAME)} characters are cut.`);
  if (lifetimes) {
    const width = lifetimes.edges[1] - lifetimes.edges[0];
    const merged = lifetimes.edges.length - 1 < lifetimes.slices ? ' (merged to bound the file)' : '';
    notes.push(`Time ranges are chosen in steps of ${width} ms${merged}.`);
    if (lifetimes.share > 0)
      notes.push(
        `In a time range, frames below ${+(lifetimes.share * 100).toPrecision(2)}% of every cost's total are counted in their caller.`,
      );
  }
  return notes.join(' ');
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
