import { HeapflameError } from '../../model/errors.js';
import type { HeapGraph } from '../../model/heap-graph.js';
import { type InputOptions, openInput } from '../io/input.js';
import { RowColumns, TraceTreeColumns } from './columns.js';
import { buildGraph, type SnapshotHeader, parseHeader } from './graph.js';
import {
  AnyValueReader,
  formatError,
  IntArrayReader,
  isSpace,
  NestedIntArrayReader,
  type Position,
  StringArrayReader,
  type ValueReader,
} from './scan.js';

/** The parts of a snapshot, as read so far. */
export interface SnapshotParts {
  header: SnapshotHeader;
  nodes: RowColumns;
  edges: RowColumns;
  strings: string[] | null;
  functionInfos: RowColumns | null;
  traceTree: TraceTreeColumns | null;
  locations: RowColumns | null;
  /** Keys read whole; the key being read when the input ended, if it did. */
  complete: Set<string>;
  cutIn: string | null;
  stringsCut: number;
}

type State = 'start' | 'key' | 'readingKey' | 'colon' | 'value' | 'end';

/**
 * Reads a heap snapshot's JSON chunk by chunk (see scan.ts): the header first (it says how
 * the arrays are laid out), then each array into columns. Keys it does not know are skipped.
 */
export class SnapshotReader {
  private state: State = 'start';
  private reader: ValueReader | null = null;
  private key = '';
  private readonly pos: Position;
  private header: SnapshotHeader | null = null;
  private parts: Partial<SnapshotParts> = {};
  private stringReader: StringArrayReader | null = null;
  private readonly complete = new Set<string>();

  /** `sizeHint`: the document's size in bytes when known, else 0. */
  constructor(
    file: string,
    private readonly sizeHint: number,
  ) {
    this.pos = { file, chunkOffset: 0 };
  }

  push(buf: Buffer): void {
    let i = 0;
    while (i < buf.length && this.state !== 'end') i = this.step(buf, i);
    this.stringReader?.detach();
    this.pos.chunkOffset += buf.length;
  }

  /** One step of the top-level object; returns where the next starts (buf.length: need more). */
  private step(buf: Buffer, i: number): number {
    if (this.state === 'readingKey' || this.state === 'value') {
      const next = this.reader!.feed(buf, i);
      if (next < 0) return buf.length;
      if (this.state === 'readingKey') {
        this.key = this.keyText(next);
        this.state = 'colon';
      } else this.valueDone();
      return next;
    }
    while (i < buf.length && (isSpace(buf[i]) || (this.state === 'key' && buf[i] === 44))) i++;
    if (i === buf.length) return i;
    const b = buf[i];
    if (this.state === 'start') {
      if (b !== 123) throw formatError(this.pos, i, 'expected a JSON object');
      this.state = 'key';
    } else if (this.state === 'key') {
      if (b === 125) {
        this.state = 'end';
        return i + 1;
      }
      if (b !== 34) throw formatError(this.pos, i, 'expected a key of the top-level object');
      this.reader = new AnyValueReader(this.pos, true, 4096, 'a key of the top-level object');
      this.state = 'readingKey';
      return i;
    } else if (this.state === 'colon') {
      if (b !== 58) throw formatError(this.pos, i, `expected ":" after "${this.key}"`);
      this.reader = this.readerFor(this.key, i);
      this.state = 'value';
    }
    return i + 1;
  }

  private keyText(at: number): string {
    try {
      return String(JSON.parse((this.reader as AnyValueReader).text()));
    } catch {
      throw formatError(this.pos, at, 'a key of the top-level object is not a valid JSON string');
    }
  }

  private readerFor(key: string, at: number): ValueReader {
    if (key === 'snapshot') return new AnyValueReader(this.pos, true);
    const h = this.header;
    // every value takes two bytes or more ("0,"): the file's size bounds a declared count
    const bound = (fields: number) => (this.sizeHint > 0 ? Math.ceil(this.sizeHint / (2 * fields)) + 16 : 1 << 22);
    const rows = (fields: number, declared: number) => new RowColumns(fields, Math.min(declared, bound(fields)));
    if ((key === 'nodes' || key === 'edges') && !h)
      throw formatError(this.pos, at, `"${key}" comes before the "snapshot" header that describes it`);
    if (h && key === 'nodes')
      return new IntArrayReader((this.parts.nodes = rows(h.nodeFields.length, h.nodeCount)), this.pos, key);
    if (h && key === 'edges')
      return new IntArrayReader((this.parts.edges = rows(h.edgeFields.length, h.edgeCount)), this.pos, key);
    if (h && key === 'trace_function_infos' && h.functionInfoFields.length)
      return new IntArrayReader((this.parts.functionInfos = rows(h.functionInfoFields.length, 1024)), this.pos, key);
    if (h && key === 'locations' && h.locationFields.length)
      return new IntArrayReader((this.parts.locations = rows(h.locationFields.length, 1024)), this.pos, key);
    if (h && key === 'trace_tree' && h.traceNodeFields.length) {
      const f = h.traceNodeFields;
      this.parts.traceTree = new TraceTreeColumns(f.indexOf('id'), f.indexOf('function_info_index'), f.length);
      return new NestedIntArrayReader(this.parts.traceTree, this.pos, key);
    }
    if (key === 'strings') return (this.stringReader = new StringArrayReader(this.pos));
    return new AnyValueReader(this.pos, false);
  }

  private valueDone(): void {
    if (this.key === 'snapshot') this.header = parseHeader((this.reader as AnyValueReader).text(), this.pos.file);
    this.complete.add(this.key);
    this.reader = null;
    this.state = 'key';
  }

  /** What was read; the caller turns it into a graph (with warnings for what is missing). */
  finish(): SnapshotParts {
    if (!this.header)
      throw new HeapflameError('not a valid heap snapshot: it ends before its "snapshot" header', {
        file: this.pos.file,
      });
    const h = this.header;
    return {
      header: h,
      nodes: this.parts.nodes ?? new RowColumns(h.nodeFields.length, 0),
      edges: this.parts.edges ?? new RowColumns(h.edgeFields.length, 0),
      strings: this.stringReader?.strings ?? null,
      functionInfos: this.parts.functionInfos ?? null,
      traceTree: this.parts.traceTree ?? null,
      locations: this.parts.locations ?? null,
      complete: this.complete,
      cutIn: this.state === 'end' ? null : this.state === 'value' ? this.key : '',
      stringsCut: this.stringReader?.cut ?? 0,
    };
  }
}

/** Reads a heap snapshot file (or `-`), compressed or not, into a graph. */
export async function readHeapSnapshot(
  path: string,
  options: { input?: InputOptions; onProgress?: (read: number, total: number | undefined) => void } = {},
): Promise<{ graph: HeapGraph; warnings: string[] }> {
  const input = await openInput(path, options.input);
  const reader = new SnapshotReader(path, input.compression === 'none' ? (input.totalBytes ?? 0) : 0);
  try {
    for await (const chunk of input.chunks()) {
      reader.push(chunk);
      options.onProgress?.(input.bytesRead(), input.totalBytes);
    }
  } finally {
    input.close();
  }
  const warnings = [...input.warnings];
  const graph = buildGraph(reader.finish(), path, warnings);
  return { graph, warnings };
}
