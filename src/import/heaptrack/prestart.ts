import { Worker } from 'node:worker_threads';
import type { InputOptions } from '../io/input.js';
import { createRing, READ, STOP, type RingLayout, type WorkerInput, type WorkerMessage } from './ring.js';

const WORKER = new URL('./worker.js', import.meta.url);

/** The ring between a worker and the parser: 8 slots of 64 Ki tokens and 256 KiB of text. */
const RING_LAYOUT: RingLayout = { slots: 8, words: 1 << 16, bytes: 1 << 18 };

/** How long a worker asked to stop may take to close its input before it is terminated. */
const STOP_GRACE_MS = 1000;

/** A tokenizing worker on one job, and what it has said so far. */
export class WorkerRun {
  readonly job: WorkerInput;
  readonly worker: Worker;
  outcome: WorkerMessage | null = null;
  crash: Error | null = null;
  exited = false;
  private wake: (() => void) | null = null;

  /** Starts a worker reading `path` into a ring of its own (`speculative`: see WorkerInput). */
  constructor(path: string, input?: InputOptions, speculative = false) {
    this.job = { path, input, ring: createRing(RING_LAYOUT), speculative };
    this.worker = new Worker(WORKER, { workerData: this.job });
    // listened to from the start: a worker started ahead may say its last word before the
    // parser looks (a file that fits in the ring, or is no recording)
    this.worker.on('message', (m: WorkerMessage) => {
      this.outcome = m;
      this.notify();
    });
    this.worker.on('error', (e) => {
      this.crash = e;
      this.notify();
    });
    this.worker.on('exit', () => {
      this.exited = true;
      this.notify();
    });
  }

  /** Settles at the worker's next message, error or exit. */
  event(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  private notify(): void {
    this.wake?.();
    this.wake = null;
  }

  /**
   * Asks the worker to stop and waits until it has: it closes its input when it sees the
   * request (ending a zstd process and closing the pipe, which are the process's, not the
   * thread's: a worker terminated in the middle left them behind). One that does not stop
   * within STOP_GRACE_MS is terminated.
   */
  async stop(): Promise<void> {
    if (this.exited) return;
    const ctl = new Int32Array(this.job.ring.control);
    Atomics.store(ctl, STOP, 1);
    Atomics.notify(ctl, READ);
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    const timer = setTimeout(() => void this.worker.terminate(), STOP_GRACE_MS);
    timer.unref();
    await exited;
    clearTimeout(timer);
  }
}

let standby: WorkerRun | null = null;

/**
 * Starts reading `path` on a worker before the file is recognised, for the command line, which
 * calls it before loading the rest of itself: booting the worker (~60 ms), starting zstd and
 * filling the ring then run while the main thread loads, instead of after. The worker stops
 * at once if the file is no recording, and does not keep the process alive while unused.
 */
export function prestartWorker(path: string): void {
  if (standby) return;
  standby = new WorkerRun(path, undefined, true);
  standby.worker.unref();
}

/**
 * The run started ahead for this file, where it was read as `input` asks (default decoding);
 * a run started for anything else is stopped.
 */
export function takeStandby(path: string, input?: InputOptions): WorkerRun | null {
  const run = standby;
  standby = null;
  if (!run) return null;
  if (run.job.path === path && !input?.zstdDecoder && !input?.chunkBytes && run.outcome?.type !== 'foreign') {
    run.worker.ref();
    return run;
  }
  void run.stop();
  return null;
}
