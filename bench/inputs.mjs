// The benchmarks' large inputs, made on first use and cached in bench/.cache (git-ignored):
// heaptrack recordings of the C programs in bench/big and bench/deep, and folded stacks from
// bench/gen-folded.mjs. Nothing is read from outside the repository.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = fileURLToPath(new URL('.', import.meta.url));
export const projectRoot = path.resolve(benchDir, '..');
export const cacheDir = path.join(benchDir, '.cache');

/** The executable's path on PATH, or null. */
export function which(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** What each recording's program is built or run with. */
const RECORDING_TOOL = { big: 'gcc', deep: 'gcc', small: 'gcc', compiler: 'g++', node: 'node' };

/**
 * heaptrack.NAME.zst for NAME big, deep, compiler, node or small, recorded by
 * bench/make-recording.sh on first use. Returns { file } or { skip: reason }.
 */
export function benchRecording(name) {
  const file = path.join(cacheDir, `heaptrack.${name}.zst`);
  if (fs.existsSync(file)) return { file };
  const missing = ['heaptrack', RECORDING_TOOL[name] ?? 'gcc', 'zstd'].filter((t) => !which(t));
  if (missing.length) return { skip: `${missing.join(', ')} not installed, cannot create it` };
  console.log(`creating ${path.relative(projectRoot, file)} with bench/make-recording.sh ${name} (about 20-40 s) ...`);
  const r = spawnSync('bash', [path.join(benchDir, 'make-recording.sh'), name], {
    cwd: projectRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0 || !fs.existsSync(file))
    return { skip: `bench/make-recording.sh ${name} failed (exit ${r.status ?? r.signal})` };
  return { file };
}

/** Folded stacks from bench/gen-folded.mjs (deterministic for a seed), cached as NAME. */
export function generatedFolded(name, stacks, seed) {
  const file = path.join(cacheDir, name);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(cacheDir, { recursive: true });
  console.log(`generating ${name}: gen-folded.mjs --stacks ${stacks} --seed ${seed} ...`);
  const out = fs.openSync(`${file}.partial`, 'w');
  const r = spawnSync(
    process.execPath,
    [path.join(benchDir, 'gen-folded.mjs'), '--stacks', String(stacks), '--seed', String(seed)],
    { stdio: ['ignore', out, 'inherit'] },
  );
  fs.closeSync(out);
  if (r.status !== 0) return null;
  fs.renameSync(`${file}.partial`, file);
  return file;
}

/** A folded file kept zstd-compressed in test/fixtures/folded, decompressed into the cache. */
export function fixtureFolded(name) {
  const file = path.join(cacheDir, name);
  if (fs.existsSync(file)) return file;
  const stored = path.join(projectRoot, 'test/fixtures/folded', `${name}.zst`);
  if (!fs.existsSync(stored) || !which('zstd')) return null;
  fs.mkdirSync(cacheDir, { recursive: true });
  const r = spawnSync('zstd', ['-q', '-d', '-f', stored, '-o', `${file}.partial`]);
  if (r.status !== 0) return null;
  fs.renameSync(`${file}.partial`, file);
  return file;
}
