import { HeapflameError } from '../../model/errors.js';
import type { HeaptrackParser } from './parser.js';
import { takeStandby, WorkerRun } from './prestart.js';
import { HeaptrackTokenizer, type TokenSlot } from './tokens.js';
import { READ, slotViews, WRITTEN } from './ring.js';
import { type InputOptions, openInput, SMALL_INPUT_BYTES } from '../io/input.js';

export interface FeedOptions {
  input?: InputOptions;
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
  /** Tokenize on this thread (standard input, or where workers are unwanted). */
  inThread?: boolean;
}

/**
 * Streams a recording into the parser: a worker reads, decompresses and tokenizes while this
 * thread does the accounting. Returns the decompressors' warnings (truncated data).
 */
export async function feedParser(path: string, parser: HeaptrackParser, options: FeedOptions = {}): Promise<string[]> {
  const inThread = path === '-' || options.inThread === true;
  // the command line may have started reading this file already (prestart.ts); a run started
  // ahead that this import does not take is stopped
  let early = takeStandby(path, options.input);
  if (early && inThread) {
    void early.stop();
    early = null;
  }
  // a small recording is read before a worker would have started (~40 ms)
  if (!early && (inThread || ((await sizeOf(path)) ?? Infinity) < SMALL_INPUT_BYTES))
    return feedInThread(path, parser, options);
  return feedFromWorker(path, parser, options, early);
}

async function feedInThread(path: string, parser: HeaptrackParser, options: FeedOptions): Promise<string[]> {
  const input = await openInput(path, options.input);
  const bytes = Buffer.alloc(1 << 18);
  const slot: TokenSlot = { tokens: new Int32Array(1 << 16), bytes, nTokens: 0, nBytes: 0 };
  const flush = (s: TokenSlot) => {
    parser.consume(s.tokens, s.nTokens, bytes);
    s.nTokens = s.nBytes = 0;
    return s;
  };
  try {
    const tokenizer = new HeaptrackTokenizer(slot, flush);
    for await (const chunk of input.chunks()) {
      tokenizer.push(chunk);
      options.onProgress?.(input.bytesRead(), input.totalBytes);
      if (parser.done) break;
    }
    if (!parser.done) {
      tokenizer.end();
      flush(tokenizer.current);
    }
  } finally {
    input.close();
  }
  return input.warnings;
}

async function feedFromWorker(
  path: string,
  parser: HeaptrackParser,
  options: FeedOptions,
  early: WorkerRun | null,
): Promise<string[]> {
  let run = early ?? new WorkerRun(path, options.input);
  const total = await sizeOf(path);
  try {
    let warnings = await consumeRun(run, parser, options, total);
    if (warnings === null) {
      // (the run started ahead found no recording where this thread found one: read again)
      await run.stop();
      run = new WorkerRun(path, options.input);
      warnings = (await consumeRun(run, parser, options, total)) ?? [];
    }
    return warnings;
  } finally {
    await run.stop();
  }
}

/** Hands the run's slots to the parser until it ends: its warnings, or null for `foreign`. */
async function consumeRun(
  run: WorkerRun,
  parser: HeaptrackParser,
  options: FeedOptions,
  total: number | undefined,
): Promise<string[] | null> {
  const { ring } = run.job;
  const ctl = new Int32Array(ring.control);
  const progress = new Float64Array(ring.progress);
  const views = Array.from({ length: ring.slots }, (_, i) => slotViews(ring, i));
  for (let r = 0; ; ) {
    if (Atomics.load(ctl, WRITTEN) > r) {
      const v = views[r % ring.slots];
      parser.consume(v.tokens, ctl[v.countIndex], v.bytes);
      Atomics.store(ctl, READ, ++r);
      Atomics.notify(ctl, READ);
      options.onProgress?.(progress[0], total);
      if (parser.done) return [];
      continue;
    }
    const m = run.outcome;
    if (m?.type === 'end') return m.warnings;
    if (m?.type === 'foreign') return null;
    if (m?.type === 'error') {
      throw m.heapflame ? new HeapflameError(m.message, { file: m.file, line: m.line }) : new Error(m.message);
    }
    if (run.crash) throw run.crash;
    const waited = Atomics.waitAsync(ctl, WRITTEN, r);
    await Promise.race([waited.async ? waited.value : Promise.resolve(), run.event()]);
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  const { stat } = await import('node:fs/promises');
  return stat(path).then(
    (s) => s.size,
    () => undefined,
  );
}
