import inspector from 'node:inspector';
import v8 from 'node:v8';
import type { V8SamplingProfile } from './sampling-profile.js';

/**
 * V8's sampling heap profiler, one per process, in the two ways Node offers it:
 * - through `node:inspector` (Node 20+): samples are `{size, nodeId, ordinal}`; with the
 *   GC-inclusion flags they are every allocation, without them only what is still alive;
 * - `v8.startHeapProfile` (Node 26+): every allocation, each sample saying whether its object
 *   was alive when the profile stopped (`isLive`), so one run gives both.
 */
export interface HeapSampler {
  /** Samples say whether their object is alive when the window stops. */
  readonly knowsLiveness: boolean;
  start(): void;
  /** The window's samples; sampling stops (start again for the next window). */
  stop(): V8SamplingProfile;
  /** The samples so far, sampling going on (inspector only: live mode's peak). */
  peek(): V8SamplingProfile;
  /** Lets go of the inspector session (sampling must be stopped first). */
  close(): void;
}

interface NodeHeapProfileApi {
  startHeapProfile?: (options: object) => { stop(): string };
}

/** How deep stacks go: V8's inspector default; Node 26's own default (16) cuts servers' stacks. */
const STACK_DEPTH = 128;

export function heapSampler(mode: 'alloc' | 'live', interval: number): HeapSampler {
  const api = v8 as unknown as NodeHeapProfileApi;
  if (mode === 'alloc' && typeof api.startHeapProfile === 'function') return nativeSampler(api, interval);
  return inspectorSampler(mode, interval);
}

function nativeSampler(api: NodeHeapProfileApi, interval: number): HeapSampler {
  let handle: { stop(): string } | null = null;
  return {
    knowsLiveness: true,
    start() {
      handle = api.startHeapProfile!({
        sampleInterval: interval,
        stackDepth: STACK_DEPTH,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    },
    stop() {
      const h = handle;
      handle = null;
      if (!h) throw new Error('the heap profile was not started');
      return JSON.parse(h.stop()) as V8SamplingProfile;
    },
    peek() {
      throw new Error('v8.startHeapProfile gives its samples only when stopped');
    },
    close() {},
  };
}

function inspectorSampler(mode: 'alloc' | 'live', interval: number): HeapSampler {
  const session = new inspector.Session();
  session.connect();
  // In-process inspector calls answer synchronously, which the exit handler relies on.
  const post = <T>(method: string, params?: object): T => {
    let result: T | undefined;
    let error: Error | null = null;
    session.post(method, params ?? {}, (err, res) => {
      error = err;
      result = res as T;
    });
    if (error) throw error;
    if (result === undefined) throw new Error(`inspector ${method} did not answer synchronously`);
    return result;
  };
  const peek = () => post<{ profile: V8SamplingProfile }>('HeapProfiler.getSamplingProfile').profile;
  return {
    knowsLiveness: false,
    start() {
      post('HeapProfiler.startSampling', {
        samplingInterval: interval,
        includeObjectsCollectedByMinorGC: mode === 'alloc',
        includeObjectsCollectedByMajorGC: mode === 'alloc',
      });
    },
    // stopSampling answers with the profile: asking getSamplingProfile first had V8 serialise
    // the window twice (1.5 s more at the exit of a 7 s compile)
    stop: () => post<{ profile: V8SamplingProfile }>('HeapProfiler.stopSampling').profile,
    peek,
    close: () => session.disconnect(),
  };
}
