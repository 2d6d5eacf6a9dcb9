import { SnapshotTaker, snapshotStem } from './snapshots.js';
import v8 from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';
import { encodeHeapflame } from '../export/heapflame.js';
import { frameOfV8, V8ProfileBuilder, type V8SamplingProfile } from '../v8/sampling-profile.js';
import type { Frame, Profile, ProfileMeta, TimelinePoint } from '../model/profile.js';
import { forceGc } from '../v8/gc.js';
import { peakRssBytes } from '../v8/peak-rss.js';
import type { RecorderConfig } from './config.js';
import { heapSampler } from '../v8/sampler.js';
import { type AliveTask, trackTasks } from './tasks.js';
import { originalPosition } from './source-maps.js';
import { isOwnFrame, isTopProcess, outputFile, recordingCosts, writeAtomically } from './recording.js';
import { readMetaLazily, runFiles, writtenLines } from './run-files.js';
import { type FinishFacts, WindowThread } from './window-thread.js';

const MAX_TIMELINE = 20_000;
/**
 * Window of v8.startHeapProfile (Node 26+). Its liveness is known when a window stops, so an
 * object that outlives its window counts as leaked: long windows keep that exact for runs up
 * to a minute, and memory bounded beyond.
 */
const FULL_WINDOW_MS = 60_000;
/**
 * The recorder inside the program: a timer ticks the timeline (and in alloc mode closes the
 * sampler's windows), garbage collections add points, and the exit or a deadly signal
 * finishes the recording. A failure stops it with one line and leaves the program running.
 */
class Recorder {
  private readonly sampler;
  /** The sampler tells which samples are still alive (v8.startHeapProfile, Node 26+). */
  private readonly full: boolean;
  private readonly windowMs: number;
  private readonly gc: () => void;
  private readonly t0: number;
  private readonly merged: V8ProfileBuilder;
  private readonly tasksColumn: number;
  private readonly timeline: TimelinePoint[] = [];
  private peakHeap = 0;
  private peakTimeMs = 0;
  private peakProfile: V8SamplingProfile | null = null;
  private peakLive = 0;
  private peakRss = 0;
  private windowStart = performance.now();
  private lastGcPoint = 0;
  /** Windows closed before the exit's. */
  private windows = 0;
  private failed = false;
  private written = false;
  /** finish() ran: at a signal, then maybe at exit too. */
  private finished = false;
  private timer: NodeJS.Timeout | undefined;
  private gcObserver: PerformanceObserver | undefined;
  private tasks: ReturnType<typeof trackTasks> | undefined;
  private snapshots: SnapshotTaker | undefined;
  /** Node < 26, alloc mode: the thread that closes windows (null: this thread does). */
  private windowThread: WindowThread | null = null;

  constructor(private readonly config: RecorderConfig) {
    this.sampler = heapSampler(config.mode, config.interval);
    this.full = this.sampler.knowsLiveness;
    // v8.startHeapProfile's liveness holds for one window: long windows keep it exact
    this.windowMs = this.full ? (config.liveWindowMs ?? Math.max(config.windowMs, FULL_WINDOW_MS)) : config.windowMs;
    this.gc = forceGc();
    this.t0 = performance.now();
    const costs = recordingCosts(config, this.full);
    this.tasksColumn = costs.length - 1;
    this.merged = new V8ProfileBuilder(costs, originalPosition, { chargeBuiltinsToCaller: true });
  }

