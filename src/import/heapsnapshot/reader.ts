import type { SnapshotStrings } from '../../model/snapshot-strings.js';
import { HeapflameError } from '../../model/errors.js';
import type { HeapGraph } from '../../model/heap-graph.js';
import { type InputOptions, openInput } from '../io/input.js';
import { type ColumnKind, RowColumns, TraceTreeColumns } from './columns.js';
import { buildGraph, parseHeader, type SnapshotHeader, warnCut } from './graph.js';
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
  strings: SnapshotStrings | null;
  functionInfos: RowColumns | null;
  traceTree: TraceTreeColumns | null;
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

  /**
   * `sizeHint`: the document's size in bytes when known, else 0. `idsOnly`: only the nodes'
   * ids are kept (what `leaks` needs of BASE and TARGET); everything else is skipped unread.
   */
  constructor(
    file: string,
    private readonly sizeHint: number,
    private readonly idsOnly = false,
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
    if (h && key === 'nodes' && this.idsOnly) {
      const id = h.nodeFields.indexOf('id');
      const declared = Math.min(h.nodeCount, bound(h.nodeFields.length));
      this.parts.nodes = new RowColumns(h.nodeFields.length, declared, (f) => (f === id ? 'u32' : 'none'));
      return new IntArrayReader(this.parts.nodes, this.pos, key);
    }
    if (this.idsOnly) return new AnyValueReader(this.pos, false);
    if (h && key === 'nodes') {
      // what the graph uses, each as narrow as it can be: not `detachedness`, nor trace node
      // ids without allocation tracking
      const kinds: Record<string, ColumnKind> = {
        type: 'u8',
        name: 'u32',
        id: 'u32',
        self_size: 'size',
        edge_count: 'u32',
      };
      if (h.traceFunctionCount > 0) kinds.trace_node_id = 'u32';
      const declared = Math.min(h.nodeCount, bound(h.nodeFields.length));
      this.parts.nodes = new RowColumns(h.nodeFields.length, declared, (f) => kinds[h.nodeFields[f]] ?? 'none');
      return new IntArrayReader(this.parts.nodes, this.pos, key);
    }
    if (h && key === 'edges') {
      const declared = Math.min(h.edgeCount, bound(h.edgeFields.length));
      const type = h.edgeFields.indexOf('type');
      this.parts.edges = new RowColumns(h.edgeFields.length, declared, (f) => (f === type ? 'u8' : 'u32'));
      return new IntArrayReader(this.parts.edges, this.pos, key);
    }
    if (h && key === 'trace_function_infos' && h.functionInfoFields.length)
      return new IntArrayReader((this.parts.functionInfos = rows(h.functionInfoFields.length, 1024)), this.pos, key);
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
      strings: this.stringReader?.strings.trim() ?? null,
      functionInfos: this.parts.functionInfos ?? null,
      traceTree: this.parts.traceTree ?? null,
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
  const { parts, warnings } = await readParts(path, false, options);
  const graph = buildGraph(parts, path, warnings);
  return { graph, warnings };
}

/** The ids of every object of a heap snapshot, sorted; nothing else of the file is kept. */
export async function readSnapshotIds(
  path: string,
  options: { input?: InputOptions } = {},
): Promise<{ ids: Uint32Array; warnings: string[] }> {
  const { parts, warnings } = await readParts(path, true, options);
  warnCut(parts, path, warnings);
  const { nodes, header } = parts;
  return { ids: nodes.columns[header.nodeFields.indexOf('id')].slice(0, nodes.rows).sort(), warnings };
}

async function readParts(
  path: string,
  idsOnly: boolean,
  options: { input?: InputOptions; onProgress?: (read: number, total: number | undefined) => void },
): Promise<{ parts: SnapshotParts; warnings: string[] }> {
  const input = await openInput(path, options.input);
  const reader = new SnapshotReader(path, input.compression === 'none' ? (input.totalBytes ?? 0) : 0, idsOnly);
  try {
    for await (const chunk of input.chunks()) {
      reader.push(chunk);
      options.onProgress?.(input.bytesRead(), input.totalBytes);
    }
  } finally {
    input.close();
  }
  return { parts: reader.finish(), warnings: [...input.warnings] };
}
