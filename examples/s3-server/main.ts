import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createMetrics, serveMetrics } from '../../src/runtime/metrics.js';
import { createS3Server, removeStaleUploads } from './server.js';

/**
 * The S3 demo server as a program (`heapflame demo --serve` runs it): instrumented with
 * heapflame/metrics — TTFB middleware, metrics and on-demand heap profiles on their own
 * listener — until SIGINT or SIGTERM, or until the `heapflame` that started it is gone.
 *
 *   node dist/examples/s3-server/main.js --port 9000 --metrics-port 9464 --data DIR
 *     [--host 127.0.0.1] [--profile-token T] [--tls-cert PEM --tls-key PEM] [--no-instrument]
 */
const { values: options } = parseArgs({
  options: {
    port: { type: 'string', default: '9000' },
    'metrics-port': { type: 'string', default: '9464' },
    host: { type: 'string', default: '127.0.0.1' },
    data: { type: 'string', default: 's3-data' },
    'profile-token': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'no-instrument': { type: 'boolean', default: false },
  },
});

/** Serves until stopped; its failures (a port in use, an unreadable certificate) end it with one line. */
async function serve(): Promise<void> {
  await mkdir(options.data, { recursive: true });
  const stale = await removeStaleUploads(options.data);
  // (without instrumentation: the baseline of the load benchmark)
  const metrics = options['no-instrument'] ? null : createMetrics();
  const tls =
    options['tls-cert'] && options['tls-key']
      ? { cert: readFileSync(options['tls-cert']), key: readFileSync(options['tls-key']) }
      : undefined;
  const server = createS3Server({ dataDir: options.data, instrument: metrics?.http.middleware, tls });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(options.port), options.host, () => resolve());
  });
  const metricsServer = metrics
    ? await serveMetrics({
        registry: metrics.registry,
        port: Number(options['metrics-port']),
        host: options.host,
        profileToken: options['profile-token'],
      })
    : null;
  const address = server.address() as { port: number };
  process.stdout.write(
    [
      `heapflame demo: S3 server at ${tls ? 'https' : 'http'}://${options.host}:${address.port} (path-style, data in ${options.data})`,
      ...(stale
        ? [`  removed ${stale} temporary file${stale === 1 ? '' : 's'} of uploads cut short by an earlier run`]
        : []),
      metricsServer
        ? `  metrics at ${metricsServer.url}/metrics${options['profile-token'] ? `, heap profiles at ${metricsServer.url}/debug/heapflame/heap (bearer token)` : ''}`
        : '  not instrumented',
      '',
    ].join('\n'),
  );

  let stopped = false;
  function stop() {
    if (stopped) return;
    stopped = true;
    server.close();
    metricsServer?.close();
    metrics?.stop();
    process.disconnect?.();
  }
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // started by heapflame (an IPC channel): end with it, even when it was killed
  process.once('disconnect', stop);
}

serve().catch((e: unknown) => {
  process.stderr.write(`heapflame demo: ${e instanceof Error ? e.message : String(e)}\n`);
  // (a listener that did start would keep the process up)
  process.exit(2);
});
