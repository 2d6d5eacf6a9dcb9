import { HeapflameError } from '../../model/errors.js';
import type { CostInfo, Profile, Unit } from '../../model/profile.js';
import { type StackTreeBuilder, stackTreeBuilder } from './stacks.js';
import { type InputOptions, openInput } from '../io/input.js';
import { Warnings } from '../warnings.js';
import { grown, orderByKey } from '../../model/typed-arrays.js';
import { PairTable } from '../../model/hash-tables.js';

/**
 * Folded stacks, the flamegraph.pl input format: `frame;frame;…;leaf count` per line, or
 * `stack before after` (two columns, as difffolded.pl writes). Counts may be fractional;
 * names may hold spaces and any bytes (decoded as UTF-8, invalid bytes replaced). Empty
 * frames (heaptrack's trailing `;`) are dropped. Identical stacks add up.
 *
 * Streams on bytes: frame names are interned from the bytes and stack nodes from (parent,
 * name) pairs in typed-array hash tables, so no string is made per frame.
 */
export interface FoldedImportOptions {
  /**
   * One sample per line in file order (for flame charts) instead of one per distinct stack.
   */
  keepOrder?: boolean;
  /** Cost of a one-column file (default `samples`, counted). */
  cost?: { id: string; unit: Unit; label?: string };
  input?: InputOptions;
  /** false: the JavaScript stack loop instead of WebAssembly (tests compare the two). */
  wasm?: boolean;
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
}

const MAX_LINE = 16 << 20;

export async function importFolded(path: string, options: FoldedImportOptions = {}): Promise<Profile> {
  const input = await openInput(path, options.input);
  const parser = new FoldedParser(path, options.keepOrder === true, { wasm: options.wasm });
  try {
    for await (const chunk of input.chunks()) {
      parser.push(chunk);
      options.onProgress?.(input.bytesRead(), input.totalBytes);
    }
    parser.end();
  } finally {
    input.close();
  }
  return parser.build(options.cost, input.warnings);
}

class FoldedParser {
  readonly warnings: Warnings;
  private tree: StackTreeBuilder;
  /** Two-column (differential) input, decided by the first stack line. */
  private columns = 0;
  private lineNo = 0;
  private stacks = 0;
  private carry: Buffer | null = null;
  /** Inside a line over the length limit: everything up to its newline is dropped. */
  private skipping = false;

  /**
   * The samples: one per distinct stack (its index by leaf node in `sampleOf`), or with
   * keepOrder one per line in file order. Grows with distinct stacks, not with the tree.
   */
  private sampleOf = new PairTable();
  private samples = 0;
  private sampleNode = new Int32Array(1024);
  private sampleBefore = new Float64Array(1024);
  private sampleAfter = new Float64Array(1024);

  constructor(
    private readonly file: string,
    private readonly keepOrder = false,
    wasm: { wasm?: boolean } = {},
  ) {
    this.warnings = new Warnings(file);
    this.tree = stackTreeBuilder(wasm);
  }

  push(buf: Buffer): void {
    let pos = 0;
    if (this.carry || this.skipping) {
      const nl = buf.indexOf(10);
      if (nl === -1) {
        this.keep(buf);
        return;
      }
      if (this.skipping) {
        this.skipping = false;
        this.lineNo++;
      } else {
        const line = Buffer.concat([this.carry!, buf.subarray(0, nl)]);
        this.carry = null;
        this.tree.use(line);
        this.line(line, 0, line.length);
      }
      pos = nl + 1;
    }
    // a reader may hand the same buffer again with new bytes
    this.tree.use(buf);
    for (;;) {
      const nl = buf.indexOf(10, pos);
      if (nl === -1) break;
      this.line(buf, pos, nl);
      pos = nl + 1;
    }
    if (pos < buf.length) this.keep(buf.subarray(pos));
  }

  end(): void {
    if (this.carry) {
      this.tree.use(this.carry);
      this.line(this.carry, 0, this.carry.length);
    }
    this.carry = null;
  }

  private keep(part: Buffer): void {
    if (this.skipping) return;
    const size = (this.carry?.length ?? 0) + part.length;
    if (size > MAX_LINE) {
      this.warnings.add('long', this.lineNo + 1, `line longer than ${MAX_LINE} bytes skipped`);
      this.carry = null;
      this.skipping = true;
      return;
    }
    this.carry = this.carry ? Buffer.concat([this.carry, part]) : Buffer.from(part);
  }

