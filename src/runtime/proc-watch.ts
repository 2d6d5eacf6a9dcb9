import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Gauge, Registry } from 'prom-client';
import { HeapflameError } from '../model/errors.js';
import { serveMetrics } from '../runtime/metrics.js';

/**
 * `heapflame watch --pid PID`: the memory of any running process (a Rust object store, say)
 * as Prometheus metrics, read from /proc without touching the process: RSS and its peak
 * (VmHWM), virtual size, threads, open files, and its cgroup's memory limit. The series have
 * the names heapflame/metrics uses, so the same alerts apply.
 */
export interface ProcStatus {
  rssBytes: number;
  rssPeakBytes: number;
  virtualBytes: number;
  threads: number;
}

/** The fields of /proc/PID/status heapflame exports (kB lines to bytes). */
export function parseProcStatus(text: string): ProcStatus {
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+)(\\s+kB)?`, 'm').exec(text);
    return m ? Number(m[1]) * (m[2] ? 1024 : 1) : 0;
  };
  return {
    rssBytes: field('VmRSS'),
    rssPeakBytes: field('VmHWM'),
    virtualBytes: field('VmSize'),
    threads: field('Threads'),
  };
}

/** The memory limit of the process's cgroup (v2 memory.max, v1 memory.limit_in_bytes), 0 when none. */
export function cgroupMemoryLimit(pid: number): number {
  try {
    const cgroup = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    const v2 = /^0::(.*)$/m.exec(cgroup)?.[1];
    const candidates = v2 !== undefined ? [`/sys/fs/cgroup${v2}/memory.max`] : [];
    const v1 = /^\d+:[^:]*\bmemory\b[^:]*:(.*)$/m.exec(cgroup)?.[1];
    if (v1 !== undefined) candidates.push(`/sys/fs/cgroup/memory${v1}/memory.limit_in_bytes`);
    for (const file of candidates) {
      if (!existsSync(file)) continue;
      const text = readFileSync(file, 'utf8').trim();
      const n = Number(text);
      // "max" (v2) or a huge number (v1) mean no limit
      return Number.isFinite(n) && n > 0 && n < 2 ** 60 ? n : 0;
    }
  } catch {
    // no cgroup information: no limit known
  }
  return 0;
}

export async function watchProcess(
  pid: number,
  options: { port?: number; host?: string; pollMs?: number } = {},
): Promise<{ url: string; done: Promise<void> }> {
  if (!Number.isInteger(pid) || pid <= 0 || !existsSync(`/proc/${pid}/status`))
    throw new HeapflameError(`no process ${pid} to watch (Linux /proc/${pid} is missing)`);
  const registry = new Registry();
  // one read of /proc/PID/status serves the four gauges of a scrape (they are collected one
  // after another, well within this)
  let readAt = -Infinity;
  let status: ProcStatus | undefined;
  const read = (): ProcStatus => {
    const now = performance.now();
    if (!status || now - readAt > 100) {
      status = parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
      readAt = now;
    }
    return status;
  };
  const gauge = (name: string, help: string, value: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        try {
          this.set(value());
        } catch {
          // the process just ended: the last value stays until the listener closes
        }
      },
    });
  gauge('heapflame_rss_bytes', 'Resident set size of the watched process (VmRSS).', () => read().rssBytes);
  gauge(
    'heapflame_rss_peak_bytes',
    'Highest resident set size of the watched process (VmHWM).',
    () => read().rssPeakBytes,
  );
  gauge('heapflame_virtual_bytes', 'Virtual memory size of the watched process (VmSize).', () => read().virtualBytes);
  gauge('heapflame_threads', 'Threads of the watched process.', () => read().threads);
  gauge(
    'heapflame_open_files',
    'Open file descriptors of the watched process.',
    () => readdirSync(`/proc/${pid}/fd`).length,
  );
  gauge('heapflame_memory_limit_bytes', "Memory limit of the watched process's cgroup (0 when there is none).", () =>
    cgroupMemoryLimit(pid),
  );
  const server = await serveMetrics({ registry, port: options.port ?? 9465, host: options.host });
  // the watch ends with the process
  const done = new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (existsSync(`/proc/${pid}`)) return;
      clearInterval(poll);
      server.close(() => resolve());
    }, options.pollMs ?? 500);
  });
  return { url: server.url, done };
}
