/**
 * The HTML report's viewer: a canvas flame graph over every cost of a profile, with zoom,
 * breadcrumbs, regex search, tooltips, flame/icicle, a top-N table and the summary. It runs
 * from the one HTML file, offline: the data is in the page (gzip, base64), decoded with the
 * browser's DecompressionStream; it makes no request. Compiled as a plain script (no
 * imports) and inlined by src/export/html.ts.
 */

interface Data {
  schema: string;
  title: string;
  /** Costs `before` and `after`: widths from `after`, colours from each frame's change. */
  diff?: boolean;
  costs: { id: string; unit: 'count' | 'bytes'; label: string }[];
  /** The cost the page opens on (the profile's main cost). */
  main?: number;
  /** What to look at first, ranked: its line, and the cost and label the graph opens on for it. */
  findings?: { text: string; cost: number; label: number }[];
  /** Per cost: the top functions of the whole profile, [label, self, total]. */
  top?: [number, number, number][][];
  labels: string[];
  parent: string;
  label: string;
  self: string[];
  summary: [string, string][];
  timeline: [number, number, number][];
}

interface Tree {
  labels: string[];
  parent: Int32Array;
  label: Int32Array;
  count: number;
  /** first child and next sibling, siblings in label order */
  firstChild: Int32Array;
  nextSibling: Int32Array;
  depth: Int32Array;
  maxDepth: number;
  self: Float64Array[];
  total: Float64Array[];
}

const ROW = 18;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function fromBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function loadData(): Promise<Data> {
  const packed = fromBase64($('heapflame-data').textContent!.trim());
  const stream = new Blob([packed as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return JSON.parse(await new Response(stream).text()) as Data;
}

function buildTree(d: Data): Tree {
  const parent = new Int32Array(fromBase64(d.parent).buffer);
  const label = new Int32Array(fromBase64(d.label).buffer);
  const self = d.self.map((s) => new Float64Array(fromBase64(s).buffer));
  const count = parent.length;
  const total = self.map((s) => {
    const t = s.slice();
    for (let n = count - 1; n > 0; n--) t[parent[n]] += t[n];
    return t;
  });
  const depth = new Int32Array(count);
  let maxDepth = 0;
  for (let n = 1; n < count; n++) {
    depth[n] = depth[parent[n]] + 1;
    if (depth[n] > maxDepth) maxDepth = depth[n];
  }
  // children in label order: sort node ids by (parent, label text), then link them
  const rank = new Int32Array(d.labels.length);
  d.labels
    .map((_, i) => i)
    .sort((a, b) => (d.labels[a] < d.labels[b] ? -1 : d.labels[a] > d.labels[b] ? 1 : 0))
    .forEach((l, r) => {
      rank[l] = r;
    });
  const order = Array.from({ length: count - 1 }, (_, i) => i + 1).sort(
    (a, b) => parent[a] - parent[b] || rank[label[a]] - rank[label[b]],
  );
  const firstChild = new Int32Array(count).fill(-1);
  const nextSibling = new Int32Array(count).fill(-1);
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    nextSibling[n] = firstChild[parent[n]];
    firstChild[parent[n]] = n;
  }
  return { labels: d.labels, parent, label, count, firstChild, nextSibling, depth, maxDepth, self, total };
}

function formatValue(v: number, unit: string): string {
  if (unit !== 'bytes') return Math.round(v).toLocaleString('en-US');
  // the rounded size to read, the exact count beside it
  const size = formatBytes(v);
  return Math.abs(v) < 1024 ? size : `${size} (${Math.round(v).toLocaleString('en-US')} B)`;
}

/** heapflame's one byte format: src/export/format.ts's formatBytes, put before this script by src/export/html.ts. */
declare function formatBytes(bytes: number): string;

/** A stable colour per name: warm for flame graphs, greens for memory costs. */
function colorOf(name: string, bytes: boolean, dark: boolean): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  const v = ((h >>> 0) % 1000) / 1000;
  const w = ((h >>> 10) % 1000) / 1000;
  const hue = bytes ? 120 + v * 60 : 5 + v * 45;
  return `hsl(${hue.toFixed(0)},${(60 + w * 25).toFixed(0)}%,${dark ? 35 + w * 10 : 55 + w * 12}%)`;
}

