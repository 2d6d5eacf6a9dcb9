// The S3 demo server as the load benchmarks run it (bench/metrics-load.mjs,
// bench/record-soak.mjs): started by a command, ready once it says where it listens, with a
// bucket holding one 10 KB object for GETs.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Runs `node ...args` (a command that ends up serving the demo: `heapflame demo --serve`, the
 * server's own main.js, or either under `heapflame record`), waits for its "S3 server at"
 * line, and puts `bucket/object`. Resolves with the child and the server's URL.
 */
export async function startS3Server(args, bucket) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const url = await new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      const m = /S3 server at (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearInterval(poll);
        resolve(m[1]);
      }
    }, 20);
    child.once('exit', () => {
      clearInterval(poll);
      reject(new Error(`the S3 demo server did not start: ${out}`));
    });
  });
  await fetch(`${url}/${bucket}`, { method: 'PUT' });
  await fetch(`${url}/${bucket}/object`, { method: 'PUT', body: Buffer.alloc(10 * 1024, 7) });
  return { child, url };
}

/** A process's resident memory in bytes (Linux /proc), 0 once it is gone. */
export function rssBytes(pid) {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}
