import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CostInfo } from '../model/profile.js';
import type { V8CallFrame } from '../v8/sampling-profile.js';
import type { RecorderConfig } from './config.js';

// What the recorder's two threads share: the program's thread and the window thread (Node < 26).

/** The recorder's directory (dist/src/record/): its files are loaded into the program. */
const OWN_DIR = fileURLToPath(new URL('.', import.meta.url));

/**
 * The recorder's own work is not the program's: its files, the inspector's message handling,
 * and the delivery of the GC entries it observes.
 */
const ownByUrl = new Map<string, boolean>();
export const isOwnFrame = (f: V8CallFrame) => {
  let own = ownByUrl.get(f.url);
  if (own === undefined) {
    own =
      f.url.startsWith('node:inspector') ||
      f.url === 'node:internal/perf/observe' ||
      (f.url.startsWith('file:') ? fileURLToPath(f.url) : f.url).startsWith(OWN_DIR);
    ownByUrl.set(f.url, own);
  }
  return own;
};

/** The costs a recording has: by mode, and whether the sampler knows which samples are alive. */
export function recordingCosts(config: RecorderConfig, full: boolean): CostInfo[] {
  const sampled = `sampled every ${config.interval} bytes by V8`;
  const leaked: CostInfo = {
    id: 'leaked',
    unit: 'bytes',
    label: 'leaked bytes',
    description: `Bytes still alive at exit after a forced GC, ${sampled}.`,
  };
  const peak: CostInfo = {
    id: 'peak',
    unit: 'bytes',
    label: 'peak bytes',
    description: 'Bytes of the samples alive when the heap was at its highest after a collection.',
  };
  const allocated: CostInfo = {
    id: 'allocated',
    unit: 'bytes',
    label: 'allocated bytes',
    description: `Bytes allocated, ${sampled} (collected or not).`,
  };
  const temporary: CostInfo = {
    id: 'temporary',
    unit: 'bytes',
    label: 'temporary bytes',
    description: `Bytes allocated and collected before exit, ${sampled}.`,
  };
  const tasks: CostInfo = {
    id: 'tasks',
    unit: 'count',
    label: 'forgotten tasks',
    description:
      'Timers, intervals, servers, sockets, child processes and pending promises the program left running at exit, by creating stack (promises: 1 in 16 sampled, each counting 16).',
  };
  if (config.mode === 'live') return [leaked, peak, tasks];
  return full ? [allocated, temporary, leaked, tasks] : [allocated, tasks];
}

/** The top process writes the file asked for; every other Node process of the run its own. */
export function outputFile(config: RecorderConfig): string {
  return isTopProcess(config) ? config.out : `${config.out}.${process.pid}`;
}

/** The process of the recorded command itself: the one `heapflame record` became, else its child. */
export function isTopProcess(config: RecorderConfig): boolean {
  return config.topPid ? process.pid === config.topPid : process.ppid === config.parentPid;
}

/** Written under a temporary name, then renamed: a reader never sees half a recording. */
export function writeAtomically(file: string, data: Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