/** The page's controls, looked up once. */
function controls() {
  return {
    canvas: $<HTMLCanvasElement>('flame'),
    tip: $('tip'),
    costSelect: $<HTMLSelectElement>('cost'),
    searchBox: $<HTMLInputElement>('search'),
    caseBox: $<HTMLInputElement>('case'),
    icicleBox: $<HTMLInputElement>('icicle'),
    crumbs: $('crumbs'),
    matched: $('matched'),
  };
}

/** What one drawing of the graph paints with. */
interface Paint {
  total: Float64Array;
  bytes: boolean;
  isDark: boolean;
  /** Differential data: the largest change below the root, which the colours scale to. */
  maxDelta: number;
}

const isDarkScheme = () => window.matchMedia?.('(prefers-color-scheme: dark)').matches === true;

/** The flame graph and what it shows: the cost, the zoomed frame, the search; redrawn on each change. */
class FlameView {
  private readonly ui = controls();
  private readonly ctx: CanvasRenderingContext2D;
  // the profile's main cost; differential data opens on `after`, whose widths the colours describe
  readonly state = { cost: 0, zoom: 0, search: null as RegExp | null };
  /** Drawn frames per row, for hit testing: [node, x0, x1] in px. */
  private rows: number[][] = [];
  private readonly matches: Uint8Array;
  /** Per cost: the deepest frame with a value (the canvas is as tall as that). */
  private readonly depthOfCost: number[] = [];

  constructor(
    private readonly data: Data,
    private readonly tree: Tree,
  ) {
    this.ctx = this.ui.canvas.getContext('2d')!;
    this.matches = new Uint8Array(tree.count);
    this.state.cost = data.main ?? (data.diff ? 1 : 0);
  }

  /** Title, the cost choice and the summary table. */
  fillPage(): void {
    const { data, ui } = this;
    document.title = data.title;
    $('title').textContent = data.title;
    data.costs.forEach((c, i) => {
      const o = document.createElement('option');
      o.value = String(i);
      o.textContent = c.label;
      ui.costSelect.appendChild(o);
    });
    const summary = $('summary');
    for (const [k, v] of data.summary) {
      const row = document.createElement('tr');
      const a = document.createElement('th');
      a.textContent = k;
      const b = document.createElement('td');
      b.textContent = v;
      row.append(a, b);
      summary.appendChild(row);
    }
    ui.costSelect.value = String(this.state.cost);
  }

  /** after - before, inclusive (differential data). */
  delta(n: number): number {
    return this.tree.total[1][n] - this.tree.total[0][n];
  }

  private shownDepth(): number {
    let d = this.depthOfCost[this.state.cost];
    if (d === undefined) {
      d = 0;
      const t = this.tree.total[this.state.cost];
      for (let n = 1; n < this.tree.count; n++) if (t[n] !== 0 && this.tree.depth[n] > d) d = this.tree.depth[n];
      this.depthOfCost[this.state.cost] = d;
    }
    return d;
  }

