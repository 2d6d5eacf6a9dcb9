/**
 * The HTML report's viewer: a canvas flame graph over every cost of a profile, with zoom,
 * breadcrumbs, regex search over names and places, tooltips, flame/icicle, left-heavy order,
 * keyboard navigation, merging by function name, differential colours, and the tables. It
 * runs from the one HTML file, offline: the data is in the page (gzip, base64), decoded with
 * the browser's DecompressionStream; it makes no request. Plain scripts (tree.ts, paint.ts,
 * tables.ts, timeline.ts, this one last) inlined by src/export/html.ts into one element.
 */

/** The page's controls, looked up once. */
function controls() {
  return {
    canvas: $<HTMLCanvasElement>('flame'),
    graph: $('graph'),
    tip: $('tip'),
    costSelect: $<HTMLSelectElement>('cost'),
    searchBox: $<HTMLInputElement>('search'),
    caseBox: $<HTMLInputElement>('case'),
    icicleBox: $<HTMLInputElement>('icicle'),
    leftHeavyBox: $<HTMLInputElement>('left-heavy'),
    byNameBox: $<HTMLInputElement>('by-name'),
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

/** The flame graph and what it shows: the cost, the zoomed frame, the search; redrawn on each change. */
class FlameView {
  readonly ui = controls();
  private readonly ctx: CanvasRenderingContext2D;
  readonly state = { cost: 0, zoom: 0, selected: 0, search: null as RegExp | null };
  /** The tree drawn: the data's, or a time range's, merged by name when asked. */
  tree: Tree;
  /** The label in `tree` of each label of the data (identity unless merged by name). */
  labelOf: Int32Array | null = null;
  /** Drawn frames per row, for hit testing: [node, x0, x1] in px. */
  private rows: number[][] = [];
  private matches: Uint8Array;
  /** Per cost: the deepest frame with a value (the canvas is as tall as that). */
  private depthOfCost: number[] = [];
  /** Colours per label of the tree drawn, for the palette in `colorsFor` (hashing names on each draw is slow). */
  private colors: string[] = [];
  private colorsFor = '';
  /** Called after each change of tree or cost (the tables follow). */
  onChange: () => void = () => {};

  constructor(
    readonly data: Data,
    /** The data's own tree, by name and file, over the whole recording. */
    readonly located: Tree,
  ) {
    this.ctx = this.ui.canvas.getContext('2d')!;
    this.tree = located;
    this.matches = new Uint8Array(located.count);
    // differential data opens on the larger side of each frame, so a removed cost stays visible
    this.state.cost = data.diff ? 2 : (data.main ?? 0);
  }

  /** Shows another tree (a range's values, merged by name or not), from its root. */
  setTree(values?: Float64Array[]): void {
    const base = values ? withValues(this.located, values) : this.located;
    const merged = this.ui.byNameBox.checked ? mergedByName(base) : null;
    this.tree = merged ? merged.tree : base;
    this.labelOf = merged ? merged.labelOf : null;
    this.matches = new Uint8Array(this.tree.count);
    this.depthOfCost = [];
    this.state.zoom = 0;
    this.state.selected = 0;
    this.search();
    this.onChange();
    this.rootInView();
  }

  /** Title and the cost choice. */
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
    ui.costSelect.value = String(this.state.cost);
    $('diff-legend').hidden = !data.diff;
  }

  setCost(cost: number): void {
    this.state.cost = cost;
    this.ui.costSelect.value = String(cost);
    this.state.zoom = 0;
    this.state.selected = 0;
    this.draw();
    this.onChange();
    this.rootInView();
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

  private rowY(depth: number, height: number): number {
    return this.ui.icicleBox.checked ? depth * ROW : height - (depth + 1) * ROW;
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
    let maxDelta = 0;
    if (data.diff) for (let n = 1; n < tree.count; n++) maxDelta = Math.max(maxDelta, Math.abs(this.delta(n)));
    const paint: Paint = { total, bytes: data.costs[state.cost].unit === 'bytes', isDark: isDarkScheme(), maxDelta };
    // ancestors of the zoomed frame: full width, faded
    for (let a = tree.parent[state.zoom]; a >= 0; a = tree.parent[a]) {
      this.paint(paint, a, 0, width, this.rowY(tree.depth[a], height), 0.5);
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
      this.paint(paint, n, x, w, this.rowY(tree.depth[n], height), 1);
      if (this.matches[n]) matchedValue += total[n];
      let cx = x;
      const kids = this.children(n, total);
      const at = kids.map((c) => {
        const left = cx;
        cx += total[c] * scale;
        return left;
      });
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i], at[i]);
    }
    this.outlineSelected(height);
    this.ui.matched.textContent = state.search ? `Matched: ${((100 * matchedValue) / zw).toFixed(1)}%` : '';
    this.crumbsFor();
  }

  /** Children with a value, left to right: in name order, or widest first (left heavy). */
  private children(n: number, total: Float64Array): number[] {
    const kids: number[] = [];
    for (let c = this.tree.firstChild[n]; c >= 0; c = this.tree.nextSibling[c]) if (total[c] > 0) kids.push(c);
    if (this.ui.leftHeavyBox.checked) kids.sort((a, b) => total[b] - total[a]);
    return kids;
  }

  private paint(p: Paint, n: number, x: number, w: number, y: number, alpha: number): void {
    const { ctx, tree } = this;
    const name = n === 0 ? 'all' : tree.labels[tree.label[n]];
    ctx.globalAlpha = alpha;
    let text = p.isDark ? '#fff' : '#000';
    if (this.matches[n] && this.state.search) {
      ctx.fillStyle = '#e600e6';
    } else if (this.data.diff) {
      const c = diffColor(this.delta(n), p.maxDelta);
      ctx.fillStyle = c.fill;
      text = c.text;
    } else ctx.fillStyle = n === 0 ? (p.isDark ? '#444' : '#ddd') : this.colorOfLabel(tree.label[n], p);
    drawFrame(ctx, name, x, y, w, text);
    ctx.globalAlpha = 1;
    this.rows[tree.depth[n]].push(n, x, x + w);
  }

  private colorOfLabel(label: number, p: Paint): string {
    const palette = `${p.bytes} ${p.isDark} ${this.tree.count}`;
    if (palette !== this.colorsFor) {
      this.colors = [];
      this.colorsFor = palette;
    }
    this.colors[label] ??= colorOf(this.tree.labels[label], p.bytes, p.isDark);
    return this.colors[label];
  }

  private outlineSelected(height: number): void {
    const n = this.state.selected;
    const row = this.rows[this.tree.depth[n]];
    if (n === 0 || !row) return;
    for (let i = 0; i < row.length; i += 3) {
      if (row[i] !== n) continue;
      this.ctx.strokeStyle = isDarkScheme() ? '#fff' : '#000';
      this.ctx.lineWidth = 2;
      this.ctx.strokeRect(
        row[i + 1] + 1,
        this.rowY(this.tree.depth[n], height) + 1,
        row[i + 2] - row[i + 1] - 2,
        ROW - 3,
      );
    }
  }

  /** Marks matches of names and places; only the outermost match of a stack counts towards "Matched". */
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
    const hit = tree.labels.map((l, i) => re.test(l) || (tree.where[i] !== '' && re.test(tree.where[i])));
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
    this.state.selected = n;
    this.draw();
  }

  /**
   * The root and the widest frames in view: the graph scrolls within the rest of the first
   * screen (whatever stands above it), to a flame graph's bottom or an icicle's top.
   */
  rootInView(): void {
    const g = this.ui.graph;
    const top = g.getBoundingClientRect().top + window.scrollY;
    g.style.maxHeight = `${Math.max(240, window.innerHeight - top - 8)}px`;
    g.scrollTop = this.ui.icicleBox.checked ? 0 : g.scrollHeight;
  }

  nodeAt(ev: MouseEvent): number {
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

  /** The tooltip's lines for a frame: name, place, value and shares; before/after in a diff. */
  describe(n: number): string[] {
    const { tree, state, data } = this;
    const cost = data.costs[state.cost];
    const t = tree.total[state.cost];
    const lines = [n === 0 ? 'all' : tree.labels[tree.label[n]]];
    if (n > 0 && tree.where[tree.label[n]]) lines.push(tree.where[tree.label[n]]);
    if (data.diff) {
      const [b, a] = [tree.total[0][n], tree.total[1][n]];
      const pct = b ? ` (${(((a - b) / b) * 100).toFixed(1)}%)` : '';
      lines.push(
        `before ${formatValue(b, cost.unit)}`,
        `after ${formatValue(a, cost.unit)}`,
        `change ${formatChange(a - b, cost.unit)}${pct}`,
      );
    } else lines.push(`${formatValue(t[n], cost.unit)} ${cost.unit === 'bytes' ? '' : cost.label}`.trim());
    lines.push(
      `${((100 * t[n]) / (t[0] || 1)).toFixed(2)}% of all, ${((100 * t[n]) / (t[state.zoom] || 1)).toFixed(2)}% of the zoomed frame`,
      `self: ${formatValue(tree.self[state.cost][n], cost.unit)}`,
    );
    return lines;
  }

  private showTip(ev: MouseEvent): void {
    const { tip } = this.ui;
    const n = this.nodeAt(ev);
    if (n < 0) {
      tip.hidden = true;
      return;
    }
    tip.textContent = this.describe(n).join('\n');
    tip.hidden = false;
    tip.style.left = `${Math.min(ev.clientX + 12, window.innerWidth - 420)}px`;
    tip.style.top = `${ev.clientY + 12}px`;
  }

  /** The controls' events: click to zoom, hover for a tooltip, cost, search, view switches, keys. */
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
    ui.canvas.addEventListener('keydown', (ev) => this.key(ev));
    ui.costSelect.addEventListener('change', () => this.setCost(Number(ui.costSelect.value)));
    ui.searchBox.addEventListener('input', search);
    ui.caseBox.addEventListener('change', search);
    ui.icicleBox.addEventListener('change', () => {
      draw();
      this.rootInView();
    });
    ui.leftHeavyBox.addEventListener('change', draw);
    $('reset').addEventListener('click', () => {
      ui.searchBox.value = '';
      this.search();
      this.zoom(0);
    });
    window.addEventListener('resize', draw);
    window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', draw);
  }

  /**
   * Keys on the focused graph: arrows move the selection (up and down as drawn, left and right
   * among visible siblings), Enter zooms to it, Escape zooms out one level, s shows its callers
   * and callees.
   */
  key(ev: KeyboardEvent): void {
    const { tree, state } = this;
    const n = state.selected;
    const towardsLeaf = this.ui.icicleBox.checked ? 'ArrowDown' : 'ArrowUp';
    const towardsRoot = this.ui.icicleBox.checked ? 'ArrowUp' : 'ArrowDown';
    let next = -1;
    if (ev.key === towardsRoot && n > 0) next = tree.parent[n];
    else if (ev.key === towardsLeaf) next = this.rowNeighbour(tree.depth[n] + 1, n, 0);
    else if (ev.key === 'ArrowLeft') next = this.rowNeighbour(tree.depth[n], n, -1);
    else if (ev.key === 'ArrowRight') next = this.rowNeighbour(tree.depth[n], n, 1);
    else if (ev.key === 'Enter') return this.zoom(n);
    else if (ev.key === 'Escape') return this.zoom(state.zoom > 0 ? tree.parent[state.zoom] : 0);
    else if (ev.key === 's' && n > 0) return this.onSandwich(tree.label[n]);
    else return;
    ev.preventDefault();
    if (next < 0) return;
    state.selected = next;
    this.draw();
    $('selected').textContent = this.describe(next).join(' · ');
  }

  /** Called with a label when its callers and callees are asked for (set by the tables). */
  onSandwich: (label: number) => void = () => {};

  /**
   * The drawn frame beside `n` in a row: step -1/+1 along the row, or 0 for the widest drawn
   * frame of the row whose parent is `n`.
   */
  private rowNeighbour(depth: number, n: number, step: number): number {
    const row = this.rows[depth];
    if (!row) return -1;
    if (step === 0) {
      let best = -1;
      for (let i = 0; i < row.length; i += 3)
        if (this.tree.parent[row[i]] === n && (best < 0 || row[i + 2] - row[i + 1] > row[best + 2] - row[best + 1]))
          best = i;
      return best < 0 ? -1 : row[best];
    }
    const nodes: number[] = [];
    for (let i = 0; i < row.length; i += 3) nodes.push(row[i]);
    const at = nodes.indexOf(n);
    return nodes[at + step] ?? -1;
  }

  /** Shows one cost, zoomed to the occurrence of a function (a label of the data) with the most of it. */
  focus(cost: number, dataLabel: number): void {
    const { tree } = this;
    const labelId = this.labelOf ? this.labelOf[dataLabel] : dataLabel;
    this.setCost(cost);
    const total = tree.total[cost];
    let best = 0;
    for (let n = 1; n < tree.count; n++)
      if (tree.label[n] === labelId && (best === 0 || total[n] > total[best])) best = n;
    this.zoom(best);
    this.ui.canvas.scrollIntoView({ block: 'nearest' });
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
}

