import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { join } from 'node:path';
import { CLI, ROOT } from './paths.js';

/** The S3 demo server as a child process, and a plain HTTP client for it. */

export interface DemoServer {
  url: string;
  child: ChildProcess;
  output: () => string;
}

/** The server's program, as the build compiles it (what `heapflame demo --serve` runs). */
export const SERVER_PROGRAM = join(ROOT, 'dist/examples/s3-server/main.js');

/**
 * Starts the server: through `heapflame demo --serve` (`via: 'cli'`), or its program itself,
 * so that a signal sent to `child` reaches the server (the SIGKILL tests).
 */
export function startDemoServer(
  dataDir: string,
  args: string[] = [],
  via: 'cli' | 'program' = 'program',
): Promise<DemoServer> {
  const start = via === 'cli' ? [CLI, 'demo', '--serve'] : [SERVER_PROGRAM];
  const child = spawn(process.execPath, [...start, '--port', '0', '--metrics-port', '0', '--data', dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      const url = /S3 server at (https?:\/\/[\d.]+:\d+)/.exec(out)?.[1];
      if (url && /metrics at|not instrumented/.test(out)) {
        clearInterval(poll);
        resolve({ url, child, output: () => out });
      }
    }, 10);
    child.once('exit', () => {
      clearInterval(poll);
      reject(new Error(`the demo server ended: ${out}`));
    });
  });
}

/** Sends SIGKILL and waits until the process is gone. */
export async function kill(server: DemoServer): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const gone = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGKILL');
  await gone;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body ended before its Content-Length (the connection was cut). */
  cut: boolean;
}

/** One request with exactly these headers and body; rejects only when no answer came. */
export function send(
  url: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer | string; timeout?: number } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const req = request(`${url}${path}`, {
      method,
      headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...options.headers },
      agent: false,
      timeout: options.timeout ?? 10_000,
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      const finish = (cut: boolean) =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), cut });
      res.on('end', () => finish(!res.complete));
      res.on('error', () => finish(true));
      res.on('aborted', () => finish(true));
    });
    req.end(body);
  });
}

export const md5 = (bytes: Buffer | string) => createHash('md5').update(bytes).digest('hex');
