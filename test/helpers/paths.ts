import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { decompress } from 'fzstd';

/** Project root (tests run from dist/test/...). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/**
 * The recordings and the reference tools' outputs the tests read (test/fixtures/README.md).
 * Text files over 16 KB are stored zstd-compressed as NAME.zst.
 */
export const FIXTURES = join(ROOT, 'test/fixtures');
export const HEAPTRACK_FIXTURES = join(FIXTURES, 'heaptrack');
export const CLI = join(ROOT, 'dist/src/cli/main.js');

/** A heaptrack fixture, by its path under test/fixtures/heaptrack. */
export function fixture(rel: string): string {
  return join(HEAPTRACK_FIXTURES, rel);
}

/**
 * Any fixture's file, by its path under test/fixtures: NAME, or NAME.zst where only the
 * compressed copy is stored (every importer reads zstd).
 */
export function fixtureFile(rel: string): string {
  const plain = join(FIXTURES, rel);
  return existsSync(plain) ? plain : `${plain}.zst`;
}

/** A fixture's bytes as written by the tool that made it (stored compressed or not). */
export function fixtureBytes(rel: string): Buffer {
  const file = fixtureFile(rel);
  const bytes = readFileSync(file);
  return file.endsWith('.zst') ? Buffer.from(decompress(bytes)) : bytes;
}

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** In CI every tool .ci/run installs must be there: a missing one fails instead of skipping. */
export function requireOrSkip(cmd: string): string | undefined {
  if (hasCommand(cmd)) return undefined;
  if (process.env.CI) throw new Error(`${cmd} is not installed, but CI must have it (.ci/run installs it)`);
  return `${cmd} is not installed`;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  options: { input?: Buffer | string; cwd?: string; timeout?: number } = {},
): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input: options.input,
    cwd: options.cwd,
    timeout: options.timeout ?? 60_000,
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A zstd file's text (latin1: byte for byte), without the zstd command. */
export function zstdText(path: string): string {
  return Buffer.from(decompress(readFileSync(path))).toString('latin1');
}

/** A temporary folder removed after the tests, and a writer of numbered files in it. */
export function tempFiles(prefix: string, suffix = '') {
  const dir = mkdtempSync(join(tmpdir(), `heapflame-${prefix}-`));
  let n = 0;
  return {
    dir,
    file(data: string | Buffer): string {
      const p = join(dir, `f${n++}${suffix}`);
      writeFileSync(p, data);
      return p;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
