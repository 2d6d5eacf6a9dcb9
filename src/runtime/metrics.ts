import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, Histogram, Registry, collectDefaultMetrics, openMetricsContentType } from 'prom-client';
import { peakRssBytes } from '../v8/peak-rss.js';
import { heapWatch } from '../v8/heap-watch.js';
import { httpMetrics, type HttpMetrics } from './http-metrics.js';

/**
 * heapflame/metrics: what a Node service's memory and latency look like to Prometheus, on a
 * prom-client registry: the heap (now and its true peak since start), RSS and its peak,
 * external and ArrayBuffer memory, event-loop lag, GC pauses, active async resources by type
 * (the forgotten-task signal), and an HTTP middleware for time to first byte.
 */
export interface MetricsOptions {
  /** The registry to fill (default: a new one). */
  registry?: Registry;
  /**
   * Also prom-client's default process metrics (CPU, file descriptors...), prefixed
   * heapflame_process_; default false. Three of them (nodejs_active_*_total) are gauges with a
   * _total suffix, which `promtool check metrics` flags: heapflame's own metrics pass it.
   */
  defaults?: boolean;
}

export interface HeapflameMetrics {
  registry: Registry;
  /** node:http / Express / Fastify-compatible middleware timing responses: see httpMiddleware. */
  http: HttpMetrics;
  stop(): void;
}

export function createMetrics(options: MetricsOptions = {}): HeapflameMetrics {
  const registry = options.registry ?? new Registry();
  if (options.defaults === true) collectDefaultMetrics({ register: registry, prefix: 'heapflame_process_' });
  const watch = heapWatch();
  // (registered in the order /metrics lists them)
  memoryGauges(registry, watch);
  const stopLag = eventLoopLag(registry);
  const stopGc = gcPauses(registry, watch);
  activeTasks(registry);
  const http = httpMetrics(registry);
  return {
    registry,
    http,
    stop() {
      stopLag();
      stopGc();
    },
  };
}

type HeapWatch = ReturnType<typeof heapWatch>;

/** The heap now and its true peak, RSS and its peak, the cgroup limit, memory outside the heap. */
function memoryGauges(registry: Registry, watch: HeapWatch): void {
  let rssPeak = 0;
  // what the used gauge reported in this scrape: a collection between the two reads must not
  // show a peak below the heap in use on the same page
  let usedShown = 0;
  new Gauge({
    name: 'heapflame_heap_used_bytes',
    help: 'JavaScript heap in use now (V8 used_heap_size), garbage not yet collected included.',
    registers: [registry],
    collect() {
      usedShown = watch.read().used;
      this.set(usedShown);
    },
  });
  new Gauge({
    name: 'heapflame_heap_peak_bytes',
    help: 'Highest JavaScript heap in use since the process started metrics: read by V8 before every collection, so no peak between scrapes is missed.',
    registers: [registry],
    collect() {
      this.set(Math.max(watch.read().max, usedShown));
    },
  });
  new Gauge({
    name: 'heapflame_rss_bytes',
    help: 'Resident set size of the process.',
    registers: [registry],
    collect() {
      const rss = process.memoryUsage.rss();
      rssPeak = Math.max(rssPeak, rss);
      this.set(rss);
    },
  });
  new Gauge({
    name: 'heapflame_rss_peak_bytes',
    help: "Highest resident set size of the process since it started (the kernel's VmHWM).",
    registers: [registry],
    collect() {
      this.set(Math.max(rssPeak, peakRssBytes()));
    },
  });
  new Gauge({
    name: 'heapflame_memory_limit_bytes',
    help: 'Memory the process may use, from its cgroup (0 when there is no limit).',
    registers: [registry],
    collect() {
      const limit = (process as { constrainedMemory?: () => number }).constrainedMemory?.() ?? 0;
      // no limit reads as 2^64 - 1
      this.set(limit > 0 && limit < 2 ** 60 ? limit : 0);
    },
  });
  new Gauge({
    name: 'heapflame_external_bytes',
    help: 'Memory outside the JavaScript heap held by JavaScript objects (Buffers, ArrayBuffers, native objects).',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage().external);
    },
  });
  new Gauge({
    name: 'heapflame_array_buffers_bytes',
    help: 'Memory of ArrayBuffers and SharedArrayBuffers, Buffers included.',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage().arrayBuffers);
    },
  });
}

