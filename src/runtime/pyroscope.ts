import { encodePprof } from '../export/pprof.js';
import { V8ProfileBuilder } from '../v8/sampling-profile.js';
import { heapSampler } from '../v8/sampler.js';

/**
 * Continuous heap profiles for Grafana Pyroscope: every interval, the objects alive in the
 * process (V8's heap sampler in in-use mode, after the runtime's own collections) are POSTed
 * as gzipped pprof to `/ingest?format=pprof` with the app's name and labels, as Pyroscope's own
 * Node SDK does. Pushes run in the background with retries and backoff; a push that fails is
 * dropped, never thrown, and the timers never keep the process alive.
 */
export interface PyroscopeOptions {
  /** e.g. http://pyroscope:4040 */
  serverAddress: string;
  appName: string;
  /** Labels of every profile (region, version...). */
  tags?: Record<string, string>;
  /** How often a profile is pushed (default 60 s). */
  intervalMs?: number;
  /** Bytes between samples (default 512 KiB, as Pyroscope's SDK). */
  samplingInterval?: number;
  authToken?: string;
  /** Grafana Cloud / multi-tenant: X-Scope-OrgID. */
  tenantId?: string;
  /** Attempts per push (default 3), waiting 1 s, 2 s, 4 s... between them. */
  attempts?: number;
  backoffMs?: number;
  /** Called with each push's outcome (tests, logs). */
  onPush?: (result: { ok: boolean; status?: number; error?: string; attempt: number }) => void;
}

export interface PyroscopePush {
  stop(): Promise<void>;
}

/** Labels in Pyroscope's name syntax: `app{k=v,...}`, with the characters it reserves removed. */
function appNameWithTags(app: string, tags: Record<string, string>): string {
  const clean = (s: string) => s.replace(/[{}=,\s]/g, '_');
  const pairs = Object.entries(tags).map(([k, v]) => `${clean(k)}=${clean(v)}`);
  return `${app}{${pairs.join(',')}}`;
}

export function startPyroscopePush(options: PyroscopeOptions): PyroscopePush {
  const interval = options.intervalMs ?? 60_000;
  const samplingInterval = options.samplingInterval ?? 512 * 1024;
  // in-use mode: only objects still alive are sampled (the inspector's sampler, readable while it runs)
  const sampler = heapSampler('live', samplingInterval);
  sampler.start();
  let from = Math.floor(Date.now() / 1000);
  let stopped = false;
  const pending = new Set<Promise<void>>();

  const push = async () => {
    const until = Math.floor(Date.now() / 1000);
    let body: Buffer;
    try {
      const profile = sampler.peek();
      const builder = new V8ProfileBuilder(
        [
          {
            id: 'inuse',
            unit: 'bytes',
            label: 'in-use bytes',
            description: 'Bytes of sampled objects alive at the push.',
          },
        ],
        undefined,
        { chargeBuiltinsToCaller: true },
      );
      builder.addSamples(profile, profile.samples ?? [], 0, (f) => f.url.startsWith('node:inspector'));
      body = encodePprof(
        builder.build(
          { format: 'node', sampling: { intervalBytes: samplingInterval, mode: 'live', precise: false } },
          [],
        ),
      );
    } catch (e) {
      options.onPush?.({ ok: false, error: (e as Error).message, attempt: 0 });
      return;
    }
    const url = new URL('/ingest', options.serverAddress);
    url.searchParams.set('name', appNameWithTags(options.appName, options.tags ?? {}));
    url.searchParams.set('from', String(from));
    url.searchParams.set('until', String(Math.max(until, from)));
    url.searchParams.set('format', 'pprof');
    url.searchParams.set('spyName', 'heapflame');
    from = until;
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (options.authToken) headers.authorization = `Bearer ${options.authToken}`;
    if (options.tenantId) headers['x-scope-orgid'] = options.tenantId;
    const attempts = Math.max(1, options.attempts ?? 3);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer().catch(() => undefined);
        const ok = res.ok;
        options.onPush?.({ ok, status: res.status, attempt });
        // a client error will not get better by trying again
        if (ok || (res.status >= 400 && res.status < 500 && res.status !== 429)) return;
      } catch (e) {
        options.onPush?.({ ok: false, error: (e as Error).message, attempt });
      }
      if (attempt < attempts && !stopped) await sleep((options.backoffMs ?? 1000) * 2 ** (attempt - 1));
    }
  };

  const timer = setInterval(() => {
    const p = push().catch(() => undefined);
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }, interval);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all(pending);
      sampler.stop();
      sampler.close();
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
