/**
 * The HTML report's heap chart: heap and RSS over time with axes, the peak marked, "jump to
 * peak", and a range selection (drag) that recomputes the flame graph and tables from the
 * lifetimes the page embeds: allocations made in the range, and what of them was still alive
 * at its end, as `--from/--to` do on the command line. Plain script (see tree.ts).
 */

interface Lifetimes {
  /** Slice edges, ms since the start: slice i is [edges[i], edges[i+1]). */
  edges: number[];
  /** Slices before any were merged to bound the file. */
  slices: number;
  /** Cost indexes the rows recompute (-1: the profile has no such cost). */
  costs: { allocations: number; allocated: number; temporary: number; leaked: number };
}

interface LifetimeRows {
  node: Int32Array;
  born: Uint8Array;
  died: Uint8Array;
  flags: Uint8Array;
  count: Float64Array;
  bytes: Float64Array;
}

/** Lifetime row flags, as src/model/profile.ts's LIFETIME_TEMPORARY and LIFETIME_LEAK_SUPPRESSED. */
const TEMPORARY = 1;
const LEAK_SUPPRESSED = 2;

const CHART_HEIGHT = 160;
/** Room for the axes' labels: left (bytes), bottom (time). */
const AXIS_LEFT = 64;
const AXIS_BOTTOM = 20;

class Timeline {
  private readonly canvas = $<HTMLCanvasElement>('timeline');
  private readonly ctx: CanvasRenderingContext2D;
  private readonly points: [number, number, number][];
  private readonly t0: number;
  private readonly t1: number;
  private readonly maxY: number;
  private readonly peakAt: number;
  private readonly rows: LifetimeRows | null;
  /** The selected slices [from, to], or none (the whole recording). */
  private range: [number, number] | null = null;
  private dragFrom = -1;

  static create(data: Data, view: FlameView): Timeline | null {
    const section = $('timeline-section');
    section.hidden = data.timeline.length < 2;
    return section.hidden ? null : new Timeline(data, view);
  }

  private constructor(
    private readonly data: Data & { lifetimes?: Lifetimes },
    private readonly view: FlameView,
  ) {
    this.ctx = this.canvas.getContext('2d')!;
    this.points = data.timeline;
    // times are since the recording's start, as --from/--to take them
    this.t0 = Math.min(0, this.points[0][0]);
    this.t1 = this.points[this.points.length - 1][0];
    let peakAt = 0;
    let maxY = 0;
    this.points.forEach(([, heap, rss], i) => {
      if (heap > this.points[peakAt][1]) peakAt = i;
      maxY = Math.max(maxY, heap, rss);
    });
    this.peakAt = peakAt;
    this.maxY = maxY;
    const l = data.lifetimes;
    this.rows = l
      ? {
          // per row: tree node, slice allocated in, slice freed in (slices: never), flags; blocks and bytes
          node: ungapped(int32s(data, 'lifetimes.nodeGap')),
          born: bytes(data, 'lifetimes.born'),
          died: bytes(data, 'lifetimes.died'),
          flags: bytes(data, 'lifetimes.flags'),
          count: float64s(data, 'lifetimes.count'),
          bytes: float64s(data, 'lifetimes.bytes'),
        }
      : null;
    this.caption();
    this.render();
    this.listen();
  }

  private get lifetimes(): Lifetimes | undefined {
    return this.data.lifetimes;
  }

  private caption(): void {
    const [peakT, peakHeap] = this.points[this.peakAt];
    const rss = this.points.reduce((m, p) => Math.max(m, p[2]), 0);
    $('timeline-caption').textContent =
      `peak heap ${formatValue(peakHeap, 'bytes')} at ${seconds(peakT - this.t0)} of ${seconds(this.t1 - this.t0)}; RSS up to ${formatValue(rss, 'bytes')}.`;
    // without lifetimes there is no range, and the peak is only a cost to switch to, if there is one
    $('whole-run').hidden = !this.rows;
    $('jump-to-peak').hidden = !this.rows && !this.data.costs.some((c) => c.id === 'peak');
    $('range-help').textContent = this.rows
      ? 'Drag over the chart to see a time range: allocations made in it, and what of them was still alive at its end.'
      : 'This recording has no allocation times, so the graph cannot be narrowed to a time range (heaptrack recordings can).';
  }

