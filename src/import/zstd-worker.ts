import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { LENGTHS, READ, WRITTEN, type ZstdWorkerData, type ZstdWorkerMessage } from './zstd-ring.js';

/**
 * Runs `zstd -d` on a file and puts its output into a shared ring of slots that the parser
 * reads in place. Reading the pipe here instead of on the parsing thread keeps zstd running
 * while the parser works (on one thread the 64 KiB pipe fills and zstd waits: 0.4 s idle on a
 * 120 MB recording). The ring bounds memory and flow-controls zstd: no free slot, no reading.
 */
const { cli, path, ring, control, slotBytes, slots } = workerData as ZstdWorkerData;
const port = parentPort!;
const data = new Uint8Array(ring);
const ctl = new Int32Array(control);

const child = spawn(cli, ['-d', '-c', '-q', '--no-progress'], { stdio: ['pipe', 'pipe', 'pipe'] });
const file = createReadStream(path, { highWaterMark: 1 << 20 });
let read = 0;
file.on('data', (c) => (read += c.length));
file.on('error', () => child.stdin.destroy());
child.stdin.on('error', () => {});
file.pipe(child.stdin);
let stderr = '';
child.stderr.setEncoding('utf8');
child.stderr.on('data', (d: string) => {
  if (stderr.length < 4096) stderr += d;
});
port.on('message', (m: { type: 'close' }) => {
  if (m.type === 'close') {
    file.destroy();
    child.kill();
    process.exit(0);
  }
});

let fill = 0;
/** Output not yet copied into the ring (the head chunk from `headOff` on). */
const queue: Buffer[] = [];
let headOff = 0;
let waiting = false;
let ended = false;
let finished = false;
let exitCode: number | null = null;

const slotFree = () => Atomics.load(ctl, WRITTEN) - Atomics.load(ctl, READ) < slots;

function publish(): void {
  const w = Atomics.load(ctl, WRITTEN);
  Atomics.store(ctl, LENGTHS + (w % slots), fill);
  Atomics.store(ctl, WRITTEN, w + 1);
  Atomics.notify(ctl, WRITTEN);
  fill = 0;
  port.postMessage({ type: 'progress', read } satisfies ZstdWorkerMessage);
}

/** Waits until the parser frees a slot, with zstd's output paused meanwhile. */
function waitForSlot(): void {
  waiting = true;
  child.stdout.pause();
  const waited = Atomics.waitAsync(ctl, READ, Atomics.load(ctl, READ));
  const go = () => {
    waiting = false;
    drain();
  };
  if (waited.async) void waited.value.then(go);
  else queueMicrotask(go);
}

/** Copies queued output into free slots. */
function drain(): void {
  if (waiting) return;
  while (queue.length) {
    const chunk = queue[0];
    while (headOff < chunk.length) {
      if (!slotFree()) return waitForSlot();
      const base = (Atomics.load(ctl, WRITTEN) % slots) * slotBytes;
      const n = Math.min(chunk.length - headOff, slotBytes - fill);
      data.set(chunk.subarray(headOff, headOff + n), base + fill);
      fill += n;
      headOff += n;
      if (fill === slotBytes) publish();
    }
    queue.shift();
    headOff = 0;
  }
  if (!ended) child.stdout.resume();
  else if (fill > 0 && !slotFree()) waitForSlot();
  else finish();
}

function finish(): void {
  if (finished) return;
  finished = true;
  if (fill > 0) publish();
  const warning = exitCode !== 0 ? stderr.trim().split('\n').pop()?.replace(/^zstd: /, '') || `zstd exited with code ${exitCode}` : undefined;
  port.postMessage({ type: 'end', read, warning } satisfies ZstdWorkerMessage);
  port.close();
}

child.stdout.on('data', (chunk: Buffer) => {
  queue.push(chunk);
  drain();
});
child.on('close', (code) => {
  ended = true;
  exitCode = code;
  drain();
});