  private line(buf: Buffer, start: number, endOfLine: number): void {
    this.lineNo++;
    let end = endOfLine;
    while (end > start && isSpace(buf[end - 1])) end--;
    if (end === start) return;
    const last = countAt(buf, start, end);
    if (last === null) return this.invalid(buf, start, end);
    let stackEnd = last.from;
    while (stackEnd > start && isSpace(buf[stackEnd - 1])) stackEnd--;
    const first = countAt(buf, start, stackEnd);
    if (this.columns === 0) this.columns = first ? 2 : 1;
    let before = 0;
    if (this.columns === 2) {
      if (!first) return this.invalid(buf, start, end);
      before = first.value;
      stackEnd = first.from;
      while (stackEnd > start && isSpace(buf[stackEnd - 1])) stackEnd--;
    }
    if (stackEnd === start) return this.invalid(buf, start, end);
    const node = this.tree.stack(start, stackEnd);
    this.stacks++;
    // (a Map here took a quarter of a microsecond per line)
    let sample = this.keepOrder ? -1 : this.sampleOf.get(node, 0);
    if (sample < 0) {
      sample = this.samples++;
      if (sample === this.sampleNode.length) {
        this.sampleNode = grown(this.sampleNode);
        this.sampleBefore = grown(this.sampleBefore);
        this.sampleAfter = grown(this.sampleAfter);
      }
      this.sampleNode[sample] = node;
      if (!this.keepOrder) this.sampleOf.set(node, 0, sample);
    }
    this.sampleAfter[sample] += last.value;
    this.sampleBefore[sample] += before;
  }

  private invalid(buf: Buffer, start: number, end: number): void {
    const want = this.columns === 2 ? '"stack before after"' : '"stack count"';
    this.warnings.add(
      'line',
      this.lineNo,
      `ignored, expected ${want}: ${buf.toString('utf8', start, Math.min(end, start + 120))}`,
    );
  }

  build(cost: FoldedImportOptions['cost'], inputWarnings: string[]): Profile {
    if (this.stacks === 0) {
      throw new HeapflameError(
        this.lineNo === 0
          ? 'no stacks: the input is empty'
          : 'no stacks: expected folded lines "frame;frame;... count"',
        { file: this.file },
      );
    }
    const diff = this.columns === 2;
    const single: CostInfo = {
      id: cost?.id ?? 'samples',
      unit: cost?.unit ?? 'count',
      label: cost?.label ?? cost?.id ?? 'samples',
      description: 'The count given for each stack.',
    };
    const costs: CostInfo[] = diff
      ? [
          { id: 'before', unit: 'count', label: 'before', description: 'The first count column (the base profile).' },
          { id: 'after', unit: 'count', label: 'after', description: 'The second count column (the new profile).' },
        ]
      : [single];
    const totals: number[] = costs.map(() => 0);
    // The stack tree as built while reading; each node with a count becomes one sample.
    const { tree, renumbered } = this.tree.finish();
    const stored = this.sampleNode.subarray(0, this.samples);
    const nodes = renumbered ? stored.map((n) => renumbered[n]) : stored;
    const sampleNode: number[] = [];
    const columns: number[][] = costs.map(() => []);
    // one sample per distinct stack in node order, or per line in file order
    const order = this.keepOrder ? Int32Array.from(nodes.keys()) : orderByKey(nodes);
    for (const k of order) {
      const n = nodes[k];
      const a = this.sampleAfter[k];
      const b = this.sampleBefore[k];
      if (a === 0 && b === 0) continue;
      if (diff) {
        totals[0] += b;
        totals[1] += a;
      } else totals[0] += a;
      const last = sampleNode.length - 1;
      if (!this.keepOrder && sampleNode[last] === n) {
        // two stacks that became one when their names were decoded
        if (diff) columns[0][last] += b;
        columns[diff ? 1 : 0][last] += a;
        continue;
      }
      sampleNode.push(n);
      if (diff) columns[0].push(b);
      columns[diff ? 1 : 0].push(a);
    }
    const totalsById: Record<string, number> = {};
    for (const [i, c] of costs.entries()) totalsById[c.id] = totals[i];
    return {
      ...tree,
      meta: { format: diff ? 'folded-diff' : 'folded', namesAsGiven: true },
      costs,
      sampleNode: Int32Array.from(sampleNode),
      values: columns.map((c) => Float64Array.from(c)),
      sampleCount: sampleNode.length,
      totals: totalsById,
      warnings: [...inputWarnings, ...this.warnings.list()],
    };
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** A count `\d+(\.\d*)?` ending at `end` and preceded by white space, or null. */
function countAt(buf: Buffer, start: number, end: number): { value: number; from: number } | null {
  let i = end;
  let dots = 0;
  for (; i > start; i--) {
    const c = buf[i - 1];
    if (c === 46) dots++;
    else if (c < 48 || c > 57) break;
  }
  if (i === end || i === start || !isSpace(buf[i - 1]) || dots > 1 || buf[i] === 46) return null;
  if (dots === 0 && end - i <= 15) {
    // the common case, an integer of up to 15 digits, is exact without a string
    let value = 0;
    for (let k = i; k < end; k++) value = value * 10 + (buf[k] - 48);
    return { value, from: i };
  }
  return { value: Number(buf.toString('latin1', i, end)), from: i };
}
