import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { HeapflameError } from '../model/errors.js';
import { DEFAULT_INTERVAL, RECORDER_ENV, type RecorderConfig, type RecordMode } from './config.js';

export interface RecordOptions {
  /** The command and its arguments. */
  command: string[];
  /** Output file; a name from the program and the pid when not given. */
  out?: string;
  mode?: RecordMode;
  interval?: number;
  precise?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Attach to this running native process instead (heaptrack -p). */
  pid?: number;
}

export interface RecordResult {
  /** The recordings written: the top process's first. */
  files: string[];
  /** The command line each file recorded, where known, aligned with `files`. */
  commands: (string | undefined)[];
  /** How the program ended: its exit code, or the signal that ended it. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  kind: 'node' | 'native';
}

/**
 * Runs a command under the recorder: Node programs (node, npx, tsx, npm scripts, any script
 * whose #! names node) with heapflame's recorder preloaded through NODE_OPTIONS, anything else
 * under heaptrack. The program's standard streams are its own (inherited) and its exit status
 * is reported back unchanged.
 */
export async function record(options: RecordOptions): Promise<RecordResult> {
  const env = options.env ?? process.env;
  if (options.pid !== undefined) return attachNative(options, env);
  const [program] = options.command;
  if (!program) throw new HeapflameError('no command to record: heapflame record [options] -- COMMAND [ARGS...]');
  const executable = resolveExecutable(program, env);
  if (!executable) throw new HeapflameError(`command not found: ${program}`);
  return isNodeProgram(executable) ? recordNode(options, env) : recordNative(options, env, executable);
}

async function recordNode(options: RecordOptions, env: NodeJS.ProcessEnv): Promise<RecordResult> {
  const out = resolve(options.out ?? `heapflame.${basename(options.command[0])}.${process.pid}.heapflame`);
  const config: RecorderConfig = {
    out,
    parentPid: process.pid,
    mode: options.mode ?? 'alloc',
    interval: options.interval ?? DEFAULT_INTERVAL,
    precise: options.precise === true,
    tickMs: 100,
    windowMs: 2000,
  };
  const preload = new URL('./preload.js', import.meta.url).href;
  const started = Date.now();
  const childEnv = {
    ...env,
    [RECORDER_ENV]: JSON.stringify(config),
    NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --import=${preload}`.trim(),
  };
  const { exitCode, signal } = await runInherited(options.command, childEnv);
  const files = writtenSince(out, started);
  // each process wrote its own command line first in its file (loaded now: the program started sooner)
  const { readHeapflameMeta } = await import('../import/heapflame.js');
  return { files, commands: files.map((f) => readHeapflameMeta(f)?.command), exitCode, signal, kind: 'node' };
}

function recordNative(options: RecordOptions, env: NodeJS.ProcessEnv, executable: string): Promise<RecordResult> {
  const why = `${basename(executable)} is not a Node program, and native programs are recorded with heaptrack`;
  return underHeaptrack(options.out ?? `heaptrack.${basename(executable)}.${process.pid}.zst`, options.command, env, why);
}

function attachNative(options: RecordOptions, env: NodeJS.ProcessEnv): Promise<RecordResult> {
  const pid = options.pid!;
  if (!Number.isInteger(pid) || pid <= 0 || !existsSync(`/proc/${pid}`)) throw new HeapflameError(`no process ${pid} to attach to`);
  return underHeaptrack(options.out ?? `heaptrack.${pid}.zst`, ['-p', String(pid)], env, 'attaching to a process is done by heaptrack');
}

async function underHeaptrack(file: string, args: string[], env: NodeJS.ProcessEnv, why: string): Promise<RecordResult> {
  const heaptrack = resolveExecutable('heaptrack', env);
  if (!heaptrack) throw new HeapflameError(`${why}, which is not installed (apt-get install heaptrack)`);
  // heaptrack adds .zst (or .gz) to the name it is given
  const stem = resolve(file).replace(/\.(zst|gz)$/, '');
  const started = Date.now();
  const { exitCode, signal } = await runInherited([heaptrack, '-o', stem, ...args], env);
  const files = [`${stem}.zst`, `${stem}.gz`, stem].filter((f) => existsSync(f) && statSync(f).mtimeMs >= started - 1000);
  return { files, commands: files.map(() => args.join(' ')), exitCode, signal, kind: 'native' };
}

/**
 * The command with inherited streams. Signals meant for the program (Ctrl-C reaches the
 * whole process group; a supervisor's SIGTERM reaches this process) go to the program, and
 * this process waits for it to write its recording.
 */
function runInherited(command: string[], env: NodeJS.ProcessEnv): Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => () => {
      // Ctrl-C already reached the child through the terminal's process group
      if (signal !== 'SIGINT') child.kill(signal);
    };
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    const done = () => {
      for (const [s, h] of handlers) process.removeListener(s, h);
    };
    child.on('error', (e) => {
      done();
      reject(new HeapflameError(`cannot run ${command[0]}: ${e.message}`));
    });
    child.on('exit', (exitCode, signal) => {
      done();
      resolvePromise({ exitCode, signal });
    });
  });
}

/** Recordings of this run: the top file, then `out.<pid>` of the other Node processes. */
function writtenSince(out: string, started: number): string[] {
  const dir = dirname(out);
  const name = basename(out);
  const files: string[] = [];
  if (existsSync(out) && statSync(out).mtimeMs >= started - 1000) files.push(out);
  const others = readdirSync(dir)
    .filter((f) => f.startsWith(`${name}.`) && /^\d+$/.test(f.slice(name.length + 1)))
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).mtimeMs >= started - 1000)
    .sort();
  return [...files, ...others];
}

function resolveExecutable(program: string, env: NodeJS.ProcessEnv): string | null {
  if (program.includes('/')) return existsSync(program) ? resolve(program) : null;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, program);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** node itself, or a script that runs under node (#! line), such as npx, npm and tsx. */
export function isNodeProgram(executable: string): boolean {
  if (executable === process.execPath || /^(node|nodejs)(\d+)?$/.test(basename(executable))) return true;
  try {
    const fd = openSync(executable, 'r');
    const head = Buffer.alloc(256);
    const n = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    const firstLine = head.toString('latin1', 0, n).split('\n')[0];
    if (firstLine.startsWith('#!')) return /\bnode(js)?\b/.test(firstLine);
    // a shell wrapper that execs node (some installs ship those) is not followed
    return false;
  } catch {
    return false;
  }
}
