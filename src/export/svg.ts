import type { Exporter } from './exporter.js';
import { HeapflameError } from '../model/errors.js';
import { buildCallTree, buildFlameChart, type CallTree } from '../analyze/calltree.js';
import { type CostId, costIndex, type Profile, requireCost } from '../model/profile.js';
import { background, diffColor, frameColor, type Palette, stripAnnotation } from './flame-colors.js';
import { formatBytes, formatInt, lineSafe } from './format.js';
import { chunksToString, TextChunks } from './text-buffer.js';
import { SVG_DEFAULTS } from './svg-defaults.js';
import { viewerFile } from './viewer-files.js';
import { xmlEscape } from './xml.js';

/** flamegraph.pl's options, same names and defaults where they exist there. */
export interface SvgOptions {
  cost?: CostId;
  title?: string;
  subtitle?: string;
  /** Image width in px (1200). */
  width?: number;
  /** Frame height in px (16). */
  height?: number;
  fontSize?: number;
  fontType?: string;
  /** Average glyph width / font size, to fit labels (0.59). */
  fontWidth?: number;
  /** Drop frames narrower than this many px, or `N%` of the total (0.1 px). */
  minWidth?: number | string;
  /** Unit name in tooltips (default from the cost: bytes, allocations, samples). */
  countName?: string;
  /** Prefix of the hover line ("Function:"). */
  nameType?: string;
  colors?: Palette;
  hash?: boolean;
  reverse?: boolean;
  /** Icicle: root at the top. */
  inverted?: boolean;
  /** Multiply values for display. */
  factor?: number;
  /** Written into an XML comment. */
  notes?: string;
  /** 100 % is this (when larger than the real total), so graphs share a scale. */
  total?: number;
  /** Sibling order: alphabetical like flamegraph.pl (default), or widest first. */
  sort?: 'name' | 'weight';
  /** Samples in their order (x is sequence), merged only with the sample before. */
  flamechart?: boolean;
  /**
   * Differential graph of a profile with costs `before` and `after` (heapflame diff, or
   * two-column folded input): widths from `after` (from `before` with `negate`), colours from
   * each frame's inclusive change, red for growth, blue for shrinkage.
   */
  negate?: boolean;
}

export const svgExporter: Exporter = {
  name: 'svg',
  kind: 'graph',
  suffixes: ['.svg'],
  label: '.svg (one cost)',
  defaults: SVG_DEFAULTS,
  chunks: svgChunks,
};

/** A profile with `before` and `after` columns draws as a differential graph. */
export function isDiffProfile(profile: Profile): boolean {
  return profile.costs.length === 2 && profile.costs[0].id === 'before' && profile.costs[1].id === 'after';
}

const XPAD = 10;
const FRAMEPAD = 1;

/** The options with every default filled in, and what follows from the profile. */
interface SvgLayout {
  options: SvgOptions;
  width: number;
  frameHeight: number;
  fontSize: number;
  fontWidth: number;
  diff: boolean;
  palette: Palette;
  countName: string;
  title: string;
  /** 100 %: the sum over all stacks, or `--total` when larger. */
  scaleTotal: number;
  tree: CallTree;
  /** Inclusive change per frame (differential graphs), and its largest magnitude. */
  delta: (n: number) => number;
  maxDelta: number;
  ypad1: number;
  ypad2: number;
  ypad3: number;
  imageHeight: number;
  fmt: (v: number) => string;
  pct: (v: number) => string;
}

/** An interactive SVG flame graph of one cost, as flamegraph.pl draws it, with every text escaped. */
export function renderSvg(profile: Profile, options: SvgOptions = {}): string {
  return chunksToString(svgChunks(profile, options));
}

