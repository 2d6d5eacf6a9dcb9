import { HeapflameError } from '../model/errors.js';
import { openInput, type InputOptions } from './input.js';

export type Format = 'heaptrack' | 'folded';

/**
 * Which importer reads a file, from its first decompressed bytes (not its name): heaptrack
 * files start with `v <hex>`, raw ones with `v` then `x`; folded stacks end lines in a count.
 */
export async function detectFormat(path: string, options?: InputOptions): Promise<Format> {
  if (path === '-') throw new HeapflameError('standard input needs its format named (--format heaptrack or folded)');
  const input = await openInput(path, options);
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of input.chunks()) {
      head = Buffer.concat([head, chunk]);
      if (head.length >= 4096) break;
    }
  } finally {
    input.close();
  }
  const text = head.toString('latin1');
  if (/^v [0-9a-f]+( [0-9a-f]+)?\n/.test(text)) return 'heaptrack';
  const lines = text.split('\n').slice(0, -1).filter((l) => l.trim() !== '');
  if (lines.length > 0 && lines.some((l) => /\s\d+(\.\d*)?\s*$/.test(l))) return 'folded';
  throw new HeapflameError('not a format heapflame reads; tried: heaptrack (first line "v <version> <format>"), folded stacks ("frame;frame count" lines)', {
    file: path,
  });
}
