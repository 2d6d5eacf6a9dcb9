import { HeapflameError } from '../model/errors.js';
import type { Profile } from '../model/profile.js';
import { type InputOptions, openInput } from './input.js';

/** Formats read whole (one JSON document, one protobuf message): up to this bound. */
const MAX_WHOLE_BYTES = 1 << 30;

/** The whole (decompressed) input, for formats that cannot be parsed in pieces. */
export async function readWhole(path: string, what: string, options?: InputOptions): Promise<{ bytes: Buffer; warnings: string[] }> {
  const input = await openInput(path, options);
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of input.chunks()) {
      size += chunk.length;
      if (size > MAX_WHOLE_BYTES) throw new HeapflameError(`larger than ${MAX_WHOLE_BYTES >> 20} MiB of ${what}`, { file: path });
      parts.push(Buffer.from(chunk));
    }
  } finally {
    input.close();
  }
  return { bytes: Buffer.concat(parts), warnings: input.warnings };
}

export async function readJsonDocument(path: string, options?: InputOptions): Promise<{ doc: unknown; warnings: string[] }> {
  const { bytes, warnings } = await readWhole(path, 'JSON', options);
  try {
    return { doc: JSON.parse(bytes.toString('utf8')), warnings };
  } catch (e) {
    const why = warnings.length ? ` (${warnings[0]})` : '';
    throw new HeapflameError(`not valid JSON${why}: ${(e as Error).message}`, { file: path });
  }
}

/** An importer for a JSON format, from its function of the parsed document. */
export function jsonImporter(fromDocument: (doc: unknown, path: string, warnings: string[]) => Profile) {
  return async (path: string, options: { input?: InputOptions } = {}): Promise<Profile> => {
    const { doc, warnings } = await readJsonDocument(path, options.input);
    return fromDocument(doc, path, warnings);
  };
}

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
