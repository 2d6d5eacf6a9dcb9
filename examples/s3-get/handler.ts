import type { ObjectCatalog, ObjectInfo } from './objects.js';

/**
 * The GET object handler, in two versions. `slow` has the seed's problems planted:
 * - readObjectBody grows the response one byte at a time, so the body is reallocated and
 *   copied again and again (buffer reallocation churn);
 * - startAccessLogTask starts a background task that nobody awaits or cancels: an interval
 *   that keeps a reference to the request's body, and a promise that never settles.
 * `fixed` pre-sizes the body and awaits the log write.
 */
export interface GetResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** What a real server would wait on: the disk, the network. */
const latency = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function handleGetObject(catalog: ObjectCatalog, key: string, fixed: boolean): Promise<GetResponse> {
  await latency();
  const info = catalog.lookup(key);
  if (!info) return { status: 404, headers: {}, body: new Uint8Array(0) };
  const body = fixed ? readObjectBodyPresized(catalog, info) : readObjectBody(catalog, info);
  const headers = { 'content-length': String(body.length), etag: info.etag, 'content-type': 'image/jpeg' };
  if (fixed) await writeAccessLog(key, body.length);
  else startAccessLogTask(key, body);
  return { status: 200, headers, body };
}

function readObjectBody(catalog: ObjectCatalog, info: ObjectInfo): Uint8Array {
  let body = new Uint8Array(0);
  for (let i = 0; i < info.size; i++) {
    // one byte more each time: a new buffer and a copy of everything so far
    const grown = new Uint8Array(body.length + 1);
    grown.set(body);
    grown[body.length] = catalog.byteAt(info, i);
    body = grown;
  }
  return body;
}

function readObjectBodyPresized(catalog: ObjectCatalog, info: ObjectInfo): Uint8Array {
  const body = new Uint8Array(info.size);
  for (let i = 0; i < info.size; i++) body[i] = catalog.byteAt(info, i);
  return body;
}

/** Forgotten: never awaited, never cancelled, holding the body for as long as it runs. */
function startAccessLogTask(key: string, body: Uint8Array): void {
  const entry = { key, bytes: body.length, body };
  setInterval(() => flushLog(entry), 60_000).unref();
  void new Promise<void>((resolve) => pendingFlushes.push(resolve));
}

const pendingFlushes: (() => void)[] = [];

function flushLog(entry: { key: string; bytes: number }): string {
  return `${entry.key} ${entry.bytes}`;
}

async function writeAccessLog(key: string, bytes: number): Promise<void> {
  await latency();
  flushLog({ key, bytes });
}
