import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Project root (tests run from dist/test/...). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** ../shared beside the project root: fixtures and reference outputs. */
export const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));
export const HEAPTRACK_FIXTURES = join(SHARED, 'fixtures/heaptrack');
export const CLI = join(ROOT, 'dist/src/cli/main.js');

export function fixture(rel: string): string {
  return join(HEAPTRACK_FIXTURES, rel);
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

export function runCli(args: string[], options: { input?: Buffer | string; cwd?: string; timeout?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input: options.input,
    cwd: options.cwd,
    timeout: options.timeout ?? 60_000,
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function zstdText(path: string): string {
  return execFileSync('zstd', ['-dc', path], { maxBuffer: 1 << 30 }).toString('latin1');
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
