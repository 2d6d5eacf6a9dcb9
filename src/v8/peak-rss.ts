import { readFileSync } from 'node:fs';

/**
 * This process's highest resident set size: the kernel's VmHWM where /proc has it (Linux),
 * else getrusage's maxrss. Not maxrss first: Linux carries it across exec from the process
 * that forked, so a small program started by a 400 MB one read 404 MB (VmHWM: 39 MB).
 */
export function peakRssBytes(): number {
  try {
    const kb = /^VmHWM:\s*(\d+) kB/m.exec(readFileSync('/proc/self/status', 'latin1'))?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  } catch {
    // no /proc here
  }
  return process.resourceUsage().maxRSS * 1024;
}
