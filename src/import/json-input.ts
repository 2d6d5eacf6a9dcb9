import { HeapflameError } from '../model/errors.js';
import { type InputOptions, openInput } from './input.js';

/** JSON formats are one document: read whole (decompressed as needed), up to this bound. */
const MAX_JSON_BYTES = 1 << 30;

export async function readJsonDocument(path: string, options?: InputOptions): Promise<{ doc: unknown; warnings: string[] }> {
  const input = await openInput(path, options);
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of input.chunks()) {
      size += chunk.length;
      if (size > MAX_JSON_BYTES) throw new HeapflameError(`larger than ${MAX_JSON_BYTES >> 20} MiB of JSON`, { file: path });
      parts.push(Buffer.from(chunk));
    }
  } finally {
    input.close();
  }
  try {
    return { doc: JSON.parse(Buffer.concat(parts).toString('utf8')), warnings: input.warnings };
  } catch (e) {
    const why = input.warnings.length ? ` (${input.warnings[0]})` : '';
    throw new HeapflameError(`not valid JSON${why}: ${(e as Error).message}`, { file: path });
  }
}

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
