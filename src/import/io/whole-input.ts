import { HeapflameError } from '../../model/errors.js';
import type { Profile } from '../../model/profile.js';
import { type InputOptions, openInput } from './input.js';
import { DEFAULT_MAX_WHOLE_BYTES } from '../../model/limits.js';

const mib = (bytes: number) => `${Math.round((bytes / 2 ** 20) * 10) / 10} MiB`;

/** The whole (decompressed) input, for formats that cannot be parsed in pieces. */
export async function readWhole(
  path: string,
  what: string,
  options?: InputOptions,
): Promise<{ bytes: Buffer; warnings: string[] }> {
  const input = await openInput(path, options);
  const max = options?.maxWholeBytes ?? DEFAULT_MAX_WHOLE_BYTES;
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of input.chunks()) {
      size += chunk.length;
      // checked before the chunk is kept: at most the bound is ever held
      if (size > max) {
        throw new HeapflameError(
          `more than ${mib(max)} of ${what} once decompressed; ${what} is read whole, up to --max-document (default ${mib(DEFAULT_MAX_WHOLE_BYTES)})`,
          { file: path },
        );
      }
      parts.push(Buffer.from(chunk));
    }
  } finally {
    input.close();
  }
  return { bytes: Buffer.concat(parts), warnings: input.warnings };
}

export async function readJsonDocument(
  path: string,
  options?: InputOptions,
): Promise<{ doc: unknown; warnings: string[] }> {
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
