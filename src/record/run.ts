import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, readSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { HeapflameError } from '../model/errors.js';
import { DEFAULT_INTERVAL, RECORDER_ENV, type RecorderConfig, type RecordMode } from './config.js';
import { definedOnly, execveOf, isExecutable } from './exec.js';
import { type RunFiles, runFiles } from './run-files.js';

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
  /** Node: a heap snapshot at exit; one every this many ms (see record/snapshots.ts). */
  snapshotAtExit?: boolean;
  snapshotEveryMs?: number;
  /** Node: V8's allocation tracking, so the snapshots carry allocation stacks (much slower). */
  trackAllocations?: boolean;
  /**
   * Node programs: this process becomes the program (`process.execve`, Node 22.15 and later on
   * POSIX) instead of waiting for it as a child: no second Node process beside the program
   * for the whole run, signals reach the program directly, and the program's recorder says at
   * its exit which files the run wrote. `record` then never returns. Where execve is missing,
   * the program runs as a child as without it.
   */
  exec?: boolean;
}

export interface RecordResult extends RunFiles {
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
  if (options.pid !== undefined) {
    if (options.snapshotAtExit || options.snapshotEveryMs)
      throw new HeapflameError('--snapshot and --snapshot-every take heap snapshots of Node programs, not with --pid');
    return attachNative(options, env);
  }
  const [program] = options.command;
  if (!program) throw new HeapflameError('no command to record: heapflame record [options] -- COMMAND [ARGS...]');
  const executable = resolveExecutable(program, env);
  if (!executable) throw new HeapflameError(`command not found: ${program}`);
  if (options.trackAllocations && !options.snapshotAtExit && !options.snapshotEveryMs)
    throw new HeapflameError(
      '--track-allocations gives allocation stacks to heap snapshots: add --snapshot exit or --snapshot-every',
    );
  const node = isNodeProgram(executable);
  if (!node && (options.snapshotAtExit || options.snapshotEveryMs))
    throw new HeapflameError(
      `--snapshot and --snapshot-every take V8 heap snapshots of Node programs; ${program} is not one (the program was not run)`,
    );
  return node ? recordNode(options, env) : recordNative(options, env, executable);
}

async function recordNode(options: RecordOptions, env: NodeJS.ProcessEnv): Promise<RecordResult> {
  const out = writableOutput(options.out ?? `heapflame.${basename(options.command[0])}.${process.pid}.heapflame`);
  const run = runId();
  const started = Date.now();
  const executable = resolveExecutable(options.command[0], env) ?? options.command[0];
  const execve = options.exec && isExecutable(executable) ? execveOf() : undefined;
  const config = recorderConfig(options, out, run, execve !== undefined);
  const childEnv = recorderEnv(options, env, config);
  if (execve) {
    try {
      execve(executable, options.command, definedOnly(childEnv));
    } catch (e) {
      // (not replaced: an exec refused) the program runs as a child
      config.topPid = undefined;
      childEnv[RECORDER_ENV] = JSON.stringify(config);
      if (process.env.HEAPFLAME_DEBUG) process.stderr.write(`heapflame: execve failed: ${String(e)}\n`);
    }
  }
  const { exitCode, signal } = await runInherited(options.command, childEnv);
  // loaded now: the program started sooner
  const { readHeapflameMeta } = await import('../import/heapflame.js');
  return { ...runFiles(out, run, started, readHeapflameMeta), exitCode, signal, kind: 'node' };
}

/**
 * A run's id, which tells apart the files of concurrent runs sharing one -o: this process's
 * pid and start, and randomness against pids reused (not a secret: loading node:crypto for it
 * cost 7–10 ms of every recorded run's start).
 */
function runId(): string {
  const random = Math.floor(Math.random() * 2 ** 48)
    .toString(16)
    .padStart(12, '0');
  return `${process.pid.toString(16)}${Date.now().toString(16)}${random}`;
}