async function main(): Promise<void> {
  const data = await loadData();
  const view = new FlameView(data, treeOfData(data));
  const tables = new Tables(view);
  view.onChange = () => tables.fill();
  view.onSandwich = (label) => tables.sandwich(label);
  view.fillPage();
  view.listFindings();
  view.listen();
  view.ui.byNameBox.addEventListener('change', () => view.setTree(timeline?.values()));
  const timeline = Timeline.create(data, view);
  view.draw();
  tables.fill();
  tables.summary();
  if (data.heap) new HeapTables(view, data.heap).show();
  view.rootInView();
  // while the user reads: what a first cost switch, table or range needs (and warm code for it)
  const idle = window.requestIdleCallback ?? ((f: () => void) => setTimeout(f, 50));
  idle(() => {
    for (const t of view.located.total) void t;
    outermost(view.located);
  });
  // what the browser tests drive
  (window as unknown as { heapflame: unknown }).heapflame = testApi(view, tables, timeline);
}

function testApi(view: FlameView, tables: Tables, timeline: Timeline | null) {
  return {
    /** The view and the heap chart, for benchmarks that time their parts. */
    view,
    timeline,
    zoom: (n: number) => view.zoom(n),
    search: (t: string) => {
      view.ui.searchBox.value = t;
      view.search();
    },
    setCost: (i: number) => view.setCost(i),
    get nodeCount() {
      return view.tree.count;
    },
    focusFinding: (i: number) => {
      const f = view.data.findings?.[i];
      if (f) view.focus(f.cost, f.label);
    },
    sandwich: (name: string) => tables.sandwich(view.tree.labels.indexOf(name)),
    describe: (n: number) => view.describe(n),
    /** Node ids of a name in the drawn tree. */
    nodesOf: (name: string) => {
      const ids: number[] = [];
      for (let n = 1; n < view.tree.count; n++) if (view.tree.labels[view.tree.label[n]] === name) ids.push(n);
      return ids;
    },
    total: (cost: number, n = 0) => view.tree.total[cost][n],
    range: (fromMs: number, toMs: number) => timeline?.select(fromMs, toMs),
    ready: true,
  };
}

main().catch((e: unknown) => {
  const el = document.getElementById('error');
  if (el) el.textContent = `heapflame viewer: ${String(e)}`;
});