  start(): void {
    this.sampler.start();
    if (this.config.mode === 'alloc' && !this.full) {
      try {
        this.windowThread = new WindowThread(this.config);
      } catch {
        // no worker threads here (a permission model): this thread closes the windows
      }
    }
    this.timer = setInterval(() => this.guarded(() => this.onTimer()), this.config.tickMs);
    this.timer.unref();
    // a point after garbage collections (their entries arrive a little later, in batches)
    this.gcObserver = new PerformanceObserver(() => this.guarded(() => this.onGc()));
    this.gcObserver.observe({ entryTypes: ['gc'] });
    // after the recorder's own timer and observer exist: they are not the program's
    this.tasks = trackTasks((file) => isOwnFrame({ url: file, functionName: '', lineNumber: 0, columnNumber: 0 }));
    if (this.config.snapshotAtExit || this.config.snapshotEveryMs > 0) {
      const stem = snapshotStem(this.config.out);
      this.snapshots = new SnapshotTaker(isTopProcess(this.config) ? stem : `${stem}.${process.pid}`);
      if (this.config.snapshotEveryMs > 0) this.snapshots.every(this.config.snapshotEveryMs, snapshotsFailed);
    }
    process.on('exit', () => {
      this.finish();
      this.windowThread?.close();
    });
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const onSignal = () => {
        // A program with its own handler decides what the signal does (a server closes, then
        // exits): the exit handler writes the recording then. One without dies of it, as it
        // would have without us, once the recording is written.
        if (process.listenerCount(signal) > 1) return;
        this.finish();
        this.windowThread?.close();
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      };
      process.on(signal, onSignal);
    }
  }

  private guarded(work: () => void): void {
    try {
      work();
    } catch (e) {
      this.fail(e);
    }
  }

  private onTimer(): void {
    this.tick();
    const failed = this.windowThread?.failure();
    if (failed) throw failed;
    if (this.config.mode !== 'alloc' || performance.now() - this.windowStart < this.windowMs) return;
    // the window thread closes windows once it has the sampler; one not up by now never will
    if (!this.windowThread || this.windowThread.release()) this.closeWindow();
  }

  private onGc(): void {
    // an allocation-heavy program collects hundreds of times a second: a point per 10 ms
    if (performance.now() - this.lastGcPoint < 10) return;
    this.lastGcPoint = performance.now();
    this.tick(true);
  }

  /** A timeline point; the peaks. */
  tick(afterGc = false): void {
    const m = process.memoryUsage();
    const heap = m.heapUsed;
    if (m.rss > this.peakRss) this.peakRss = m.rss;
    const t = performance.now() - this.t0;
    if (this.timeline.length >= MAX_TIMELINE) thin(this.timeline);
    this.timeline.push({
      timeMs: t,
      heapBytes: heap,
      rssBytes: m.rss,
      externalBytes: m.external,
      ...(afterGc && { gc: true }),
    });
    if (heap > this.peakHeap) {
      this.peakHeap = heap;
      this.peakTimeMs = t;
    }
    // Live mode keeps the samples alive at each new high of the heap after a collection (by
    // 5 %: a poll costs time). Between collections the heap also holds garbage not yet found,
    // which the profile would count as alive.
    if (this.config.mode === 'live' && afterGc && heap > this.peakLive * 1.05) {
      this.peakProfile = this.sampler.peek();
      this.peakLive = heap;
    }
  }

  /** Merges the sampler's window and starts the next: memory follows distinct stacks, not time. */
  closeWindow(): void {
    this.windows++;
    this.addWindow(this.sampler.stop());
    this.sampler.start();
    this.windowStart = performance.now();
  }

  /** One window's samples: all are allocated; with liveness, the dead temporary, the rest leaked. */
  private addWindow(p: V8SamplingProfile): void {
    const samples = p.samples ?? [];
    if (!this.full) {
      this.merged.addSamples(p, samples, 0, isOwnFrame);
      return;
    }
    const sets = [
      { samples, column: 0 },
      { samples: samples.filter((x) => x.isLive === false), column: 1 },
      { samples: samples.filter((x) => x.isLive !== false), column: 2 },
    ];
    this.merged.addSampleSets(p, sets, isOwnFrame);
  }

  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = true;
    clearInterval(this.timer);
    this.snapshots?.stop();
    this.gcObserver?.disconnect();
    process.stderr.write(`heapflame: recorder stopped: ${e instanceof Error ? e.message : String(e)}\n`);
  }

  /** Writes the recording, once (at exit, or at a signal that would end the program). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const started = performance.now();
    if (!this.failed) this.writeRecording();
    if (this.config.topPid === process.pid) this.sayWritten();
    // for bench/record.mjs: how long the program's exit waited for the recording
    if (process.env.HEAPFLAME_BENCH_EXIT_STEP)
      process.stderr.write(`heapflame: exit step ${(performance.now() - started).toFixed(1)} ms\n`);
  }

  private writeRecording(): void {
    this.guarded(() => {
      this.tick();
      if (this.windowThread && !this.windowThread.release()) this.windowThread.finish(this.finishFacts());
      else {
        const profile = this.config.mode === 'alloc' ? this.allocProfile() : this.liveProfile();
        writeAtomically(outputFile(this.config), encodeHeapflame(profile));
      }
      this.written = true;
    });
    // after the sampler stopped: the snapshot shows the program, not the recording's work
    this.snapshots?.stop();
    if (this.config.snapshotAtExit && this.written) {
      try {
        this.snapshots?.atExit();
      } catch (e) {
        snapshotsFailed(e);
      }
    }
  }

  /** `heapflame record` became this process: what it would have said once the program ended. */
  private sayWritten(): void {
    try {
      const { out, run } = this.config;
      const own = outputFile(this.config);
      // its own file's meta is known: the reader loads only for other processes' files
      const read = (f: string) => (f === own && this.written ? this.meta() : readMetaLazily(f));
      const lines = writtenLines(runFiles(out, run, performance.timeOrigin, read));
      process.stderr.write(`${lines.join('\n')}\n`);
    } catch (e) {
      process.stderr.write(`heapflame: cannot list the run's files: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }

  private allocProfile(): Profile {
    // what is still alive at exit, after a collection (one: a second found 2 % fewer samples
    // alive on a test of 200 k objects, and cost 0.23 s more at a compile's exit)
    if (this.full) this.gc();
    this.addWindow(this.sampler.stop());
    return this.build();
  }

  private liveProfile(): Profile {
    this.gc();
    this.gc();
    const atExit = this.sampler.stop();
    this.merged.addSamples(atExit, atExit.samples ?? [], 0, isOwnFrame);
    // the heap may never have been higher than at the end
    const bytes = (p: V8SamplingProfile | null) => (p?.samples ?? []).reduce((a, x) => a + x.size, 0);
    const atPeak = this.peakProfile && bytes(this.peakProfile) > bytes(atExit) ? this.peakProfile : atExit;
    this.merged.addSamples(atPeak, atPeak.samples ?? [], 1, isOwnFrame);
    return this.build();
  }

  /** The tasks left running, those made at the same place one stack. */
  private taskStacks(): FinishFacts['tasks'] {
    const byStack = new Map<string, { task: AliveTask; count: number }>();
    for (const t of this.tasks?.alive() ?? []) {
      const key = `${t.type}\n${t.stack.map((c) => `${c.getFileName()}:${c.getLineNumber()}:${c.getColumnNumber()}:${c.getFunctionName()}`).join('\n')}`;
      const entry = byStack.get(key);
      if (entry) entry.count += t.count;
      else byStack.set(key, { task: t, count: t.count });
    }
    return [...byStack.values()].map(({ task, count }) => ({
      frames: [...task.stack.map(frameOfCallSite), taskFrame(task.type)],
      count,
    }));
  }

  private meta(): ProfileMeta {
    const { config } = this;
    return {
      format: 'node',
      toolVersion: `node ${process.version}`,
      command: [process.argv0, ...process.execArgv, ...process.argv.slice(1)].join(' '),
      recordRun: config.run || undefined,
      rssMeasuredBy: 'recorder',
      durationMs: performance.now() - this.t0,
      // the kernel's high-water mark (VmHWM): the timer's samples miss peaks between ticks
      peakRssBytes: Math.max(this.peakRss, peakRssBytes()),
      peakTimeMs: this.peakTimeMs,
      sampling: {
        intervalBytes: config.interval,
        mode: this.full ? 'alloc+liveness' : config.mode,
        precise: config.precise,
        ...(config.mode === 'alloc' && { windows: this.windows + 1 }),
      },
    };
  }

  private finishFacts(): FinishFacts {
    return { meta: this.meta(), timeline: this.timeline, tasks: this.taskStacks() };
  }

  private build(): Profile {
    for (const t of this.taskStacks()) this.merged.addStack(t.frames, this.tasksColumn, t.count);
    // A sample of an object V8 has since collected can name a node its tree no longer has:
    // V8's doing, not damage, so no warning; its bytes stay under "(unknown stack)".
    return this.merged.build(this.meta(), this.windowWarnings(), { timeline: this.timeline });
  }

  /**
   * Liveness is per window: past the first, what was alive when a window ended counts as
   * leaked even if a later window freed it (a server recorded for an hour showed 769 MiB
   * "leaked" with a heap of 100 MB). Said where the figures are read.
   */
  private windowWarnings(): string[] {
    if (!this.full || this.windows === 0) return [];
    return [
      `leaked bytes: V8 tells which sampled objects are alive only when a window of ${this.windowMs / 1000} s ends, and this run had ${this.windows + 1}; an object alive at the end of its window counts as leaked even if it was freed later. For what is alive at exit, record with --mode live`,
    ];
  }
}

/** A snapshot that cannot be written (disk full, no memory) stops the snapshots, not the recording. */
function snapshotsFailed(e: unknown): void {
  process.stderr.write(`heapflame: heap snapshots stopped: ${e instanceof Error ? e.message : String(e)}\n`);
}

export function startRecorder(config: RecorderConfig): void {
  if (config.precise) {
    // before the program's code is compiled: an inlined callee's allocations are charged to
    // its caller otherwise (the sampler records physical frames only)
    v8.setFlagsFromString('--no-turbo-inlining');
    v8.setFlagsFromString('--no-maglev-inlining');
  }
  new Recorder(config).start();
}

function frameOfCallSite(c: NodeJS.CallSite): Frame {
  const line = c.getLineNumber();
  const column = c.getColumnNumber();
  return frameOfV8(
    originalPosition({
      functionName: c.getFunctionName() ?? c.getMethodName() ?? '',
      url: c.getFileName() ?? '',
      lineNumber: line ? line - 1 : -1,
      columnNumber: column ? column - 1 : -1,
    }),
  );
}

/** The leaf of a task's stack names what was left running. */
function taskFrame(type: string): Frame {
  return { name: `[${type}]`, file: '', line: 0, module: '', address: '', inlined: false };
}

/** Every other point goes when the timeline is full: bounded memory, the shape kept. */
function thin(points: TimelinePoint[]): void {
  let k = 0;
  for (let i = 0; i < points.length; i += 2) points[k++] = points[i];
  points.length = k;
}