/** The program's environment: the recorder preloaded in every Node process, its configuration. */
function recorderEnv(options: RecordOptions, env: NodeJS.ProcessEnv, config: RecorderConfig): NodeJS.ProcessEnv {
  const preload = new URL('./preload.js', import.meta.url).href;
  return {
    ...env,
    [RECORDER_ENV]: JSON.stringify(config),
    // V8's allocation tracking from the first allocation on, with no inspector session (whose
    // tracking timer would keep the program from ever exiting): 60–78 × slower allocation
    NODE_OPTIONS:
      `${env.NODE_OPTIONS ?? ''}${options.trackAllocations ? ' --track-heap-objects' : ''} --import=${preload}`.trim(),
  };
}

function recorderConfig(options: RecordOptions, out: string, run: string, exec: boolean): RecorderConfig {
  return {
    out,
    parentPid: process.pid,
    // the program will be this very process
    topPid: exec ? process.pid : undefined,
    run,
    mode: options.mode ?? 'alloc',
    interval: options.interval ?? DEFAULT_INTERVAL,
    precise: options.precise === true,
    tickMs: 100,
    windowMs: 2000,
    snapshotAtExit: options.snapshotAtExit === true,
    snapshotEveryMs: options.snapshotEveryMs ?? 0,
  };
}

function recordNative(options: RecordOptions, env: NodeJS.ProcessEnv, executable: string): Promise<RecordResult> {
  const why = `${basename(executable)} is not a Node program, and native programs are recorded with heaptrack`;
  return underHeaptrack(
    options.out ?? `heaptrack.${basename(executable)}.${process.pid}.zst`,
    options.command,
    env,
    why,
  );
}

function attachNative(options: RecordOptions, env: NodeJS.ProcessEnv): Promise<RecordResult> {
  const pid = options.pid!;
  if (!Number.isInteger(pid) || pid <= 0 || !existsSync(`/proc/${pid}`))
    throw new HeapflameError(`no process ${pid} to attach to`);
  return underHeaptrack(
    options.out ?? `heaptrack.${pid}.zst`,
    ['-p', String(pid)],
    env,
    'attaching to a process is done by heaptrack',
  );
}

async function underHeaptrack(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  why: string,
): Promise<RecordResult> {
  const heaptrack = resolveExecutable('heaptrack', env);
  if (!heaptrack) throw new HeapflameError(`${why}, which is not installed (apt-get install heaptrack)`);
  // heaptrack adds .zst (or .gz) to the name it is given
  const stem = writableOutput(file).replace(/\.(zst|gz)$/, '');
  const started = Date.now();
  const { exitCode, signal } = await runInherited([heaptrack, '-o', stem, ...args], env);
  const files = [`${stem}.zst`, `${stem}.gz`, stem].filter(
    (f) => existsSync(f) && statSync(f).mtimeMs >= started - 1000,
  );
  return { files, commands: files.map(() => args.join(' ')), exitCode, signal, kind: 'native', snapshots: [] };
}

/**
 * The command with inherited streams. Signals meant for the program (Ctrl-C reaches the
 * whole process group; a supervisor's SIGTERM reaches this process) go to the program, and
 * this process waits for it to write its recording.
 */
function runInherited(
  command: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }> {
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

/**
 * The output file, checked before the program runs (never run half: a recording that cannot
 * be written would leave the program's run without its result, and its exit status lost
 * behind an error). Refused with exit 2: a directory, a folder that does not exist, one that
 * cannot be written.
 */
function writableOutput(file: string): string {
  const out = resolve(file);
  const dir = dirname(out);
  if (existsSync(out) && statSync(out).isDirectory())
    throw new HeapflameError(
      `-o ${file}: is a directory; -o names the recording file (such as ${join(file, 'run.heapflame')})`,
    );
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new HeapflameError(`-o ${file}: the folder ${dir} does not exist; the program was not run`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new HeapflameError(`-o ${file}: the folder ${dir} cannot be written; the program was not run`);
  }
  return out;
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