/** The SVG's UTF-8 bytes in chunks, handed on while the frames are written. */
export function* svgChunks(profile: Profile, options: SvgOptions = {}): Generator<Uint8Array> {
  const layout = svgLayout(profile, options);
  const text = new TextChunks();
  writeHead(text, layout);
  yield* writeFrames(text, layout);
  // The script (viewer/svg-script.js: flamegraph.pl's zoom, search and details) comes at the
  // end of the document, once every element it looks up exists.
  text.push('</g>\n');
  text.push(`<script type="text/ecmascript"><![CDATA[${viewerFile('svg-script.js')}]]></script>\n`);
  text.push('</svg>\n');
  yield* text.end();
}

/** Options → layout: the cost, palette, titles, the call tree and the image's size. */
function svgLayout(profile: Profile, options: SvgOptions): SvgLayout {
  const diff = isDiffProfile(profile) && options.cost === undefined;
  const cost = requireCost(profile, diff ? (options.negate ? 'before' : 'after') : options.cost);
  const width = options.width ?? SVG_DEFAULTS.width;
  const fontSize = options.fontSize ?? SVG_DEFAULTS.fontSize;
  const factor = options.factor ?? SVG_DEFAULTS.factor;
  const bytes = cost.unit === 'bytes';
  const title =
    options.title ??
    (options.flamechart
      ? 'heapflame: flame chart'
      : diff
        ? `heapflame: differential (${options.negate ? 'widths from BASE' : 'widths from NEW'})`
        : `heapflame: ${cost.label}`);
  // Pruning is in value units: the root's value is the sum over all stacks.
  const column = profile.values[costIndex(profile, cost.id)];
  let rootTotal = 0;
  for (let i = 0; i < profile.sampleCount; i++) rootTotal += column[i];
  const scaleTotal = Math.max(rootTotal, options.total ?? 0);
  const minWidth = String(options.minWidth ?? SVG_DEFAULTS.minWidth);
  const minValue = minWidth.endsWith('%')
    ? (Number(minWidth.slice(0, -1)) / 100) * scaleTotal
    : (Number(minWidth) / (width - 2 * XPAD)) * scaleTotal;
  const otherCost = diff ? (options.negate ? 'after' : 'before') : undefined;
  const tree: CallTree = options.flamechart
    ? buildFlameChart(profile, { cost: cost.id, minValue })
    : buildCallTree(profile, { cost: cost.id, otherCost, reverse: options.reverse, sort: options.sort, minValue });
  // inclusive change per frame: after - before, whichever column gives the widths
  const delta = (n: number) =>
    diff ? (options.negate ? tree.other[n] - tree.total[n] : tree.total[n] - tree.other[n]) : 0;
  let maxDelta = 0;
  for (let n = 1; diff && n < tree.count; n++) maxDelta = Math.max(maxDelta, Math.abs(delta(n)));
  const frameHeight = options.height ?? SVG_DEFAULTS.height;
  const ypad1 = fontSize * 3;
  const ypad2 = fontSize * 2 + 10;
  const ypad3 = options.subtitle ? fontSize * 2 : 0;
  return {
    options,
    width,
    frameHeight,
    fontSize,
    fontWidth: options.fontWidth ?? SVG_DEFAULTS.fontWidth,
    diff,
    palette: options.colors ?? (bytes || profile.meta.memoryEvents ? 'mem' : 'hot'),
    // bytes carry their unit ("1.02 MiB"); counts are named ("1,234 samples")
    countName: options.countName ?? (bytes ? '' : cost.id === 'samples' || diff ? 'samples' : cost.label),
    title,
    scaleTotal,
    tree,
    delta,
    maxDelta,
    ypad1,
    ypad2,
    ypad3,
    imageHeight: (tree.maxDepth + 1) * frameHeight + ypad1 + ypad2 + ypad3,
    fmt: (v) => (bytes ? formatBytes(v * factor) : formatInt(Math.round(v * factor))),
    pct: (v) => (scaleTotal > 0 ? ((100 * v) / scaleTotal).toFixed(2) : '0.00'),
  };
}

