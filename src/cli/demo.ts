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
    if (run.exitCode !== 0 || !run.files.includes(resolve(file)))
      throw new Error(`the demo program (${v.name}) did not record: exit ${run.exitCode ?? run.signal}`);
    written.push(file);
    const p = (v.profile = await loadProfile(file));
    await write(`${v.name}.report.txt`, [renderTextReport(p)]);
    await write(`${v.name}.html`, [renderHtml(p, { title: `heapflame demo: S3 GET ${v.name} the fix` })]);
    await write(`${v.name}.svg`, [
      renderSvg(p, { cost: 'allocated', title: `heapflame demo: bytes allocated, ${v.name} the fix` }),
    ]);
  }
  const [before, after] = variants.map((v) => v.profile!);
  for (const cost of ['allocated', 'tasks']) {
    // widths from BASE: what the fix took away shows, in blue
    const diff = diffProfiles(before, after, cost);
    await write(`diff-${cost}.svg`, [
      renderSvg(diff, { negate: true, title: `heapflame demo: ${cost}, before → after the fix` }),
    ]);
    await write(`diff-${cost}.html`, [renderHtml(diff, { title: `heapflame demo diff: ${cost}` })]);
  }

  // the native version, recorded with heaptrack
  const native = await loadProfile(DEMO_RECORDING, { lifetimes: true });
  await write('native/report.txt', [renderTextReport(native)]);
  await write('native/report.html', [renderHtml(native, { title: 'heapflame demo: the native S3 GET (heaptrack)' })]);
  await write('native/report.json', [renderJsonReport(native, { file: DEMO_RECORDING })]);
  for (const cost of native.costs) await write(`native/${cost.id}.folded`, foldedChunks(native, { cost: cost.id }));

  const churn = (p: Profile) =>
    topEntries(p, 'allocated', { limit: 20 }).find((e) => p.frames[e.frame].name === 'readObjectBody')?.value ?? 0;
  const row = (label: string, f: (p: Profile) => string) =>
    `  ${label.padEnd(34)}${f(before).padStart(12)}${f(after).padStart(12)}`;
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
