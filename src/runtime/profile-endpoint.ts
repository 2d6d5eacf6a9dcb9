import { createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream, readFileSync, rmSync, statSync } from 'node:fs';
import { freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import v8 from 'node:v8';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Profile } from '../model/profile.js';
import { cgroupMemoryLimit } from './proc-watch.js';

/**
 * `/debug/heapflame/heap?seconds=N&format=pprof|svg|html|folded` on the metrics listener: a
 * recording of the process's allocations for N seconds (V8's heap sampler, every allocation,
 * collected or not), answered as gzipped pprof by default. `/debug/heapflame/snapshot`: a V8
 * heap snapshot of the process, for `heapflame leaks` (the program pauses while V8 writes it;
 * refused with 507 when the memory V8 needs meanwhile is not there). A bearer token is required
 * and compared in constant time (401 without it); one capture runs at a time, either kind (429
 * while one does); N is bounded. Do not use the profiles beside another heap sampler in the
 * same process (the recorder, @datadog/pprof): V8 has one, and @datadog/pprof crashed on that (#384).
 */
export interface ProfileEndpointOptions {
  /** The bearer token; without one the endpoint answers 404. */
  token?: string;
  /** Longest capture (default 60 s). */
  maxSeconds?: number;
  /** Bytes between samples (default 128 KiB). */
  interval?: number;
  /** Snapshots needing more memory than this are refused (default: what the cgroup or machine has available). */
  snapshotMemoryLimit?: number;
}

const PATH = '/debug/heapflame/heap';
const SNAPSHOT_PATH = '/debug/heapflame/snapshot';
const digest = (s: string) => createHash('sha256').update(s).digest();

export function profileEndpoint(
  options: ProfileEndpointOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const expected = options.token ? digest(options.token) : null;
  const maxSeconds = options.maxSeconds ?? 60;
  let busy = false;
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== PATH && url.pathname !== SNAPSHOT_PATH) return false;
    const answer = (status: number, text: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(`${text}\n`);
      return true;
    };
    if (!expected) return answer(404, 'not found: on-demand profiles need a token (profileToken)');
    const given = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    // both sides hashed to one length, then compared in constant time
    if (!timingSafeEqual(digest(given), expected))
      return answer(401, 'unauthorized: send Authorization: Bearer <token>', { 'www-authenticate': 'Bearer' });
    if (req.method !== 'GET') return answer(405, 'method not allowed: GET', { allow: 'GET' });
    if (url.pathname === SNAPSHOT_PATH) {
      if (busy) return answer(429, 'a capture is running: try again when it ends', { 'retry-after': '10' });
      busy = true;
      try {
        return await serveSnapshot(res, answer, options.snapshotMemoryLimit ?? memoryAvailable());
      } finally {
        busy = false;
      }
    }
    const seconds = Number(url.searchParams.get('seconds') ?? '10');
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > maxSeconds)
      return answer(400, `seconds must be between 0 and ${maxSeconds}`);
    const format = url.searchParams.get('format') ?? 'pprof';
    if (!['pprof', 'svg', 'html', 'folded'].includes(format))
      return answer(400, 'format must be pprof, svg, html or folded');
    if (busy)
      return answer(429, 'a capture is running: try again when it ends', { 'retry-after': String(Math.ceil(seconds)) });
    busy = true;
    try {
      const profile = await capture(seconds, options.interval ?? 128 * 1024);
      // (the exporters load with the first capture: a service that never asks does not carry them)
      const [{ encodePprof }, { renderSvg }, { renderHtml }, { foldedChunks }] = await Promise.all([
        import('../export/pprof.js'),
        import('../export/svg.js'),
        import('../export/html.js'),
        import('../export/folded.js'),
      ]);
      if (format === 'pprof') {
        res
          .writeHead(200, {
            'content-type': 'application/octet-stream',
            'content-disposition': 'attachment; filename="heap.pb.gz"',
          })
          .end(encodePprof(profile));
      } else if (format === 'svg')
        res
          .writeHead(200, { 'content-type': 'image/svg+xml' })
          .end(renderSvg(profile, { title: `heapflame: allocated bytes in ${seconds} s` }));
      else if (format === 'html')
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(renderHtml(profile, { title: `heapflame: ${seconds} s of allocations` }));
      else
        res
          .writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
          .end([...foldedChunks(profile, {})].join(''));
      return true;
    } catch (e) {
      return answer(503, `capture failed: ${(e as Error).message}`);
    } finally {
      busy = false;
    }
  };
}

