/**
 * The recorder inside each Node process of `heapflame record`, loaded through NODE_OPTIONS
 * (`--import`) before the program. It never changes what the program does: its timers are
 * unref'd, its signal handlers re-raise the signal, and any failure of its own prints one line
 * and leaves the program running.
 */
import { isMainThread } from 'node:worker_threads';
import { loadRecorderConfig } from './config.js';
import { startRecorder } from './recorder.js';

try {
  // a worker thread (the program's, or the recorder's own window thread) is not a process:
  // the recorder of its process's main thread is the one
  const config = isMainThread ? loadRecorderConfig(process.env) : null;
  if (config) startRecorder(config);
} catch (e) {
  process.stderr.write(`heapflame: recorder not started: ${e instanceof Error ? e.message : String(e)}\n`);
}