  draw(): void {
    const { tree, state, data, ctx } = this;
    const total = tree.total[state.cost];
    const height = (this.shownDepth() + 1) * ROW;
    const width = fitCanvas(this.ui.canvas, ctx, height);
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    this.rows = Array.from({ length: this.shownDepth() + 1 }, () => []);
    const zw = total[state.zoom] || 1;
    const scale = width / zw;
    const rowY = (d: number) => (this.ui.icicleBox.checked ? d * ROW : height - (d + 1) * ROW);
    let maxDelta = 0;
    if (data.diff) for (let n = 1; n < tree.count; n++) maxDelta = Math.max(maxDelta, Math.abs(this.delta(n)));
    const paint: Paint = { total, bytes: data.costs[state.cost].unit === 'bytes', isDark: isDarkScheme(), maxDelta };
    // ancestors of the zoomed frame: full width, faded
    for (let a = tree.parent[state.zoom]; a >= 0; a = tree.parent[a]) {
      this.paint(paint, a, 0, width, rowY(tree.depth[a]), 0.5);
      if (a === 0) break;
    }
    let matchedValue = 0;
    // depth-first over visible frames, widths ≥ 0.3 px
    const stack: number[] = [state.zoom, 0];
    while (stack.length) {
      const x = stack.pop()!;
      const n = stack.pop()!;
      const w = total[n] * scale;
      if (w < 0.3) continue;
      this.paint(paint, n, x, w, rowY(tree.depth[n]), 1);
      if (this.matches[n]) matchedValue += total[n];
      let cx = x;
      const kids: number[] = [];
      for (let c = tree.firstChild[n]; c >= 0; c = tree.nextSibling[c]) {
        if (total[c] > 0) kids.push(c, cx);
        cx += total[c] * scale;
      }
      for (let i = kids.length - 2; i >= 0; i -= 2) stack.push(kids[i], kids[i + 1]);
    }
    this.ui.matched.textContent = state.search ? `Matched: ${((100 * matchedValue) / zw).toFixed(1)}%` : '';
    this.crumbsFor();
  }

  private paint(p: Paint, n: number, x: number, w: number, y: number, alpha: number): void {
    const { ctx, tree } = this;
    const name = n === 0 ? 'all' : tree.labels[tree.label[n]];
    ctx.globalAlpha = alpha;
    ctx.fillStyle =
      this.matches[n] && this.state.search
        ? '#e600e6'
        : this.data.diff
          ? diffColor(this.delta(n), p.maxDelta)
          : n === 0
            ? p.isDark
              ? '#444'
              : '#ddd'
            : colorOf(name, p.bytes, p.isDark);
    drawFrame(ctx, name, x, y, w, p.isDark);
    ctx.globalAlpha = 1;
    this.rows[tree.depth[n]].push(n, x, x + w);
  }

  /** Marks matches; only the outermost match of a stack counts towards "Matched". */
  search(): void {
    const { tree, matches, ui } = this;
    matches.fill(0);
    this.state.search = null;
    const text = ui.searchBox.value;
    if (!text) return this.draw();
    let re: RegExp;
    try {
      re = new RegExp(text, ui.caseBox.checked ? '' : 'i');
    } catch {
      ui.matched.textContent = 'invalid regular expression';
      return;
    }
    this.state.search = re;
    const hit = tree.labels.map((l) => re.test(l));
    const inside = new Uint8Array(tree.count);
    for (let n = 1; n < tree.count; n++) {
      const under = inside[tree.parent[n]] === 1;
      if (hit[tree.label[n]] && !under) matches[n] = 1;
      inside[n] = under || hit[tree.label[n]] ? 1 : 0;
    }
    this.draw();
  }

  private crumbsFor(): void {
    const { crumbs } = this.ui;
    crumbs.textContent = '';
    const path: number[] = [];
    for (let n = this.state.zoom; n > 0; n = this.tree.parent[n]) path.unshift(n);
    const add = (n: number, text: string) => {
      const b = document.createElement('button');
      b.textContent = text;
      b.addEventListener('click', () => this.zoom(n));
      crumbs.appendChild(b);
    };
    add(0, 'all');
    for (const n of path) add(n, this.tree.labels[this.tree.label[n]]);
  }

  zoom(n: number): void {
    this.state.zoom = n;
    this.draw();
  }

  private nodeAt(ev: MouseEvent): number {
    const r = this.ui.canvas.getBoundingClientRect();
    const x = ev.clientX - r.left;
    const y = ev.clientY - r.top;
    const height = (this.shownDepth() + 1) * ROW;
    const depth = this.ui.icicleBox.checked ? Math.floor(y / ROW) : Math.floor((height - y) / ROW);
    const row = this.rows[depth];
    if (!row) return -1;
    for (let i = 0; i < row.length; i += 3) if (x >= row[i + 1] && x < row[i + 2]) return row[i];
    return -1;
  }

