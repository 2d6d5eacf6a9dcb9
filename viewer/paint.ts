/**
 * What the HTML report's canvases paint with: values as text, colours by name and by change,
 * frame boxes, and the small callers/callees trees. Plain script (see tree.ts).
 */

const ROW = 18;

/** heapflame's one byte format: src/export/format.ts's formatBytes, put before these scripts by src/export/html.ts. */
declare function formatBytes(bytes: number): string;

function formatValue(v: number, unit: string): string {
  if (unit !== 'bytes') return Math.round(v).toLocaleString('en-US');
  // the rounded size to read, the exact count beside it
  const size = formatBytes(v);
  return Math.abs(v) < 1024 ? size : `${size} (${Math.round(v).toLocaleString('en-US')} B)`;
}

/** A signed change: "+1.5 MiB" / "-3". */
function formatChange(v: number, unit: string): string {
  return `${v > 0 ? '+' : v < 0 ? '-' : '±'}${formatValue(Math.abs(v), unit)}`;
}

const isDarkScheme = () => window.matchMedia?.('(prefers-color-scheme: dark)').matches === true;

/** A stable colour per name: warm for flame graphs, greens for memory costs. */
function colorOf(name: string, bytes: boolean, dark: boolean): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  const v = ((h >>> 0) % 1000) / 1000;
  const w = ((h >>> 10) % 1000) / 1000;
  const hue = bytes ? 120 + v * 60 : 5 + v * 45;
  return `hsl(${hue.toFixed(0)},${(60 + w * 25).toFixed(0)}%,${dark ? 35 + w * 10 : 55 + w * 12}%)`;
}

/**
 * White at no change, red for growth, blue for shrinkage, saturated by the change's share of
 * the largest one (as the SVG); the text colour that reads on it.
 */
function diffColor(delta: number, max: number): { fill: string; text: string } {
  if (max <= 0 || delta === 0) return { fill: 'rgb(255,255,255)', text: '#000' };
  const v = Math.trunc((210 * (max - Math.min(Math.abs(delta), max))) / max);
  // dark blue and dark red take white text
  const text = v < 110 ? '#fff' : '#000';
  return { fill: delta > 0 ? `rgb(255,${v},${v})` : `rgb(${v},${v},255)`, text };
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
function drawFrame(ctx: CanvasRenderingContext2D, name: string, x: number, y: number, w: number, text: string): void {
  ctx.fillRect(x, y, Math.max(w - 0.5, 0.5), ROW - 1);
  if (w <= 30) return;
  ctx.fillStyle = text;
  const chars = Math.floor((w - 6) / 7);
  ctx.fillText(name.length <= chars ? name : `${name.slice(0, Math.max(chars - 2, 0))}..`, x + 3, y + ROW / 2, w - 6);
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
  const isDark = isDarkScheme();
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
    drawFrame(ctx, name, x, y, w, isDark ? '#fff' : '#000');
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
