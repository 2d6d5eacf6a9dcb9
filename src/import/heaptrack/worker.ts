import { parentPort, workerData } from 'node:worker_threads';
import { HeapflameError } from '../../model/errors.js';
import { HeaptrackTokenizer, type TokenSlot } from './tokens.js';
import {
  COUNTS,
  opensLikeRecording,
  READ,
  STOP,
  WRITTEN,
  slotViews,
  type WorkerInput,
  type WorkerMessage,
} from './ring.js';
import { openInput } from '../io/input.js';

/**
 * Reads and decompresses a recording and splits it into tokens for the parser on the main
 * thread: the byte-level work runs on the second core. Blocks (Atomics.wait) when the ring is
 * full, which also holds back the decompressor.
 */
const port = parentPort!;
const job = workerData as WorkerInput;
const { path, input: inputOptions, ring } = job;
const ctl = new Int32Array(ring.control);
const progress = new Float64Array(ring.progress);
let written = 0;

class Stopped extends Error {}

function slot(index: number): TokenSlot {
  const v = slotViews(ring, index);
  return { tokens: v.tokens, bytes: v.bytes, nTokens: 0, nBytes: 0 };
}

function publish(full: TokenSlot): void {
  const c = COUNTS + 2 * (written % ring.slots);
  ctl[c] = full.nTokens;
  ctl[c + 1] = full.nBytes;
  Atomics.store(ctl, WRITTEN, ++written);
  Atomics.notify(ctl, WRITTEN);
}

function nextSlot(): TokenSlot {
  for (;;) {
    if (Atomics.load(ctl, STOP)) throw new Stopped();
    const read = Atomics.load(ctl, READ);
    if (written - read < ring.slots) return slot(written);
    Atomics.wait(ctl, READ, read, 200);
  }
}

async function run(): Promise<void> {
  const input = await openInput(path, inputOptions);
  try {
    const tokenizer = new HeaptrackTokenizer(nextSlot(), (full) => {
      publish(full);
      return nextSlot();
    });
    let first = job.speculative === true;
    for await (const chunk of input.chunks()) {
      if (first && !opensLikeRecording(chunk)) {
        port.postMessage({ type: 'foreign' } satisfies WorkerMessage);
        return;
      }
      first = false;
      tokenizer.push(chunk);
      progress[0] = input.bytesRead();
      // the parser has caught up (at the start, mostly): give it what there is
      if (Atomics.load(ctl, READ) === written) tokenizer.handOn();
    }
    tokenizer.end();
    publish(tokenizer.current);
    port.postMessage({ type: 'end', warnings: input.warnings } satisfies WorkerMessage);
  } finally {
    input.close();
  }
}

run().catch((e: unknown) => {
  if (e instanceof Stopped) return;
  const h = e instanceof HeapflameError;
  port.postMessage({
    type: 'error',
    message: (e as Error)?.message ?? String(e),
    file: h ? e.where?.file : undefined,
    line: h ? e.where?.line : undefined,
    heapflame: h,
  } satisfies WorkerMessage);
});