  private showTip(ev: MouseEvent): void {
    const { tip } = this.ui;
    const n = this.nodeAt(ev);
    if (n < 0) {
      tip.hidden = true;
      return;
    }
    const { tree, state, data } = this;
    const cost = data.costs[state.cost];
    const t = tree.total[state.cost];
    const name = n === 0 ? 'all' : tree.labels[tree.label[n]];
    const d = this.delta(n);
    const lines = [
      name,
      `${formatValue(t[n], cost.unit)} ${cost.unit === 'bytes' ? '' : cost.label}`.trim(),
      ...(data.diff
        ? [
            `change: ${d >= 0 ? '+' : '-'}${formatValue(Math.abs(d), cost.unit)} (before ${formatValue(tree.total[0][n], cost.unit)})`,
          ]
        : []),
      `${((100 * t[n]) / (t[0] || 1)).toFixed(2)}% of all, ${((100 * t[n]) / (t[state.zoom] || 1)).toFixed(2)}% of the zoomed frame`,
      `self: ${formatValue(tree.self[state.cost][n], cost.unit)}`,
    ];
    tip.textContent = lines.join('\n');
    tip.hidden = false;
    tip.style.left = `${Math.min(ev.clientX + 12, window.innerWidth - 320)}px`;
    tip.style.top = `${ev.clientY + 12}px`;
  }

  /** The controls' events: click to zoom, hover for a tooltip, cost, search, icicle, reset. */
  listen(): void {
    const { ui } = this;
    const draw = () => this.draw();
    const search = () => this.search();
    ui.canvas.addEventListener('click', (ev) => {
      const n = this.nodeAt(ev);
      if (n >= 0) this.zoom(n);
    });
    ui.canvas.addEventListener('mousemove', (ev) => this.showTip(ev));
    ui.canvas.addEventListener('mouseleave', () => (ui.tip.hidden = true));
    ui.costSelect.addEventListener('change', () => {
      this.state.cost = Number(ui.costSelect.value);
      this.state.zoom = 0;
      this.draw();
      this.table();
    });
    ui.searchBox.addEventListener('input', search);
    ui.caseBox.addEventListener('change', search);
    ui.icicleBox.addEventListener('change', draw);
    $('reset').addEventListener('click', () => {
      ui.searchBox.value = '';
      this.search();
      this.zoom(0);
    });
    window.addEventListener('resize', draw);
    window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', draw);
  }

  /** The findings, each a button that opens the graph on its cost, zoomed to its function. */
  listFindings(): void {
    const list = this.data.findings ?? [];
    $('findings-section').hidden = list.length === 0;
    const ol = $('findings');
    for (const f of list) {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.textContent = f.text;
      b.addEventListener('click', () => this.focus(f.cost, f.label));
      li.appendChild(b);
      ol.appendChild(li);
    }
  }

  /** Shows one cost, zoomed to the occurrence of a function with the most of it. */
  focus(cost: number, labelId: number): void {
    const { tree } = this;
    this.state.cost = cost;
    this.ui.costSelect.value = String(cost);
    const total = tree.total[cost];
    let best = 0;
    for (let n = 1; n < tree.count; n++)
      if (tree.label[n] === labelId && (best === 0 || total[n] > total[best])) best = n;
    this.table();
    this.zoom(best);
    this.ui.canvas.scrollIntoView({ block: 'nearest' });
  }

