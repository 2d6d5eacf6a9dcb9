/**
 * The recorder's window thread (see window-thread.ts): it takes the heap sampler over from the
 * program's thread, closes a window every `windowMs`, merges it, and at exit writes the
 * recording. Every failure is reported to the program's thread through the port; nothing here
 * may throw out of a callback (an uncaught error would end the thread without a word).
 */
import inspector from 'node:inspector';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { encodeHeapflame } from '../export/heapflame.js';
import { frameKey } from '../model/profile.js';
import { frameOfV8, type V8CallFrame, V8ProfileBuilder, type V8SamplingProfile } from '../v8/sampling-profile.js';
import { isOwnFrame, outputFile, recordingCosts, writeAtomically } from './recording.js';
import { isScriptUrl, originalPosition, positionIn } from './source-maps.js';
import { type FinishFacts, type ToWindowThread, type WindowThreadData, WindowState } from './window-thread.js';

const { config, state, port } = workerData as WindowThreadData;
const costs = recordingCosts(config, false);
/**
 * Script frames no map on disk moved, by script and raw position (a function's start: one
 * frame), kept for a loader's map that only the program's thread has. Keyed by numbers: this
 * runs for every node of every window.
 */
const unmapped = new Map<string, Map<number, V8CallFrame>>();
const merged = new V8ProfileBuilder(
  costs,
  (cf) => {
    const mapped = originalPosition(cf);
    if (mapped === cf && isScriptUrl(cf.url)) {
      let frames = unmapped.get(cf.url);
      if (!frames) unmapped.set(cf.url, (frames = new Map()));
      frames.set(cf.lineNumber * 1e8 + cf.columnNumber, cf);
    }
    return mapped;
  },
  { chargeBuiltinsToCaller: true },
);
const samplingOptions = {
  samplingInterval: config.interval,
  includeObjectsCollectedByMinorGC: true,
  includeObjectsCollectedByMajorGC: true,
};

const session = new inspector.Session();
const post = <T>(method: string, params?: object) =>
  new Promise<T>((resolve, reject) =>
    session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))),
  );

/** Closes windows. */
let timer: NodeJS.Timeout | undefined;
let finishing = false;
/** Windows merged, the exit's included. */
let windows = 0;
/** The window being closed: windows close one at a time. */
let closing: Promise<void> = Promise.resolve();

function fail(e: unknown): void {
  finishing = true;
  const error = e instanceof Error ? e.message : String(e);
  port.postMessage({ error });
  // nobody merges windows any more; the session stays open until the program's thread closes it
  try {
    session.post('HeapProfiler.stopSampling', () => {});
  } catch {
    // not connected: the sampler is still the program's thread's, and stops with it
  }
  Atomics.store(state, 0, WindowState.Failed);
  Atomics.notify(state, 0);
}

/** The last step at exit (see WindowThread.close). */
function closeSession(): void {
  finishing = true;
  clearInterval(timer);
  try {
    session.disconnect();
  } catch {
    // never connected
  }
  Atomics.store(state, 0, WindowState.Closed);
  Atomics.notify(state, 0);
}

/** Stops the window and starts the next in one dispatch on the program's thread: no gap. */
async function closeWindow(restart: boolean): Promise<void> {
  const [{ profile }] = await Promise.all([
    post<{ profile: V8SamplingProfile }>('HeapProfiler.stopSampling'),
    restart ? post('HeapProfiler.startSampling', samplingOptions) : null,
  ]);
  windows++;
  merged.addSamples(profile, profile.samples ?? [], 0, isOwnFrame);
}

/** Frames of scripts whose map only the program's thread has (tsx's code) moved to their source. */
async function remapLoaded(): Promise<void> {
  const urls = [...unmapped.keys()];
  if (urls.length === 0) return;
  const answer = new Promise<(SourceMapPayload | null)[]>((resolve) => port.once('message', resolve));
  port.postMessage(urls);
  Atomics.store(state, 0, WindowState.WantsMaps);
  Atomics.notify(state, 0);
  const payloads = await answer;
  urls.forEach((url, i) => {
    const payload = payloads[i];
    if (!payload) return;
    const map = new SourceMap(payload);
    for (const cf of unmapped.get(url)?.values() ?? []) {
      const mapped = positionIn(map, cf);
      if (mapped !== cf) merged.builder.replaceFrame(frameKey(frameOfV8(cf)), frameOfV8(mapped));
    }
  });
}

async function finish(facts: FinishFacts): Promise<void> {
  finishing = true;
  await closing;
  await closeWindow(false);
  await remapLoaded();
  const tasksColumn = costs.length - 1;
  for (const t of facts.tasks) merged.addStack(t.frames, tasksColumn, t.count);
  const meta = { ...facts.meta };
  if (meta.sampling) meta.sampling = { ...meta.sampling, windows };
  const profile = merged.build(meta, [], { timeline: facts.timeline });
  writeAtomically(outputFile(config), encodeHeapflame(profile));
  Atomics.store(state, 0, WindowState.Done);
  Atomics.notify(state, 0);
}

// a mistake of this file's own reaches the program's thread as one line, not as a silent end
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

// The sampler is the worker's only if the program's thread has not given up on it; the session
// opens only then: closing one makes V8 forget its heap object ids and stop tracking
// allocations, which must not happen in the middle of a run.
if (Atomics.compareExchange(state, 0, WindowState.Starting, WindowState.Ready) === WindowState.Starting) {
  try {
    session.connectToMainThread();
  } catch (e) {
    fail(e);
  }
  let inFlight = false;
  timer = setInterval(() => {
    // a window that takes longer than windowMs to close is not followed at once by the next
    if (finishing || inFlight) return;
    inFlight = true;
    closing = closeWindow(true)
      .catch(fail)
      .finally(() => {
        inFlight = false;
      });
  }, config.windowMs);
  // the listener keeps this thread alive while it waits for the inspector's answers
  parentPort?.on('message', (m: ToWindowThread) => {
    if (m.type === 'finish') finish(m.facts).catch(fail);
    else closeSession();
  });
}
