import { Worker } from 'node:worker_threads';
import { HeapflameError } from '../../model/errors.js';
import type { HeaptrackParser } from './parser.js';
import { HeaptrackTokenizer, type TokenSlot } from './tokens.js';
import { createRing, READ, slotViews, STOP, WRITTEN, type WorkerInput, type WorkerMessage } from './ring.js';
import { type InputOptions, openInput, SMALL_INPUT_BYTES } from '../io/input.js';

const WORKER = new URL('./worker.js', import.meta.url);
let standby: Worker | null = null;

/**
 * Boots the worker ahead of time (it takes ~40 ms), for a caller that knows a recording of
 * SMALL_INPUT_BYTES or more will follow: the command line starts it before loading the rest
 * of itself. It does not keep the process alive while unused.
 */
export function prestartWorker(): void {
  if (standby) return;
  standby = new Worker(WORKER, { workerData: null });
  standby.unref();
}

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
  // a small recording is read before a worker would have started (~40 ms)
  if (path === '-' || options.inThread || (standby === null && ((await sizeOf(path)) ?? Infinity) < SMALL_INPUT_BYTES))
    return feedInThread(path, parser, options);
  return feedFromWorker(path, parser, options);
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

async function feedFromWorker(path: string, parser: HeaptrackParser, options: FeedOptions): Promise<string[]> {
  const ring = createRing({ slots: 8, words: 1 << 16, bytes: 1 << 18 });
  const ctl = new Int32Array(ring.control);
  const progress = new Float64Array(ring.progress);
  const views = Array.from({ length: ring.slots }, (_, i) => slotViews(ring, i));
  const job = { path, input: options.input, ring } satisfies WorkerInput;
  let worker: Worker;
  if (standby) {
    worker = standby;
    standby = null;
    worker.ref();
    worker.postMessage(job);
  } else {
    worker = new Worker(WORKER, { workerData: job });
  }
  let outcome: WorkerMessage | null = null;
  let crash: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  worker.on('message', (m: WorkerMessage) => {
    outcome = m;
    notify();
  });
  worker.on('error', (e) => {
    crash = e;
    notify();
  });
  worker.on('exit', notify);
  const total = await sizeOf(path);
  try {
    for (let r = 0; ; ) {
      if (Atomics.load(ctl, WRITTEN) > r) {
        const v = views[r % ring.slots];
        parser.consume(v.tokens, ctl[v.countIndex], v.bytes);
        Atomics.store(ctl, READ, ++r);
        Atomics.notify(ctl, READ);
        options.onProgress?.(progress[0], total);
        if (parser.done) break;
        continue;
      }
      const m = outcome as WorkerMessage | null;
      if (m?.type === 'end') return m.warnings;
      if (m?.type === 'error') {
        throw m.heapflame ? new HeapflameError(m.message, { file: m.file, line: m.line }) : new Error(m.message);
      }
      if (crash) throw crash;
      const waited = Atomics.waitAsync(ctl, WRITTEN, r);
      await Promise.race([waited.async ? waited.value : Promise.resolve(), new Promise<void>((res) => (wake = res))]);
    }
    return [];
  } finally {
    Atomics.store(ctl, STOP, 1);
    Atomics.notify(ctl, READ);
    await worker.terminate();
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  const { stat } = await import('node:fs/promises');
  return stat(path).then(
    (s) => s.size,
    () => undefined,
  );
}