/** N seconds of V8's heap sampler (every allocation, collected or not), as a profile. */
async function capture(seconds: number, interval: number): Promise<Profile> {
  const [{ heapSampler }, { V8ProfileBuilder }] = await Promise.all([
    import('../v8/sampler.js'),
    import('../v8/sampling-profile.js'),
  ]);
  const sampler = heapSampler('alloc', interval);
  try {
    sampler.start();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const profile = sampler.stop();
    const builder = new V8ProfileBuilder(
      [
        {
          id: 'allocated',
          unit: 'bytes',
          label: 'allocated bytes',
          description: `Bytes allocated during the capture, sampled every ${interval} bytes by V8.`,
        },
      ],
      undefined,
      { chargeBuiltinsToCaller: true },
    );
    // the inspector's own message handling is the capture's, not the service's
    builder.addSamples(profile, profile.samples ?? [], 0, (f) => f.url.startsWith('node:inspector'));
    return builder.build(
      {
        format: 'node',
        durationMs: performance.now() - started,
        sampling: { intervalBytes: interval, mode: 'alloc', precise: false },
      },
      [],
    );
  } finally {
    sampler.close();
  }
}

/**
 * Memory V8 needs while it writes a snapshot, per byte of used heap: RSS grew by 10.7 × the
 * heap writing a 147 MB heap's snapshot (1.57 GB), measured on Node 20.
 */
const SNAPSHOT_MEMORY_PER_HEAP_BYTE = 11;

/** Bytes the process may still take: the cgroup's limit less what it holds, or the machine's available memory. */
function memoryAvailable(): number {
  const rss = process.memoryUsage.rss();
  let available = Number.POSITIVE_INFINITY;
  try {
    const meminfo = readFileSync('/proc/meminfo', 'utf8');
    const kb = /^MemAvailable:\s+(\d+) kB/m.exec(meminfo)?.[1];
    if (kb) available = Number(kb) * 1024;
  } catch {
    available = freemem();
  }
  const limit = cgroupMemoryLimit(process.pid);
  return limit > 0 ? Math.min(available, limit - rss) : available;
}

/** Writes a heap snapshot to a temporary file, streams it, removes it. */
async function serveSnapshot(
  res: ServerResponse,
  answer: (status: number, text: string, headers?: Record<string, string>) => boolean,
  available: number,
): Promise<boolean> {
  const needed = v8.getHeapStatistics().used_heap_size * SNAPSHOT_MEMORY_PER_HEAP_BYTE;
  if (needed > available)
    return answer(
      507,
      `refused: writing a snapshot needs about ${Math.round(needed / 2 ** 20)} MiB (${SNAPSHOT_MEMORY_PER_HEAP_BYTE} × the used heap) and ${Math.round(available / 2 ** 20)} MiB is available`,
    );
  const file = join(tmpdir(), `heapflame-${process.pid}-${Date.now()}.heapsnapshot`);
  try {
    v8.writeHeapSnapshot(file);
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-disposition': 'attachment; filename="heap.heapsnapshot"',
      'content-length': String(statSync(file).size),
    });
    await pipeline(createReadStream(file), res);
    return true;
  } catch (e) {
    if (res.headersSent) {
      res.destroy();
      return true;
    }
    return answer(503, `snapshot failed: ${(e as Error).message}`);
  } finally {
    rmSync(file, { force: true });
  }
}
