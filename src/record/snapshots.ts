import { renameSync, rmSync } from 'node:fs';
import v8 from 'node:v8';

/**
 * Heap snapshots of a recorded process (`record --snapshot exit`, `--snapshot-every S`), next
 * to its recording: STEM.exit.heapsnapshot at exit, and STEM.every-N.heapsnapshot every S
 * seconds, of which the first and the last two are kept. Those three are always a BASE, a
 * TARGET and a FINAL for `heapflame leaks`, and the disk holds at most four snapshots
 * whatever the run's length.
 *
 * Writing one pauses the program (V8 serialises the heap synchronously, about 80 ms per heap
 * MB) and needs memory: V8 grows RSS by several times the heap while it writes.
 */
export class SnapshotTaker {
  private taken = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly stem: string) {}

  /** Starts taking one every `everyMs` (timer unref'd: it never keeps the program alive). */
  every(everyMs: number, onError: (e: unknown) => void): void {
    this.timer = setInterval(() => {
      try {
        this.periodic();
      } catch (e) {
        this.stop();
        onError(e);
      }
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The snapshot at exit. */
  atExit(): void {
    write(`${this.stem}.exit.heapsnapshot`);
  }

  private periodic(): void {
    this.taken++;
    write(this.periodicFile(this.taken));
    // keep the first and the last two
    if (this.taken >= 4) rmSync(this.periodicFile(this.taken - 2), { force: true });
  }

  private periodicFile(n: number): string {
    return `${this.stem}.every-${n}.heapsnapshot`;
  }
}

/** Written under a temporary name, then renamed: a reader never sees half a snapshot. */
function write(file: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    v8.writeHeapSnapshot(tmp);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** The snapshots' stem for a recording file: its name without `.heapflame`. */
export function snapshotStem(recording: string): string {
  return recording.replace(/\.heapflame$/, '');
}
