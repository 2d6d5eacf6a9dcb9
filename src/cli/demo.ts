import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffProfiles } from '../analyze/diff.js';
import { topEntries } from '../analyze/top.js';
import { loadProfile } from '../load.js';
import { foldedChunks } from '../export/folded.js';
import { renderTextReport } from '../export/report-text.js';
import { renderJsonReport } from '../export/report-json.js';
import { renderHtml } from '../export/html.js';
import { renderSvg } from '../export/svg.js';
import { writeOutput } from '../export/write-file.js';
import { formatBytes, formatInt } from '../export/format.js';
import type { Profile } from '../model/profile.js';
import { record } from '../record/run.js';

/** The bundled recording: a Rust S3 GET handler simulation (examples/s3-get-native). */
export const DEMO_RECORDING = fileURLToPath(new URL('../../../examples/demo/heaptrack.s3-get.zst', import.meta.url));
/** The TypeScript S3 GET example, as the build compiles it (examples/s3-get). */
export const DEMO_PROGRAM = fileURLToPath(new URL('../../examples/s3-get/main.js', import.meta.url));

/**
 * The loop on the seed's example: record the S3 GET program with its planted problems and
 * fixed, draw both, show what the fix removed; and the native version's heaptrack recording.
 */
export async function runDemo(outDir: string): Promise<void> {
  await mkdir(join(outDir, 'native'), { recursive: true });
  const written: string[] = [];
  const write = async (name: string, chunks: Iterable<string>) => {
    const path = join(outDir, name);
    await writeOutput(path, chunks);
    written.push(path);
  };

  const variants: { name: string; flags: string[]; profile?: Profile; ms?: number }[] = [
    { name: 'before', flags: [] },
    { name: 'after', flags: ['--fixed'] },
  ];
  for (const v of variants) {
    const file = join(outDir, `${v.name}.heapflame`);
    const t0 = performance.now();
    const run = await record({ command: [process.execPath, DEMO_PROGRAM, ...v.flags], out: file });
    v.ms = performance.now() - t0;
    // record names its files by absolute path, whatever the output directory was given as
    if (run.exitCode !== 0 || !run.files.includes(resolve(file))) throw new Error(`the demo program (${v.name}) did not record: exit ${run.exitCode ?? run.signal}`);
    written.push(file);
    const p = (v.profile = await loadProfile(file));
    await write(`${v.name}.report.txt`, [renderTextReport(p)]);
    await write(`${v.name}.html`, [renderHtml(p, { title: `heapflame demo: S3 GET ${v.name} the fix` })]);
    await write(`${v.name}.svg`, [renderSvg(p, { cost: 'allocated', title: `heapflame demo: bytes allocated, ${v.name} the fix` })]);
  }
  const [before, after] = variants.map((v) => v.profile!);
  for (const cost of ['allocated', 'tasks']) {
    // widths from BASE: what the fix took away shows, in blue
    const diff = diffProfiles(before, after, cost);
    await write(`diff-${cost}.svg`, [renderSvg(diff, { negate: true, title: `heapflame demo: ${cost}, before → after the fix` })]);
    await write(`diff-${cost}.html`, [renderHtml(diff, { title: `heapflame demo diff: ${cost}` })]);
  }

  // the native version, recorded with heaptrack
  const native = await loadProfile(DEMO_RECORDING);
  await write('native/report.txt', [renderTextReport(native)]);
  await write('native/report.json', [renderJsonReport(native, { file: DEMO_RECORDING })]);
  for (const cost of native.costs) await write(`native/${cost.id}.folded`, foldedChunks(native, { cost: cost.id }));

  const churn = (p: Profile) => topEntries(p, 'allocated', { limit: 20 }).find((e) => p.frames[e.frame].name === 'readObjectBody')?.value ?? 0;
  const row = (label: string, f: (p: Profile) => string) => `  ${label.padEnd(34)}${f(before).padStart(12)}${f(after).padStart(12)}`;
  const nt = native.totals;
  process.stdout.write(
    [
      '',
      'heapflame demo: 500 S3 GET requests (examples/s3-get), recorded with planted problems and fixed',
      `  ${''.padEnd(34)}${'before'.padStart(12)}${'after'.padStart(12)}`,
      row('bytes allocated (sampled)', (p) => formatBytes(p.totals.allocated)),
      row('  of which readObjectBody (churn)', (p) => formatBytes(churn(p))),
      row('forgotten tasks at exit', (p) => formatInt(p.totals.tasks)),
      row('peak RSS', (p) => formatBytes(p.meta.peakRssBytes ?? 0)),
      row('run time', (p) => `${((p.meta.durationMs ?? 0) / 1000).toFixed(2)} s`),
      '',
      'The native version (Rust, recorded with heaptrack, examples/s3-get-native):',
      `  ${nt.allocations} allocations, ${nt.temporary} temporary, peak ${formatBytes(nt.peak)}, leaked ${formatBytes(nt.leaked)}`,
      '',
      ...written.map((p) => `  wrote ${p}`),
      '',
      `Next: open ${join(outDir, 'before.html')} and ${join(outDir, 'diff-allocated.html')} in a browser.`,
      '',
    ].join('\n'),
  );
}

/**
 * `demo --serve`: the S3 demo server (examples/s3-server), instrumented: TTFB middleware,
 * metrics and on-demand profiles on their own listener. Runs until SIGINT or SIGTERM.
 */
export async function serveDemo(options: { port: number; metricsPort: number; host: string; dataDir: string; profileToken?: string; tlsCert?: string; tlsKey?: string; instrument?: boolean }): Promise<void> {
  const [{ createS3Server, removeStaleUploads }, { createMetrics, serveMetrics }, { readFileSync }] = await Promise.all([
    import(new URL('../../examples/s3-server/server.js', import.meta.url).href) as Promise<typeof import('../../examples/s3-server/server.js')>,
    import('../runtime/metrics.js'),
    import('node:fs'),
  ]);
  await mkdir(options.dataDir, { recursive: true });
  const stale = await removeStaleUploads(options.dataDir);
  // (without instrumentation: the baseline of the load benchmark)
  const metrics = options.instrument === false ? null : createMetrics();
  const tls = options.tlsCert && options.tlsKey ? { cert: readFileSync(options.tlsCert), key: readFileSync(options.tlsKey) } : undefined;
  const server = createS3Server({ dataDir: options.dataDir, instrument: metrics?.http.middleware, tls });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const metricsServer = metrics ? await serveMetrics({ registry: metrics.registry, port: options.metricsPort, host: options.host, profileToken: options.profileToken }) : null;
  const address = server.address() as { port: number };
  process.stdout.write(
    [
      `heapflame demo: S3 server at ${tls ? 'https' : 'http'}://${options.host}:${address.port} (path-style, data in ${options.dataDir})`,
      ...(stale ? [`  removed ${stale} temporary file${stale === 1 ? '' : 's'} of uploads cut short by an earlier run`] : []),
      metricsServer ? `  metrics at ${metricsServer.url}/metrics${options.profileToken ? `, heap profiles at ${metricsServer.url}/debug/heapflame/heap (bearer token)` : ''}` : '  not instrumented',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      server.close();
      metricsServer?.close();
      metrics?.stop();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
