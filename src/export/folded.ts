import type { Exporter } from './exporter.js';
import { lineSafe } from './format.js';
import { type CostId, costIndex, type Frame, type Profile, requireCost, ROOT_NODE } from '../model/profile.js';
import { grown } from '../model/typed-arrays.js';

export interface FoldedOptions {
  /** Cost column written as the count (default: the profile's main cost). */
  cost?: CostId;
  /**
   * heaptrack_print -F compatible lines: inlined frames innermost-first within one address
   * (heaptrack's order), and the same frame text for unnamed inlined frames. Default false:
   * frames in true root→leaf order.
   */
  heaptrackOrder?: boolean;
}

/**
 * Folded stacks (`frame;frame; count`), one line per sample in sample order, as
 * heaptrack_print -F writes them: `function (file);` per frame, `??` for an empty stack,
 * zero counts kept. flamegraph.pl and inferno sum duplicate stacks.
 * Yields the text in chunks so large outputs stream to disk.
 */
export const foldedExporter: Exporter = {
  name: 'folded',
  kind: 'profile',
  suffixes: ['.folded'],
  label: '.folded',
  chunks: (profile, options) => foldedChunks(profile, { cost: options.cost, heaptrackOrder: options.heaptrackOrder }),
};

export function* foldedChunks(profile: Profile, options: FoldedOptions = {}): Generator<string> {
  const col = profile.values[costIndex(profile, requireCost(profile, options.cost).id)];
  const texts = new FrameTexts(profile);
  const heaptrackOrder = options.heaptrackOrder === true;
  // each line is made anew from its frames' texts: keeping each stack's text (a map from node
  // to line) held a 1 M-stack recording's whole output, 1.1 GB
  let path = new Int32Array(64);
  let out = '';
  for (let i = 0; i < profile.sampleCount; i++) {
    let depth = 0;
    for (let n = profile.sampleNode[i]; n > ROOT_NODE; n = profile.nodeParent[n]) {
      if (depth === path.length) path = grown(path);
      path[depth++] = profile.nodeFrame[n];
    }
    const rootFirst = path.subarray(0, depth).reverse();
    out += `${depth ? stackText(profile, texts, rootFirst, heaptrackOrder) : '??'} ${foldedCount(col[i])}\n`;
    if (out.length > 1 << 16) {
      yield out;
      out = '';
    }
  }
  if (out) yield out;
}

/** Each frame's folded text, made once: `name;`, or `name (file);` where the file is known or asked for. */
class FrameTexts {
  private readonly plain: (string | undefined)[] = [];
  private readonly withFile: (string | undefined)[] = [];

  constructor(private readonly profile: Profile) {}

  /** `withFile`: heaptrack prints the file of a frame that others were inlined into, known or not. */
  text(id: number, withFile: boolean): string {
    const f = this.profile.frames[id];
    if (!withFile && !f.file) return (this.plain[id] ??= `${frameName(f)};`);
    return (this.withFile[id] ??= `${frameName(f)} (${foldedFrame(f.file.slice(f.file.lastIndexOf('/') + 1))});`);
  }
}

function frameName(f: Frame): string {
  return foldedFrame(f.name || (f.address ? `0x${f.address}` : ''));
}

/**
 * One machine address is a physical frame followed by the frames inlined into it. heaptrack
 * records the innermost frame and then the functions it sits in ("triples"); it prints a
 * triple's file even when unknown (`name ()`) and, in -F output, lists the innermost first.
 */
function stackText(profile: Profile, texts: FrameTexts, path: Int32Array, heaptrackOrder: boolean): string {
  let text = '';
  let start = 0;
  while (start < path.length) {
    let end = start + 1;
    while (end < path.length && profile.frames[path[end]].inlined) end++;
    if (heaptrackOrder) for (let k = end - 1; k >= start; k--) text += texts.text(path[k], k < end - 1);
    else for (let k = start; k < end; k++) text += texts.text(path[k], false);
    start = end;
  }
  return text;
}

/**
 * A frame as folded text: on one line (line breaks and other active characters escaped) and
 * without the frame separator (`;` as `\x3b`), so every name reads back as one frame of one
 * stack, whatever it holds.
 */
export function foldedFrame(name: string): string {
  return lineSafe(name).replace(/;/g, '\\x3b');
}

/**
 * A count as folded tools read it: digits and a decimal point, never an exponent (JavaScript
 * writes 1e21 and 1e-7 so, which flamegraph.pl and inferno take for a frame name).
 */
export function foldedCount(x: number): string {
  const text = String(x);
  if (!text.includes('e')) return text;
  if (Math.abs(x) >= 1) return BigInt(x).toString(); // (every double from 1e21 on is an integer)
  return x.toFixed(20).replace(/\.?0+$/, '') || '0';
}