/** Event-loop delay since the last scrape; returns what stops its monitor. */
function eventLoopLag(registry: Registry): () => void {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  new Gauge({
    name: 'heapflame_event_loop_lag_seconds',
    help: 'Event-loop delay since the last scrape, by percentile (50, 99, 100 = the longest).',
    labelNames: ['percentile'],
    registers: [registry],
    collect() {
      const s = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
      this.set({ percentile: '50' }, s(lag.percentile(50)));
      this.set({ percentile: '99' }, s(lag.percentile(99)));
      this.set({ percentile: '100' }, s(lag.max));
      lag.reset();
    },
  });
  return () => lag.disable();
}

/** GC pauses by kind, from the heap watch's collections; returns what stops listening. */
function gcPauses(registry: Registry, watch: HeapWatch): () => void {
  const gcPause = new Histogram({
    name: 'heapflame_gc_pause_seconds',
    help: 'Garbage collection pauses by kind (minor, major, incremental, weakcb), counted within a second of each collection.',
    labelNames: ['kind'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
    collect() {
      watch.read(); // (folds the collections since the last second in)
    },
  });
  return watch.onCollection((kind, seconds) => gcPause.observe({ kind }, seconds));
}

/** Async resources keeping the loop busy, by type: the forgotten-task signal. */
function activeTasks(registry: Registry): void {
  new Gauge({
    name: 'heapflame_active_tasks',
    help: 'Async resources keeping the event loop busy, by type (timers, sockets, servers...): a count that only rises is a task leak.',
    labelNames: ['type'],
    registers: [registry],
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const t of process.getActiveResourcesInfo()) counts.set(t, (counts.get(t) ?? 0) + 1);
      for (const [type, n] of counts) this.set({ type }, n);
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The metrics listener

export interface MetricsServerOptions {
  port?: number;
  /** Default 127.0.0.1: metrics are not for the world unless asked. */
  host?: string;
  registry: Registry;
  /**
   * Enables /debug/heapflame/heap (on-demand heap profiles) and /debug/heapflame/snapshot
   * (heap snapshots) behind this bearer token; also
   * taken from HEAPFLAME_PROFILE_TOKEN. Without a token the endpoint answers 404.
   */
  profileToken?: string;
  /** Heap snapshots needing more memory than this are refused (default: what is available). */
  snapshotMemoryLimit?: number;
  /** More routes on the same listener (the on-demand profiles); return true when handled. */
  extra?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
}

/** `/metrics` on its own listener, OpenMetrics when the scraper asks for it, classic text otherwise. */
export async function serveMetrics(options: MetricsServerOptions): Promise<Server & { url: string }> {
  const token = options.profileToken ?? process.env.HEAPFLAME_PROFILE_TOKEN;
  const profiles = (await import('./profile-endpoint.js')).profileEndpoint({
    token,
    snapshotMemoryLimit: options.snapshotMemoryLimit,
  });
  const server = createServer(async (req, res) => {
    try {
      if (await profiles(req, res)) return;
      if (options.extra && (await options.extra(req, res))) return;
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n');
        return;
      }
      const openMetrics = (req.headers.accept ?? '').includes('application/openmetrics-text');
      // (the registry's type fixes its content type; it switches for this answer only)
      if (openMetrics) options.registry.setContentType(openMetricsContentType as never);
      const body = await options.registry.metrics();
      res
        .writeHead(200, { 'content-type': options.registry.contentType })
        .end(req.method === 'HEAD' ? undefined : body);
      if (openMetrics) options.registry.setContentType('text/plain; version=0.0.4; charset=utf-8' as never);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`metrics failed: ${(e as Error).message}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9464, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return Object.assign(server, { url: `http://${options.host ?? '127.0.0.1'}:${port}` });
}

export { httpMetrics, type HttpMetrics } from './http-metrics.js';
export { startPyroscopePush, type PyroscopeOptions, type PyroscopePush } from './pyroscope.js';
