import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { findSourceMap, SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { V8CallFrame } from '../v8/sampling-profile.js';

/** Larger scripts and maps are left as they are (a bundle's map can be huge). */
const MAX_MAP_BYTES = 64 << 20;
/** The source map comment closes a compiled file: only its tail is read. */
const TAIL_BYTES = 4096;

/**
 * The frame in its original source where there is a source map for its script: the one Node
 * loaded (tsx, --enable-source-maps), else the map the compiled file names in its
 * `//# sourceMappingURL=` comment (tsc, esbuild), read from disk. The recorder never turns
 * Node's source map support on: that would change the program's own stack traces.
 */
const maps = new Map<string, SourceMap | null>();
export function originalPosition(cf: V8CallFrame): V8CallFrame {
  if (!isScriptUrl(cf.url)) return cf;
  let map = maps.get(cf.url);
  if (map === undefined) {
    map = scriptMap(cf.url);
    maps.set(cf.url, map);
  }
  return map ? positionIn(map, cf) : cf;
}

/** A frame of a script file (`file:` URL or path): the kind of frame a source map can move. */
export function isScriptUrl(url: string): boolean {
  return url.startsWith('file:') || url.startsWith('/');
}

/** The frame's original position in `map`, or the frame itself where the map has none. */
export function positionIn(map: SourceMap, cf: V8CallFrame): V8CallFrame {
  try {
    const entry = map.findEntry(Math.max(cf.lineNumber, 0), Math.max(cf.columnNumber, 0));
    if (!entry || !('originalSource' in entry)) return cf;
    return { ...cf, url: entry.originalSource, lineNumber: entry.originalLine, columnNumber: entry.originalColumn };
  } catch {
    return cf;
  }
}

/**
 * The maps this thread's Node loaded for `urls` (a loader's in-memory code, such as tsx's, has
 * no map on disk), as payloads another thread can make a SourceMap of: null where there is none.
 */
export function loadedMapPayloads(urls: string[]): (SourceMapPayload | null)[] {
  return urls.map((url) => {
    try {
      return loadedMap(url)?.payload ?? null;
    } catch {
      return null;
    }
  });
}

/** The map Node loaded for a script, by its URL or its path. */
function loadedMap(url: string): SourceMap | undefined {
  return findSourceMap(url) ?? (url.startsWith('file:') ? findSourceMap(fileURLToPath(url)) : undefined);
}

/**
 * A script's map, or null, looked for once per script: a script naming a map that is not there
 * (TypeScript 5's own _tsc.js names _tsc.js.map, which its package leaves out) was read again
 * for every frame, and the recording of a compile took 13 s at exit.
 */
function scriptMap(url: string): SourceMap | null {
  try {
    return loadedMap(url) ?? mapNamedBy(url.startsWith('file:') ? fileURLToPath(url) : url);
  } catch {
    return null;
  }
}

/** The source map a compiled file's last comment names (a file beside it, or a data: URL), or null. */
function mapNamedBy(file: string): SourceMap | null {
  const comment = /\/\/[#@] sourceMappingURL=(\S+)\s*$/.exec(tail(file));
  if (!comment) return null;
  const ref = comment[1];
  let text: string;
  let mapFile = file;
  if (ref.startsWith('data:')) {
    const base64 = /^data:application\/json(?:;charset=[\w-]+)?;base64,(.*)$/.exec(ref);
    if (!base64) return null;
    text = Buffer.from(base64[1], 'base64').toString('utf8');
  } else {
    mapFile = resolve(dirname(file), decodeURIComponent(ref));
    text = readBounded(mapFile);
  }
  const payload = JSON.parse(text) as SourceMapPayload;
  if (!Array.isArray(payload.sources) || typeof payload.mappings !== 'string') return null;
  // sources are relative to the map (and its sourceRoot); frames name files by absolute URL
  const root = resolve(dirname(mapFile), typeof payload.sourceRoot === 'string' ? payload.sourceRoot : '');
  payload.sources = payload.sources.map((s) =>
    typeof s === 'string' && !/^[a-z]+:/i.test(s) ? pathToFileURL(resolve(root, s)).href : s,
  );
  return new SourceMap(payload);
}

function tail(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, TAIL_BYTES));
    readSync(fd, buf, 0, buf.length, size - buf.length);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function readBounded(file: string): string {
  const fd = openSync(file, 'r');
  try {
    if (fstatSync(fd).size > MAX_MAP_BYTES) throw new Error('source map too large');
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