  /** Top functions by self and total (a function counted once per stack), from the whole profile. */
  table(): void {
    const cost = this.data.costs[this.state.cost];
    const labels = this.tree.labels;
    const body = $('top');
    body.textContent = '';
    for (const [id, self, total] of this.data.top?.[this.state.cost] ?? []) {
      const tr = document.createElement('tr');
      for (const text of [formatValue(self, cost.unit), formatValue(total, cost.unit), labels[id]]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.appendChild(td);
      }
      tr.addEventListener('click', () => {
        this.ui.searchBox.value = `^${labels[id].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
        this.search();
        this.sandwich(id);
      });
      body.appendChild(tr);
    }
  }

  /** Callers and callees of one function, each merged over all its (outermost) occurrences. */
  sandwich(labelId: number): void {
    const { tree } = this;
    const cost = this.state.cost;
    const total = tree.total[cost];
    const self = tree.self[cost];
    const outer = (n: number) => {
      for (let a = tree.parent[n]; a > 0; a = tree.parent[a]) if (tree.label[a] === labelId) return false;
      return true;
    };
    const callers = new SmallTree(labelId);
    const callees = new SmallTree(labelId);
    for (let n = 1; n < tree.count; n++) {
      if (tree.label[n] !== labelId || !outer(n)) continue;
      // callers: the path up to the root, ending in this occurrence's whole value
      let c = 0;
      for (let a = tree.parent[n]; a > 0; a = tree.parent[a]) c = callers.child(c, tree.label[a]);
      callers.self[c] += total[n];
      // callees: the occurrence's subtree, merged
      const stack = [n, 0];
      while (stack.length) {
        const into = stack.pop()!;
        const m = stack.pop()!;
        callees.self[into] += self[m];
        for (let k = tree.firstChild[m]; k >= 0; k = tree.nextSibling[k])
          stack.push(k, callees.child(into, tree.label[k]));
      }
    }
    $('sandwich-section').hidden = false;
    $('sandwich-name').textContent = tree.labels[labelId];
    const bytes = this.data.costs[cost].unit === 'bytes';
    paintSmall($<HTMLCanvasElement>('callers'), callers, tree.labels, true, bytes);
    paintSmall($<HTMLCanvasElement>('callees'), callees, tree.labels, false, bytes);
  }
}

async function main(): Promise<void> {
  const data = await loadData();
  const tree = buildTree(data);
  const view = new FlameView(data, tree);
  view.fillPage();
  view.listFindings();
  view.listen();
  view.draw();
  view.table();
  timeline(data);
  // what the browser tests drive
  (window as unknown as { heapflame: unknown }).heapflame = {
    zoom: (n: number) => view.zoom(n),
    search: (t: string) => {
      $<HTMLInputElement>('search').value = t;
      view.search();
    },
    setCost: (i: number) => {
      const costSelect = $<HTMLSelectElement>('cost');
      costSelect.value = String(i);
      costSelect.dispatchEvent(new Event('change'));
    },
    nodeCount: tree.count,
    focusFinding: (i: number) => {
      const f = data.findings?.[i];
      if (f) view.focus(f.cost, f.label);
    },
    sandwich: (name: string) => view.sandwich(tree.labels.indexOf(name)),
    ready: true,
  };
}

/** White at no change, red for growth, blue for shrinkage (as the SVG). */
function diffColor(delta: number, max: number): string {
  if (max <= 0 || delta === 0) return 'rgb(255,255,255)';
  const v = Math.trunc((210 * (max - Math.min(Math.abs(delta), max))) / max);
  return delta > 0 ? `rgb(255,${v},${v})` : `rgb(${v},${v},255)`;
}

/** A small tree built by merging paths: node 0 is the selected function. */
class SmallTree {
  parent: number[] = [-1];
  label: number[];
  self: number[] = [0];
  private index = new Map<string, number>();
  constructor(rootLabel: number) {
    this.label = [rootLabel];
  }
  child(parent: number, label: number): number {
    const key = `${parent},${label}`;
    let id = this.index.get(key);
    if (id === undefined) {
      id = this.parent.length;
      this.parent.push(parent);
      this.label.push(label);
      this.self.push(0);
      this.index.set(key, id);
    }
    return id;
  }
}

/** Sizes the canvas to its CSS width and `height` in device pixels, cleared; returns the width. */
function fitCanvas(canvas: HTMLCanvasElement, ctx: CanvasRenderingContext2D, height: number): number {
  const width = canvas.clientWidth;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  canvas.style.height = `${height}px`;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return width;
}

/** A frame's box in the fill style set, and its name when it fits (cut with ".."). */
function drawFrame(ctx: CanvasRenderingContext2D, name: string, x: number, y: number, w: number, dark: boolean): void {
  ctx.fillRect(x, y, Math.max(w - 0.5, 0.5), ROW - 1);
  if (w <= 30) return;
  ctx.fillStyle = dark ? '#fff' : '#000';
  const chars = Math.floor((w - 6) / 7);
  ctx.fillText(name.length <= chars ? name : `${name.slice(0, Math.max(chars - 2, 0))}..`, x + 3, y + ROW / 2, w - 6);
}

/** Draws a small tree (no zoom): children by label, the root full width. */
function paintSmall(canvas: HTMLCanvasElement, t: SmallTree, labels: string[], icicle: boolean, bytes: boolean): void {
  const count = t.parent.length;
  const total = t.self.slice();
  for (let n = count - 1; n > 0; n--) total[t.parent[n]] += total[n];
  const depth = new Array<number>(count).fill(0);
  let maxDepth = 0;
  const kids: number[][] = Array.from({ length: count }, () => []);
  for (let n = 1; n < count; n++) {
    depth[n] = depth[t.parent[n]] + 1;
    maxDepth = Math.max(maxDepth, depth[n]);
    kids[t.parent[n]].push(n);
  }
  const isDark = window.matchMedia?.('(prefers-color-scheme: dark)').matches === true;
  const height = (maxDepth + 1) * ROW;
  const ctx = canvas.getContext('2d')!;
  const width = fitCanvas(canvas, ctx, height);
  ctx.font = '12px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  const scale = width / (total[0] || 1);
  const stack = [0, 0];
  while (stack.length) {
    const x = stack.pop()!;
    const n = stack.pop()!;
    const w = total[n] * scale;
    if (w < 0.3) continue;
    const y = icicle ? depth[n] * ROW : height - (depth[n] + 1) * ROW;
    const name = labels[t.label[n]];
    ctx.fillStyle = colorOf(name, bytes, isDark);
    drawFrame(ctx, name, x, y, w, isDark);
    let cx = x;
    kids[n].sort((a, b) => (labels[t.label[a]] < labels[t.label[b]] ? -1 : 1));
    for (const k of kids[n]) {
      stack.push(k, cx);
      cx += total[k] * scale;
    }
  }
  canvas.dataset.frames = String(count);
  canvas.dataset.total = String(total[0]);
}

/** Heap (and RSS) over time with the peak marked, in the spirit of heaptrack_gui. */
function timeline(data: Data): void {
  const points = data.timeline;
  const section = $('timeline-section');
  if (points.length < 2) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  const canvas = $<HTMLCanvasElement>('timeline');
  const ctx = canvas.getContext('2d')!;
  const caption = $('timeline-caption');
  const t0 = points[0][0];
  const t1 = points[points.length - 1][0];
  let peakAt = 0;
  let maxY = 0;
  points.forEach(([, heap, rss], i) => {
    if (heap > points[peakAt][1]) peakAt = i;
    maxY = Math.max(maxY, heap, rss);
  });
  const [peakT, peakHeap] = points[peakAt];
  caption.textContent = `peak heap ${formatValue(peakHeap, 'bytes')} at ${((peakT - t0) / 1000).toFixed(3)} s of ${((t1 - t0) / 1000).toFixed(3)} s; RSS up to ${formatValue(
    points.reduce((m, p) => Math.max(m, p[2]), 0),
    'bytes',
  )}`;
  const render = () => {
    const height = 140;
    const width = fitCanvas(canvas, ctx, height);
    const x = (t: number) => ((t - t0) / (t1 - t0 || 1)) * (width - 2) + 1;
    const y = (v: number) => height - 4 - (v / (maxY || 1)) * (height - 8);
    const line = (k: 1 | 2, color: string) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      for (const [i, p] of points.entries()) i ? ctx.lineTo(x(p[0]), y(p[k])) : ctx.moveTo(x(p[0]), y(p[k]));
      ctx.stroke();
    };
    line(2, '#8888cc');
    line(1, '#2a9d4b');
    ctx.fillStyle = '#d62728';
    ctx.beginPath();
    ctx.arc(x(peakT), y(peakHeap), 4, 0, 2 * Math.PI);
    ctx.fill();
  };
  render();
  window.addEventListener('resize', render);
}

main().catch((e: unknown) => {
  const el = document.getElementById('error');
  if (el) el.textContent = `heapflame viewer: ${String(e)}`;
});