  private x(t: number, width: number): number {
    return AXIS_LEFT + ((t - this.t0) / (this.t1 - this.t0 || 1)) * (width - AXIS_LEFT - 2);
  }

  private timeAt(px: number, width: number): number {
    return this.t0 + ((px - AXIS_LEFT) / (width - AXIS_LEFT - 2)) * (this.t1 - this.t0);
  }

  private render(): void {
    const { ctx, points } = this;
    const height = CHART_HEIGHT;
    const width = fitCanvas(this.canvas, ctx, height);
    const y = (v: number) => height - AXIS_BOTTOM - (v / (this.maxY || 1)) * (height - AXIS_BOTTOM - 8);
    this.shadeRange(width, height);
    axes(ctx, width, height, this.maxY, this.t0, this.t1, (t) => this.x(t, width), y);
    const line = (k: 1 | 2, color: string) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      for (const [i, p] of points.entries())
        i ? ctx.lineTo(this.x(p[0], width), y(p[k])) : ctx.moveTo(this.x(p[0], width), y(p[k]));
      ctx.stroke();
    };
    line(2, '#8888cc');
    line(1, '#2a9d4b');
    const [peakT, peakHeap] = points[this.peakAt];
    ctx.fillStyle = '#d62728';
    ctx.beginPath();
    ctx.arc(this.x(peakT, width), y(peakHeap), 4, 0, 2 * Math.PI);
    ctx.fill();
  }

  private shadeRange(width: number, height: number): void {
    const l = this.lifetimes;
    if (!this.range || !l) return;
    const a = this.x(l.edges[this.range[0]], width);
    const b = this.x(l.edges[this.range[1] + 1], width);
    this.ctx.fillStyle = 'rgba(80,140,255,0.2)';
    this.ctx.fillRect(a, 0, Math.max(b - a, 1), height - AXIS_BOTTOM);
  }

  private listen(): void {
    const c = this.canvas;
    const at = (ev: MouseEvent) => this.timeAt(ev.clientX - c.getBoundingClientRect().left, c.clientWidth);
    c.addEventListener('mousedown', (ev) => {
      if (this.rows) this.dragFrom = at(ev);
    });
    c.addEventListener('mouseup', (ev) => {
      if (this.dragFrom < 0) return;
      const [a, b] = [this.dragFrom, at(ev)].sort((p, q) => p - q);
      this.dragFrom = -1;
      this.select(a, b);
    });
    $('jump-to-peak').addEventListener('click', () => this.jumpToPeak());
    $('whole-run').addEventListener('click', () => this.select(-Infinity, Infinity));
    window.addEventListener('resize', () => this.render());
  }

  /**
   * What was live at the peak: the profile's peak cost over the whole recording (exact, at
   * the moment itself); without one, the range from the start to the peak, shown by what of
   * it was still alive at the end of the peak's time slice.
   */
  jumpToPeak(): void {
    const peak = this.data.costs.findIndex((c) => c.id === 'peak');
    const l = this.lifetimes;
    if (peak >= 0) {
      if (this.range) this.select(-Infinity, Infinity);
      this.view.setCost(peak);
    } else if (this.rows && l && l.costs.leaked >= 0) {
      this.select(-Infinity, this.points[this.peakAt][0]);
      this.view.setCost(l.costs.leaked);
    }
  }

  /** Selects the slices that cover [fromMs, toMs] (all of them for ±Infinity) and redraws. */
  select(fromMs: number, toMs: number): void {
    const l = this.lifetimes;
    if (!this.rows || !l) return;
    const slices = l.edges.length - 1;
    const first = Math.max(
      0,
      l.edges.findIndex((_, i) => i < slices && l.edges[i + 1] > fromMs),
    );
    let last = slices - 1;
    while (last > first && l.edges[last] > toMs) last--;
    this.range = first === 0 && last === slices - 1 ? null : [first, last];
    this.render();
    const values = this.values();
    this.describeRange(values);
    this.view.setTree(values);
  }

  /** The range's total per cost (set by values()). */
  private sums = new Map<number, number>();

  /** The own values of every cost in the selected range (undefined: the whole recording). */
  values(): Float64Array[] | undefined {
    const l = this.lifetimes;
    const r = this.rows;
    if (!this.range || !r || !l) return undefined;
    const [a, b] = this.range;
    const n = this.view.located.count;
    // the costs a range recomputes; the others (peak) are none in a range
    const zero = new Float64Array(n);
    const ranged = Object.values(l.costs);
    const self = this.data.costs.map((_, c) => (ranged.includes(c) ? new Float64Array(n) : zero));
    const col = (i: number) => (i >= 0 ? self[i] : zero);
    const [allocations, allocated, temporary, leaked] = ranged.map(col);
    const sums = [0, 0, 0, 0];
    for (let i = 0; i < r.node.length; i++) {
      const born = r.born[i];
      if (born < a || born > b) continue;
      const node = r.node[i];
      allocations[node] += r.count[i];
      allocated[node] += r.bytes[i];
      sums[0] += r.count[i];
      sums[1] += r.bytes[i];
      // counted when freed, so only when freed in the range
      if (r.flags[i] & TEMPORARY && r.died[i] <= b) {
        temporary[node] += r.count[i];
        sums[2] += r.count[i];
      }
      if (r.died[i] > b && !(r.flags[i] & LEAK_SUPPRESSED)) {
        leaked[node] += r.bytes[i];
        sums[3] += r.bytes[i];
      }
    }
    this.sums = new Map(ranged.map((c, i) => [c, sums[i]]));
    return self;
  }

  private describeRange(values: Float64Array[] | undefined): void {
    const l = this.lifetimes!;
    const out = $('range');
    if (!this.range || !values) {
      out.textContent = 'Whole recording.';
      return;
    }
    const totals = [...this.sums]
      .filter(([c]) => c >= 0)
      .map(([c, sum]) => `${this.data.costs[c].label} ${formatValue(sum, this.data.costs[c].unit)}`);
    const from = l.edges[this.range[0]];
    const to = l.edges[this.range[1] + 1];
    // heaptrack stamps are whole milliseconds: the range ends just before its last edge
    out.textContent = `Range ${seconds(from)} to ${seconds(to)}: ${totals.join(', ')}. The graph and tables count allocations made in it, and leaked bytes are what of them was still alive at its end (as heapflame report --from ${Math.round(from)}ms --to ${Math.round(to) - 1}ms). Peak bytes are of the whole recording and not shown for a range.`;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

/** Time (s) and byte axes with a few round ticks and light grid lines. */
function axes(
  ctx: CanvasRenderingContext2D,
  width: number,
  height: number,
  maxY: number,
  t0: number,
  t1: number,
  x: (t: number) => number,
  y: (v: number) => number,
): void {
  const dark = isDarkScheme();
  ctx.strokeStyle = dark ? '#555' : '#ccc';
  ctx.fillStyle = dark ? '#ccc' : '#333';
  ctx.lineWidth = 1;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  // bytes in round binary units: 0, 2, 4 MiB rather than 0, 1.91, 3.81 MiB
  const unit = maxY >= 1024 ? 1024 ** Math.floor(Math.log(maxY) / Math.log(1024)) : 1;
  for (const v of roundTicks(maxY / unit, 4).map((u) => u * unit)) {
    ctx.beginPath();
    ctx.moveTo(AXIS_LEFT, y(v));
    ctx.lineTo(width, y(v));
    ctx.stroke();
    ctx.fillText(formatBytes(v), AXIS_LEFT - 4, y(v));
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of roundTicks((t1 - t0) / 1000, 6)) {
    const px = x(t0 + t * 1000);
    ctx.beginPath();
    ctx.moveTo(px, height - AXIS_BOTTOM);
    ctx.lineTo(px, height - AXIS_BOTTOM + 4);
    ctx.stroke();
    ctx.fillText(
      `${Number(t.toPrecision(3))} s`,
      Math.min(Math.max(px, AXIS_LEFT + 12), width - 16),
      height - AXIS_BOTTOM + 5,
    );
  }
  ctx.textAlign = 'left';
}

/** About `n` round values (1, 2, 5 × 10^k) from 0 up to `max`. */
function roundTicks(max: number, n: number): number[] {
  if (!(max > 0)) return [0];
  const raw = max / n;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = 0; v <= max * 1.0001; v += step) ticks.push(v);
  return ticks;
}
