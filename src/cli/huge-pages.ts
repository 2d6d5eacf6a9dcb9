import { readFileSync } from 'node:fs';
import { fileHead, keepsDataInArrayBuffers } from '../load.js';
import { definedOnly, execveOf, isExecutable } from '../record/exec.js';

/**
 * Transparent huge pages for the commands that read a large recording.
 *
 * Memory touched for the first time is paid per 4 KiB page (a fault, the kernel zeroing it):
 * on the project's VM about 10 µs a page, a third of `report`'s CPU on a compiler's recording
 * (44 k faults for 172 MB). Linux can back memory with 2 MiB pages instead, but most
 * distributions enable that only where a program asks (`madvise`), and Node never asks. glibc
 * asks for all of its allocations — array buffers included — when the process starts with the
 * tunable `glibc.malloc.hugetlb=1` (glibc 2.35+), so the command re-executes itself with it
 * (`process.execve`, Node 22.15+: same process, same pid, no second Node beside it). Node's
 * start-up again costs about 0.08 s, so only an input of LARGE_INPUT_BYTES or more is worth it,
 * and only one whose reader keeps its data in array buffers: a heaptrack recording, or any
 * compressed input (pprof, .heapflame). Folded stacks live in WebAssembly memory and JSON in
 * V8's heap, which glibc does not allocate: measured, they gained nothing, and a heap snapshot's
 * reader lost 16 % (docs/performance.md, "Huge pages").
 */
export const LARGE_INPUT_BYTES = 4 << 20;

/** The tunable, as glibc reads it from GLIBC_TUNABLES. */
export const HUGETLB_TUNABLE = 'glibc.malloc.hugetlb=1';

/** Commands whose first argument is a recording read whole (not `record`: its argument is a program). */
const READING_COMMANDS = new Set(['report', 'flamegraph', 'folded', 'convert', 'diff', 'check']);

/** What the decision needs to know of this process and machine (functions: asked only when needed). */
export interface HugePageFacts {
  platform: NodeJS.Platform;
  /** process.execve exists (Node 22.15+) and Node's executable may be executed. */
  canExec: boolean;
  /** The input file's first bytes (4 are enough) and size; null when it is no readable file. */
  input: (path: string) => { head: Buffer; size: number } | null;
  /** /sys/kernel/mm/transparent_hugepage/enabled, or undefined. */
  thpMode: () => string | undefined;
  /** The C library's version when it is glibc ("2.36"), else undefined. */
  glibcVersion: () => string | undefined;
}

/**
 * The environment to re-execute with, or null to go on as is. `HEAPFLAME_HUGE_PAGES=0` never
 * does it, `=1` does it whatever the input's size (where the system can).
 */
export function hugePageEnv(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  facts: HugePageFacts,
): NodeJS.ProcessEnv | null {
  const setting = env.HEAPFLAME_HUGE_PAGES;
  if (setting === '0' || facts.platform !== 'linux' || !facts.canExec) return null;
  const tunables = env.GLIBC_TUNABLES ?? '';
  // already set (by the user, or by the re-execution itself): never twice
  if (tunables.includes('glibc.malloc.hugetlb')) return null;
  const [command, input] = args;
  if (!command || !READING_COMMANDS.has(command) || !input || input.startsWith('-')) return null;
  const file = facts.input(input);
  if (!file || (setting !== '1' && file.size < LARGE_INPUT_BYTES) || !keepsDataInArrayBuffers(file.head)) return null;
  // 'always': every page may be huge already; 'never': asking changes nothing
  if (!/\[madvise\]/.test(facts.thpMode() ?? '')) return null;
  if (!glibcHasHugetlb(facts.glibcVersion())) return null;
  return { ...env, GLIBC_TUNABLES: tunables ? `${tunables}:${HUGETLB_TUNABLE}` : HUGETLB_TUNABLE };
}

/** glibc 2.35 brought the tunable; an older one would ignore it (the re-execution for nothing). */
function glibcHasHugetlb(version: string | undefined): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 2 || (major === 2 && minor >= 35);
}

/**
 * Replaces this process by the same command line with huge pages, where hugePageEnv says so;
 * returns when it does not (or the system refuses the exec: the command then runs as it is).
 */
export function reexecWithHugePages(argv: readonly string[] = process.argv): void {
  const execve = execveOf();
  const next = hugePageEnv(argv.slice(2), process.env, systemFacts(execve !== undefined));
  if (!next || !execve) return;
  if (process.env.HEAPFLAME_DEBUG) process.stderr.write(`heapflame: re-executing with ${HUGETLB_TUNABLE}\n`);
  try {
    execve(process.execPath, [process.execPath, ...process.execArgv, ...argv.slice(1)], definedOnly(next));
  } catch {
    // (Node 26 throws where the exec is refused; the command goes on without huge pages)
  }
}

function systemFacts(hasExecve: boolean): HugePageFacts {
  return {
    platform: process.platform,
    canExec: hasExecve && isExecutable(process.execPath),
    input: (path) => fileHead(path),
    thpMode: () => {
      try {
        return readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8');
      } catch {
        return undefined;
      }
    },
    glibcVersion: () => {
      const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
      return report?.header?.glibcVersionRuntime;
    },
  };
}