/** The document up to the frames: its size, notes, background, style sheet and controls. */
function writeHead(text: TextChunks, layout: SvgLayout): void {
  const { options, width, imageHeight, fontSize, fontWidth, scaleTotal, ypad2 } = layout;
  const e = xmlEscape;
  const put = (...parts: string[]) => {
    for (const part of parts) text.push(part);
  };
  const [bg1, bg2] = background(layout.palette);
  put(
    '<?xml version="1.0" standalone="no"?>\n',
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n',
    `<svg version="1.1" width="${width}" height="${imageHeight}" viewBox="0 0 ${width} ${imageHeight}" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:fg="http://github.com/heapflame/fg"`,
    ` fg:total="${scaleTotal}" fg:inverted="${options.inverted ? 1 : 0}" fg:fontsize="${fontSize}" fg:fontwidth="${fontWidth}" fg:nametype="${e(options.nameType ?? SVG_DEFAULTS.nameType)}">\n`,
    '<!-- Flame graph by heapflame. Click a frame to zoom, Ctrl-F to search. -->\n',
  );
  // (XML comments may not hold "--": every dash before another gets a space)
  if (options.notes) put(`<!-- NOTES: ${e(options.notes).replace(/-(?=-)/g, '- ')} -->\n`);
  put(
    `<defs><linearGradient id="background" y1="0" y2="1" x1="0" x2="0"><stop stop-color="${bg1}" offset="5%"/><stop stop-color="${bg2}" offset="95%"/></linearGradient></defs>\n`,
    `<style type="text/css">text{font-family:${fontFamily(options.fontType ?? SVG_DEFAULTS.fontType)},sans-serif;font-size:${fontSize}px;fill:rgb(0,0,0)}` +
      '#search,#ignorecase{opacity:0.1;cursor:pointer}#search:hover,#search.show,#ignorecase:hover,#ignorecase.show{opacity:1}' +
      '#title{text-anchor:middle;font-size:' +
      (fontSize + 5) +
      'px}#subtitle{text-anchor:middle;font-color:rgb(160,160,160)}#unzoom{cursor:pointer}' +
      '#frames>*:hover{stroke:black;stroke-width:0.5;cursor:pointer}.hide{display:none}.parent{opacity:0.5}</style>\n',
  );
  put(
    `<rect x="0" y="0" width="${width}" height="${imageHeight}" fill="url(#background)"/>\n`,
    `<text id="title" x="${width / 2}" y="${fontSize * 2}">${e(layout.title)}</text>\n`,
  );
  if (options.subtitle) put(`<text id="subtitle" x="${width / 2}" y="${fontSize * 4}">${e(options.subtitle)}</text>\n`);
  put(
    `<text id="details" x="${XPAD}" y="${imageHeight - ypad2 / 2}"> </text>\n`,
    `<text id="unzoom" class="hide" x="${XPAD}" y="${fontSize * 2}">Reset Zoom</text>\n`,
    `<text id="search" x="${width - XPAD - 100}" y="${fontSize * 2}">Search</text>\n`,
    `<text id="ignorecase" x="${width - XPAD - 16}" y="${fontSize * 2}">ic</text>\n`,
    `<text id="matched" x="${width - XPAD - 100}" y="${imageHeight - ypad2 / 2}"> </text>\n`,
    '<g id="frames">\n',
  );
}

/**
 * A group per drawn frame: its tooltip, rectangle and label (cut to fit, escaped). What
 * depends only on the name (shown text, escaped, colour) is made once per name, what depends
 * only on the depth once per depth: a graph draws the same names many times.
 */
