import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProfile } from '../load.js';
import { foldedChunks } from '../export/folded.js';
import { renderTextReport } from '../export/report-text.js';
import { renderJsonReport } from '../export/report-json.js';
import { writeOutput } from '../export/write-file.js';
import { formatBytes } from '../export/format.js';

/** The bundled recording: a Rust S3 GET handler simulation (examples/s3-get-native). */
export const DEMO_RECORDING = fileURLToPath(new URL('../../../examples/demo/heaptrack.s3-get.zst', import.meta.url));

export async function runDemo(outDir: string): Promise<void> {
  const profile = await loadProfile(DEMO_RECORDING);
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  const write = async (name: string, chunks: Iterable<string>) => {
    const path = join(outDir, name);
    await writeOutput(path, chunks);
    written.push(path);
  };
  await write('report.txt', [renderTextReport(profile)]);
  await write('report.json', [renderJsonReport(profile, { file: DEMO_RECORDING })]);
  for (const cost of profile.costs) await write(`${cost.id}.folded`, foldedChunks(profile, { cost: cost.id }));

  const t = profile.totals;
  process.stdout.write(
    [
      'heapflame demo: a simulated S3 GET server (Rust), recorded with heaptrack',
      `  ${t.allocations} allocations, ${t.temporary} temporary, peak ${formatBytes(t.peak)}, leaked ${formatBytes(t.leaked)}`,
      '',
      ...written.map((p) => `  wrote ${p}`),
      '',
      `Next: read ${join(outDir, 'report.txt')}, or draw ${join(outDir, 'leaked.folded')} as a flame graph.`,
      '',
    ].join('\n'),
  );
}
