import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { Frame, ProfileMeta, TimelinePoint } from '../model/profile.js';
import type { RecorderConfig } from './config.js';
import { loadedMapPayloads } from './source-maps.js';

/**
 * The window thread's states, in one shared Int32: the program's thread and the worker move
 * them with compare-and-swap, so that exactly one of them closes the sampler's windows.
 */
export const WindowState = {
  /** The worker is starting: the program's thread still owns the sampler. */
  Starting: 0,
  /** The worker owns the sampler: it closes and merges the windows, and writes the file. */
  Ready: 1,
  /** The program's thread gave up on a worker that did not come up: it owns the sampler. */
  Abandoned: 2,
  /** At exit: the worker asks for the source maps a loader gave Node (see the port). */
  WantsMaps: 3,
  Done: 4,
  /** The worker failed; its message is on the port. */
  Failed: 5,
  /** The worker's inspector session is closed (the last step of the exit). */
  Closed: 6,
} as const;

/** The program's thread to the worker: the facts at exit, then (after the exit's snapshot) close. */
export type ToWindowThread = { type: 'finish'; facts: FinishFacts } | { type: 'close' };

/** What only the program's thread knows, handed over at exit. */
export interface FinishFacts {
  meta: ProfileMeta;
  timeline: TimelinePoint[];
  /** The tasks left running: each stack root first, its leaf naming the task. */
  tasks: { frames: Frame[]; count: number }[];
}

export interface WindowThreadData {
  config: RecorderConfig;
  state: Int32Array;
  port: MessagePort;
}

/** Longest the exit waits for the worker to write the recording. */
const FINISH_TIMEOUT_MS = 60_000;
const CLOSE_TIMEOUT_MS = 5_000;

/**
 * The recorder's second thread, Node < 26 in alloc mode (src/record/window-worker.ts). The
 * program's JavaScript may not give the recorder's timer a turn for the whole run (a compile
 * is synchronous), but the inspector serves another thread's messages between the program's
 * instructions: the worker closes a window every `windowMs` and merges it on its own thread,
 * so that V8 only serialises the window on the program's thread and the exit step has one
 * window left, whatever the run's length.
 */
export class WindowThread {
  private readonly state = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: MessagePort;
  private readonly worker: Worker;

  constructor(config: RecorderConfig) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.port.unref();
    const data: WindowThreadData = { config, state: this.state, port: port2 };
    // without NODE_OPTIONS: the program's preloads (and heapflame's own) stay out of the worker
    const { NODE_OPTIONS: _, ...env } = process.env;
    const worker = new Worker(new URL('./window-worker.js', import.meta.url), {
      workerData: data,
      transferList: [port2],
      // not the program's flags (its --require hooks): the worker runs heapflame's code only
      execArgv: [],
      env,
    });
    worker.unref();
    // a worker that fails to start leaves the state at Starting: the program's thread keeps
    // the sampler, so the error needs no handling beyond not being thrown
    worker.on('error', () => {});
    this.worker = worker;
  }

  /** The worker owns the sampler (false: not yet, or never). */
  get active(): boolean {
    const s = Atomics.load(this.state, 0);
    return s !== WindowState.Starting && s !== WindowState.Abandoned;
  }

  /** The program's thread keeps the sampler if the worker has not taken it: true if it has it. */
  release(): boolean {
    const s = Atomics.compareExchange(this.state, 0, WindowState.Starting, WindowState.Abandoned);
    return s === WindowState.Starting || s === WindowState.Abandoned;
  }

  /** The worker's failure, once it has failed. */
  failure(): Error | null {
    if (Atomics.load(this.state, 0) !== WindowState.Failed) return null;
    const m = receiveMessageOnPort(this.port)?.message as { error?: string } | undefined;
    return new Error(m?.error ?? 'the window thread failed');
  }

  /**
   * Hands the program's facts over and waits (the program is exiting) until the worker has
   * written the recording; answers its request for source maps on the way.
   */
  finish(facts: FinishFacts): void {
    this.worker.postMessage({ type: 'finish', facts } satisfies ToWindowThread);
    const deadline = performance.now() + FINISH_TIMEOUT_MS;
    for (;;) {
      const s = Atomics.load(this.state, 0);
      if (s === WindowState.Done) return;
      const failed = this.failure();
      if (failed) throw failed;
      if (s === WindowState.WantsMaps) {
        const urls = (receiveMessageOnPort(this.port)?.message as string[] | undefined) ?? [];
        // the state first: the worker may be done before this thread looks again
        Atomics.compareExchange(this.state, 0, WindowState.WantsMaps, WindowState.Ready);
        this.port.postMessage(loadedMapPayloads(urls));
        continue;
      }
      if (performance.now() > deadline)
        throw new Error(`the window thread did not write the recording in ${FINISH_TIMEOUT_MS / 1000} s`);
      // the inspector serves the worker's last stopSampling during this wait
      Atomics.wait(this.state, 0, s, 100);
    }
  }

  /**
   * Has the worker close its inspector session, the recorder's last step at exit: closing it
   * makes V8 forget its heap object ids and stop tracking allocations, which the exit's heap
   * snapshot shares with the run's earlier ones; and one left open makes Node print "Waiting
   * for the debugger to disconnect...".
   */
  close(): void {
    if (!this.active) return;
    this.worker.postMessage({ type: 'close' } satisfies ToWindowThread);
    const deadline = performance.now() + CLOSE_TIMEOUT_MS;
    while (Atomics.load(this.state, 0) !== WindowState.Closed && performance.now() < deadline)
      Atomics.wait(this.state, 0, Atomics.load(this.state, 0), 50);
  }
}
