import { once } from 'node:events';
import { createWriteStream, promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file atomically: into a temporary file beside it, then renamed over the target,
 * so readers never see half a file and a failed run leaves the old file in place.
 * `-` writes to standard output.
 */
export async function writeOutput(
  path: string,
  chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
): Promise<void> {
  if (path === '-') {
    for await (const chunk of chunks) {
      if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
    }
    return;
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const out = createWriteStream(tmp);
  try {
    for await (const chunk of chunks) {
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    await fsp.rename(tmp, path);
  } catch (e) {
    out.destroy();
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}
