import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { terminalSafe } from '../export/format.js';
import type { ProfileMeta } from '../model/profile.js';

/** The files one `heapflame record` run wrote. */
export interface RunFiles {
  /** The recordings written: the top process's first. */
  files: string[];
  /** The command line each file recorded, where known, aligned with `files`. */
  commands: (string | undefined)[];
  /** Heap snapshots the run wrote (Node, when asked), oldest first, the exit snapshot last. */
  snapshots: string[];
}

/**
 * What run `run` wrote under `out`, since `since` (ms): the files whose recorded run id is
 * `run` (concurrent runs may share `-o`), and the heap snapshots beside them. Called by
 * `heapflame record` after the program, or by the program's own recorder at its exit when
 * `record` became the program.
 */
export function runFiles(out: string, run: string, since: number, read?: MetaReader): RunFiles {
  // a file older than the run is not the run's: its head is not read (earlier runs' files
  // of one -o pile up, and the program's exit would read every one)
  const found = candidates(out).filter((f) => writtenSince(f, since));
  // each process wrote its run and command line first in its file
  const readMeta = read ?? readMetaLazily;
  const metas = found.map((f) => ({ f, meta: readMeta(f) })).filter((c) => c.meta?.recordRun === run);
  return {
    files: metas.map((c) => c.f),
    commands: metas.map((c) => c.meta?.command),
    snapshots: snapshotsOf(out, since),
  };
}

/** The lines `record` ends with on stderr: which file holds which process. */
export function writtenLines(result: RunFiles): string[] {
  const lines = result.files.length === 0 ? ['heapflame: no recording was written'] : [];
  result.files.forEach((f, i) => {
    const line = result.commands[i];
    lines.push(
      `heapflame: wrote ${terminalSafe(f)}${line ? `: ${terminalSafe(line.split('\n')[0].slice(0, 200))}` : ''}`,
    );
  });
  for (const f of result.snapshots) lines.push(`heapflame: wrote ${terminalSafe(f)}`);
  return lines;
}

export type MetaReader = (file: string) => ProfileMeta | null;

let reader: MetaReader | undefined;
/**
 * readHeapflameMeta, loaded on first use, synchronously (an exit handler cannot await an
 * import; `require` of an ES module works on every Node that replaces itself by the program,
 * 22.15 and later; `record`'s own process passes the reader it imported).
 */
export function readMetaLazily(file: string): ProfileMeta | null {
  reader ??= (createRequire(import.meta.url)('../import/heapflame.js') as { readHeapflameMeta: MetaReader })
    .readHeapflameMeta;
  return reader(file);
}

/**
 * The heap snapshots a run wrote beside its recording `out` (STEM[.pid].exit|every-N.heapsnapshot,
 * see record/snapshots.ts), written since `since`: per process, periodic ones in order, then
 * the exit one.
 */
function snapshotsOf(out: string, since: number): string[] {
  const dir = dirname(out);
  const stem = basename(out).replace(/\.heapflame$/, '');
  const pattern = /^(?:\.(\d+))?\.(?:every-(\d+)|exit)\.heapsnapshot$/;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const found: { file: string; pid: number; order: number }[] = [];
  for (const name of names) {
    const m = name.startsWith(stem) ? pattern.exec(name.slice(stem.length)) : null;
    const file = join(dir, name);
    if (!m || !writtenSince(file, since)) continue;
    found.push({ file, pid: m[1] ? Number(m[1]) : 0, order: m[2] ? Number(m[2]) : Number.MAX_SAFE_INTEGER });
  }
  return found.sort((a, b) => a.pid - b.pid || a.order - b.order).map((f) => f.file);
}

/**
 * Whether a file was written since `since` (a second's slack for coarse file times); false for
 * one gone meanwhile (a process still running drops its old snapshots).
 */
function writtenSince(file: string, since: number): boolean {
  try {
    return statSync(file).mtimeMs >= since - 1000;
  } catch {
    return false;
  }
}

/**
 * Files a run may have written: the top file, then `out.<pid>` of the other Node processes.
 * Which are this run's is told by the run id inside (other runs may share the name).
 */
function candidates(out: string): string[] {
  const dir = dirname(out);
  const name = basename(out);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return []; // (the directory went away during the run)
  }
  const others = names
    .filter((f) => f.startsWith(`${name}.`) && /^\d+$/.test(f.slice(name.length + 1)))
    .sort((a, b) => Number(a.slice(name.length + 1)) - Number(b.slice(name.length + 1)))
    .map((f) => join(dir, f));
  return [...(existsSync(out) ? [out] : []), ...others];
}
