import { HeapflameError } from '../../model/errors.js';
import { type InputOptions, openInput } from '../io/input.js';

/**
 * The run length of a recording (last timestamp + 1 ms, as heaptrack_print counts it).
 * heaptrack files carry no header with it, so a window given in percent needs this quick
 * scan of the `c` lines before the real import.
 */
export async function recordingLength(path: string, options?: InputOptions): Promise<number> {
  const input = await openInput(path, options);
  let last = 0;
  let tail = Buffer.alloc(0);
  const marker = Buffer.from('\nc ');
  try {
    for await (const chunk of input.chunks()) {
      const buf = tail.length ? Buffer.concat([tail, chunk]) : chunk;
      let i = buf.indexOf(marker);
      let lastComplete = -1;
      while (i !== -1) {
        const nl = buf.indexOf(10, i + 3);
        if (nl === -1) break;
        const v = parseInt(buf.toString('latin1', i + 3, nl), 16);
        if (Number.isFinite(v)) last = v;
        lastComplete = nl;
        i = buf.indexOf(marker, nl);
      }
      // keep enough to see a marker split across chunks
      tail = Buffer.from(buf.subarray(Math.max(lastComplete, buf.length - 64)));
    }
  } finally {
    input.close();
  }
  if (last === 0 && tail.length === 0)
    throw new HeapflameError('could not find the run length (no time stamps)', { file: path });
  return last + 1;
}