function* writeFrames(text: TextChunks, layout: SvgLayout): Generator<Uint8Array> {
  const { options, tree, frameHeight, delta, fmt, pct } = layout;
  const e = xmlEscape;
  const scale = (layout.width - 2 * XPAD) / (layout.scaleTotal || 1);
  const charWidth = layout.fontSize * layout.fontWidth;
  const unit = layout.countName ? ` ${e(layout.countName)}` : '';
  const height = (frameHeight - FRAMEPAD).toFixed(1);
  const names = labelTexts(tree, layout);
  const rows = depthRows(layout);
  for (let n = 0; n < tree.count; n++) {
    const l = n === 0 ? 0 : tree.label[n] + 1;
    const shown = names.shown[l];
    const value = tree.total[n];
    const x1 = XPAD + tree.x[n] * scale;
    const w = value * scale;
    const change = layout.diff
      ? `; ${delta(n) >= 0 ? '+' : '-'}${fmt(Math.abs(delta(n)))} ${options.negate ? 'after' : 'since BASE'}`
      : '';
    const color = layout.diff ? diffColor(delta(n), layout.maxDelta) : names.color[l];
    const chars = Math.floor(w / charWidth);
    const label =
      n === 0 || chars < 3 ? '' : shown.length <= chars ? names.escaped[l] : e(`${shown.slice(0, chars - 2)}..`);
    const row = tree.depth[n];
    text.push(
      `<g fg:x="${tree.x[n]}" fg:w="${value}"><title>${names.escaped[l]} (${fmt(value)}${unit}, ${pct(value)}%${change})</title>` +
        `<rect x="${x1.toFixed(1)}" y="${rows.rect[row]}" width="${w.toFixed(1)}" height="${height}" fill="${color}" rx="2" ry="2"/>` +
        `<text x="${(x1 + 3).toFixed(2)}" y="${rows.text[row]}">${label}</text></g>\n`,
    );
    if (text.full.length > 0) yield* text.take();
  }
}

/**
 * Per label (index label + 1; 0 is the root, "all"): the name as shown (annotation stripped,
 * escaped as in text output: a bidi override would show "rtl\u202eexe.txt" as "rtltxt.exe"),
 * that text escaped for XML, and its colour; made for the names drawn only (pruning leaves most out).
 */
function labelTexts(tree: CallTree, layout: SvgLayout) {
  const size = tree.labels.length + 1;
  const shown: string[] = new Array(size);
  const escaped: string[] = new Array(size);
  const color: string[] = new Array(size);
  const hash = layout.options.hash === true;
  for (let n = 0; n < tree.count; n++) {
    const l = n === 0 ? 0 : tree.label[n] + 1;
    if (shown[l] !== undefined) continue;
    const name = n === 0 ? 'all' : tree.labels[tree.label[n]];
    shown[l] = lineSafe(stripAnnotation(name));
    escaped[l] = xmlEscape(shown[l]);
    color[l] = n === 0 ? 'rgb(250,250,250)' : layout.diff ? '' : frameColor(name, layout.palette, hash);
  }
  return { shown, escaped, color };
}

/** Per depth: the y of a frame's rectangle and of its label, as written. */
function depthRows(layout: SvgLayout): { rect: string[]; text: string[] } {
  const { options, frameHeight, imageHeight, ypad1, ypad2, ypad3 } = layout;
  const rect: string[] = [];
  const text: string[] = [];
  for (let depth = 0; depth <= layout.tree.maxDepth; depth++) {
    const y1 = options.inverted
      ? ypad1 + ypad3 + depth * frameHeight
      : imageHeight - ypad2 - (depth + 1) * frameHeight + FRAMEPAD;
    rect.push(y1.toFixed(1));
    text.push((y1 + frameHeight / 2 + 3).toFixed(2));
  }
  return { rect, text };
}

/**
 * A font family for the SVG's style sheet: names, quotes, spaces and commas only. Anything
 * else could end the rule or the style element (`Verdana;}@import url(...)` made a browser
 * fetch a URL), so it is refused.
 */
export function fontFamily(name: string): string {
  if (!/^[\w\s,'"-]{1,200}$/.test(name))
    throw new HeapflameError(
      `--fonttype: not a font family (letters, digits, spaces, commas, quotes and - only): ${JSON.stringify(name.slice(0, 80))}`,
    );
  return name.replace(/"/g, "'");
}
