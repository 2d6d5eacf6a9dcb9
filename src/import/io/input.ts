import { spawn, spawnSync } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  mkdtempSync,
  openSync,
  promises as fsp,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import type { FileHandle } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { HeapflameError } from '../../model/errors.js';
import { type Compression, detectCompression, SMALL_INPUT_BYTES, ZLIB_HAS_ZSTD, type ZlibWithZstd } from './sniff.js';
import { ZstdBlockCuts } from './zstd-blocks.js';

export { type Compression, detectCompression, SMALL_INPUT_BYTES };

/**
 * Opens a recording, recognises its compression by content (magic bytes, not the file name)
 * and yields decompressed chunks. Decompression runs beside the parser: the `zstd` program in
 * its own process, or zlib on libuv's thread pool.
 */

export type ZstdDecoder = 'zstd-cli' | 'zlib' | 'fzstd';

export interface InputOptions {
  /** Force a zstd decoder (benchmarks, tests); default: the fastest available. */
  zstdDecoder?: ZstdDecoder;
  /** Read chunk size for files. */
  chunkBytes?: number;
  /** Formats read whole (JSON, pprof): the most decompressed bytes taken (see limits.ts). */
  maxWholeBytes?: number;
}

export interface Input {
  /** Path as given ('-' for stdin). */
  path: string;
  compression: Compression;
  zstdDecoder?: ZstdDecoder;
  /** Size of the (compressed) input in bytes when known. */
  totalBytes?: number;
  /** Compressed bytes consumed so far. */
  bytesRead(): number;
  /** Decompressed data. Decoder failures end the stream early and add to `warnings`. */
  chunks(): AsyncIterable<Buffer>;
  /** Problems met while decompressing (truncated or corrupt compressed data). */
  warnings: string[];
  close(): void;
}

let zstdCliPath: string | null | undefined;
function findZstdCli(): string | null {
  if (zstdCliPath !== undefined) return zstdCliPath;
  zstdCliPath = null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, 'zstd');
    try {
      accessSync(p, constants.X_OK);
      zstdCliPath = p;
      break;
    } catch {
      /* not here */
    }
  }
  return zstdCliPath;
}

export function availableZstdDecoders(): ZstdDecoder[] {
  const list: ZstdDecoder[] = [];
  // Measured on heaptrack.big.zst (44 MB → 120 MB): zstd -dc 0.37 s in its own process,
  // fzstd 1.6 s on the parsing thread. The CLI also keeps the second core busy.
  if (findZstdCli()) list.push('zstd-cli');
  if (ZLIB_HAS_ZSTD) list.push('zlib');
  list.push('fzstd');
  return list;
}

function defaultZstdDecoder(totalBytes: number | undefined): ZstdDecoder {
  const available = availableZstdDecoders();
  if (totalBytes !== undefined && totalBytes < SMALL_INPUT_BYTES)
    return available.find((d) => d !== 'zstd-cli') ?? available[0];
  return available[0];
}

/** What format detection read of standard input, handed out again before the rest. */
let stdinHead: Buffer[] = [];

/**
 * Standard input can be read once: detection gives back what it read here. (unshift() could
 * not: a pipe that ended while detection decoded its head had emitted 'end', and the rest
 * read as empty.)
 */
export function putBackStdin(chunks: Buffer[]): void {
  stdinHead = chunks;
}

async function* stdinWithHead(): AsyncGenerator<Buffer> {
  const head = stdinHead;
  stdinHead = [];
  yield* head;
  if (!process.stdin.readableEnded) yield* process.stdin as AsyncIterable<Buffer>;
}

/** A file or standard input: its first chunk, the rest, its size when known. */
interface RawInput {
  head: Buffer;
  /** The rest after `head`; `reuse` lets plain text recycle one buffer (the parser copies what it keeps). */
  rest: (reuse: boolean) => AsyncIterator<Buffer>;
  totalBytes?: number;
  close: () => void;
}

async function openRaw(path: string, chunkBytes: number): Promise<RawInput> {
  if (path !== '-') return openFile(path, chunkBytes);
  const stdin = stdinWithHead()[Symbol.asyncIterator]();
  const first = await stdin.next();
  return { head: first.done ? Buffer.alloc(0) : first.value, rest: () => stdin, close: () => {} };
}

async function openFile(path: string, chunkBytes: number): Promise<RawInput> {
  let fh: FileHandle;
  let headBuf: Buffer;
  let head: Buffer;
  let totalBytes: number;
  try {
    fh = await fsp.open(path, 'r');
    const st = await fh.stat();
    if (st.isDirectory()) {
      await fh.close();
      throw new HeapflameError('is a directory, expected a recording file', { file: path });
    }
    totalBytes = st.size;
    headBuf = Buffer.allocUnsafe(chunkBytes);
    const { bytesRead } = await fh.read(headBuf, 0, chunkBytes, 0);
    head = headBuf.subarray(0, bytesRead);
  } catch (e) {
    if (e instanceof HeapflameError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new HeapflameError(
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'is a directory, expected a recording file'
          : `cannot read file (${code ?? String(e)})`,
      { file: path },
    );
  }
  let closed = false;
  const close = () => {
    if (!closed) void fh.close().catch(() => {});
    closed = true;
  };
  const rest = (reuse: boolean) =>
    (async function* () {
      let pos = head.length;
      // The next chunk is read while the caller works on this one (a reused buffer is one of
      // two in turn): one read at a time had left the parsing thread idle for a tenth of a
      // 241 MB folded file.
      const buffers = reuse ? [headBuf, Buffer.allocUnsafe(chunkBytes)] : null;
      let turn = 0;
      const read = (at: number) => {
        const buf = buffers ? buffers[turn++ & 1] : Buffer.allocUnsafe(chunkBytes);
        const chunk = fh.read(buf, 0, chunkBytes, at).then(({ bytesRead }) => buf.subarray(0, bytesRead));
        // A caller that stops without ending the generator (a stream destroyed, the input
        // closed) leaves this read unawaited: its failure must not end the process. Awaited,
        // it still throws.
        chunk.catch(() => {});
        return chunk;
      };
      let next: Promise<Buffer> | null = read(pos);
      try {
        for (;;) {
          const chunk: Buffer = await next;
          next = null;
          if (chunk.length === 0) return;
          pos += chunk.length;
          next = read(pos);
          yield chunk;
        }
      } finally {
        // read to the end (or abandoned): closed now, not by the garbage collector, which
        // Node 26 treats as an error that ends the process. A pending read finishes first.
        close();
      }
    })();
  return { head, rest, totalBytes, close };
}

export async function openInput(path: string, options: InputOptions = {}): Promise<Input> {
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  const raw = await openRaw(path, chunkBytes);
  const { head, rest, totalBytes } = raw;
  const closeRaw = raw.close;
  if (head.length === 0) {
    closeRaw();
    throw new HeapflameError('file is empty, expected a recording', { file: path });
  }
  const compression = detectCompression(head);
  let read = 0;
  /** Where a decompressor that reads the file itself has got to. */
  let readPosition: (() => number) | null = null;

  async function* counted(reuse = false): AsyncGenerator<Buffer> {
    read += head.length;
    // a reused buffer is the head's: hand out a copy of the head first
    yield reuse ? Buffer.from(head) : head;
    const it = rest(reuse);
    for (;;) {
      let r: IteratorResult<Buffer>;
      try {
        r = await it.next();
      } catch (e) {
        throw new HeapflameError(`cannot read file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, {
          file: path,
        });
      }
      if (r.done) return;
      read += r.value.length;
      yield r.value;
    }
  }

  const warnings: string[] = [];
  let zstdDecoder: ZstdDecoder | undefined;
  let closeDecoder = () => {};
  let chunks: () => AsyncIterable<Buffer>;
  if (compression === 'none') {
    chunks = () => counted(path !== '-');
  } else if (compression === 'gzip') {
    // default finish flush: a cut stream still yields its data, then "unexpected end of file"
    const gunzip = zlib.createGunzip({ chunkSize: 256 * 1024 });
    closeDecoder = () => gunzip.destroy();
    chunks = () => decodeWith(Readable.from(counted()), gunzip, 'gzip', warnings);
  } else {
    zstdDecoder = options.zstdDecoder ?? defaultZstdDecoder(totalBytes);
    if (zstdDecoder === 'zstd-cli') {
      const cli = findZstdCli();
      if (!cli) throw new HeapflameError('the zstd program is not installed', { file: path });
      if (path === '-') {
        chunks = () => decodeWithCli(cli, { stream: counted() }, warnings, (close) => (closeDecoder = close));
      } else {
        // zstd reads the file itself: nothing to feed, and it runs ahead of us freely
        closeRaw();
        const setClose = (close: () => void, position?: () => number) => {
          closeDecoder = close;
          readPosition = position ?? null;
        };
        chunks = () =>
          decodeThroughFifo(cli, path, warnings, setClose) ?? decodeWithCli(cli, { file: path }, warnings, setClose);
      }
    } else if (zstdDecoder === 'zlib') {
      const create = (zlib as ZlibWithZstd).createZstdDecompress;
      if (!create) throw new HeapflameError('this Node.js has no zlib zstd decoder', { file: path });
      const dec = create();
      closeDecoder = () => dec.destroy();
      chunks = () => decodeWith(Readable.from(counted()), dec, 'zstd', warnings);
    } else {
      chunks = () => decodeWithFzstd(counted(), warnings);
    }
  }

  return {
    path,
    compression,
    zstdDecoder,
    totalBytes,
    bytesRead: () => (readPosition ? readPosition() : read),
    chunks,
    warnings,
    close: () => {
      closeDecoder();
      closeRaw();
    },
  };
}

async function* decodeWith(
  src: Readable,
  decoder: import('node:stream').Transform,
  what: string,
  warnings: string[],
): AsyncGenerator<Buffer> {
  src.on('error', (e) => decoder.destroy(e));
  src.pipe(decoder);
  try {
    for await (const chunk of decoder as AsyncIterable<Buffer>) yield chunk;
  } catch (e) {
    warnings.push(`${what} data ends early or is corrupt (${shortError(e)}); using what could be decompressed`);
  }
  // A stream that ends mid-frame gives no error from some decoders; zlib reports it above.
}

async function* decodeWithCli(
  cli: string,
  src: { stream: AsyncIterable<Buffer> } | { file: string },
  warnings: string[],
  setClose: (close: () => void, position?: () => number) => void,
): AsyncGenerator<Buffer> {
  const fromFile = 'file' in src;
  const args = ['-d', '-c', '-q', '--no-progress', ...(fromFile ? ['--', src.file] : [])];
  const child = spawn(cli, args, { stdio: [fromFile ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  setClose(() => child.kill(), fromFile ? inputPosition(child.pid, src.file) : undefined);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    if (stderr.length < 4096) stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const feeding = (async () => {
    if (fromFile) return;
    // zstd exits early on corrupt input; writes into the closed pipe then fail with EPIPE.
    child.stdin!.on('error', () => {});
    try {
      for await (const chunk of src.stream) {
        if (!child.stdin!.write(chunk)) await new Promise((r) => child.stdin!.once('drain', r));
        if (child.stdin!.destroyed) break;
      }
    } catch (e) {
      warnings.push(`reading failed: ${shortError(e)}`);
    } finally {
      child.stdin!.end();
    }
  })();
  try {
    for await (const chunk of child.stdout! as AsyncIterable<Buffer>) yield chunk;
  } finally {
    await feeding;
    const code = await exited;
    if (code !== 0 && code !== null) warnings.push(zstdFailure(stderr, code));
  }
}

/**
 * zstd writes into a named pipe that is read with blocking reads into one reused buffer:
 * measured on a 120 MB recording, 0.23 s (zstd's own speed) against 0.37 s through a stream,
 * which also allocates a buffer per 64 KiB. Linux FIFO semantics; null where mkfifo fails.
 */
function decodeThroughFifo(
  cli: string,
  file: string,
  warnings: string[],
  setClose: (close: () => void, position?: () => number) => void,
): AsyncGenerator<Buffer> | null {
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'heapflame-'));
  } catch {
    return null;
  }
  const fifo = join(dir, 'zstd-out');
  let reader = -1;
  let child: ReturnType<typeof spawn>;
  try {
    if (spawnSync('mkfifo', ['-m', '600', fifo]).status !== 0) throw new Error('mkfifo');
    // Opening read-write does not wait for the other end (Linux): `both` lets the write-only
    // end (zstd's stdout) and the read-only end (this process's) open without blocking, and is
    // then closed. zstd must hold no read end itself: it would never see this process go
    // (no EPIPE), and one stopped early stayed blocked in a write for good.
    // --no-check: the frame checksum costs ~10 % of decoding; damage still shows as bad
    // structure, and the parser takes any bytes.
    const both = openSync(fifo, constants.O_RDWR);
    const writer = openSync(fifo, constants.O_WRONLY);
    reader = openSync(fifo, constants.O_RDONLY);
    closeSync(both);
    try {
      child = spawn(cli, ['-d', '-c', '-q', '--no-progress', '--no-check', '--', file], {
        stdio: ['ignore', writer, 'pipe'],
      });
    } finally {
      closeSync(writer);
    }
  } catch {
    if (reader >= 0) closeSync(reader);
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  rmSync(dir, { recursive: true, force: true });
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    child.kill();
    closeSync(reader);
  };
  setClose(close, inputPosition(child.pid, file));
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    if (stderr.length < 4096) stderr += d;
  });
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  return (async function* () {
    const buf = Buffer.allocUnsafe(1 << 20);
    let atEnd = false;
    try {
      for (;;) {
        const n = closed ? 0 : readSync(reader, buf, 0, buf.length, null);
        if (n === 0) break;
        yield buf.subarray(0, n);
      }
      atEnd = !closed;
    } finally {
      if (!atEnd)
        close(); // abandoned early: stop zstd
      else if (!closed) {
        closed = true;
        closeSync(reader);
      }
      const code = await exited;
      if (atEnd && code !== 0) warnings.push(zstdFailure(stderr, code));
    }
  })();
}

/**
 * How far a child process has read a file, from /proc (Linux): for progress while zstd reads
 * the file itself. Looked up at most every 50 ms; 0 where /proc cannot tell.
 */
function inputPosition(pid: number | undefined, file: string): () => number {
  let fd: string | null = null;
  let last = 0;
  let at = 0;
  const target = resolve(file);
  return () => {
    const now = Date.now();
    if (pid === undefined || now - at < 50) return last;
    at = now;
    try {
      fd ??= readdirSync(`/proc/${pid}/fd`).find((n) => readlinkSync(`/proc/${pid}/fd/${n}`) === target) ?? null;
      const m = fd !== null ? /^pos:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'latin1')) : null;
      if (m) last = Number(m[1]);
    } catch {
      /* the process has ended or /proc is not there */
    }
    return last;
  };
}

async function* decodeWithFzstd(src: AsyncIterable<Buffer>, warnings: string[]): AsyncGenerator<Buffer> {
  const { Decompress } = await import('fzstd');
  const out: Uint8Array[] = [];
  const dec = new Decompress((chunk: Uint8Array) => out.push(chunk));
  // one block at a time: fzstd decodes all it is given at once (see ZstdBlockCuts)
  const blocks = new ZstdBlockCuts();
  try {
    for await (const chunk of src) {
      let from = 0;
      for (const cut of [...blocks.cutsIn(chunk), chunk.length]) {
        if (cut <= from) continue;
        dec.push(chunk.subarray(from, cut));
        from = cut;
        while (out.length) {
          const c = out.shift()!;
          yield Buffer.from(c.buffer, c.byteOffset, c.byteLength);
        }
      }
    }
    dec.push(new Uint8Array(0), true);
  } catch (e) {
    warnings.push(`zstd data ends early or is corrupt (${shortError(e)}); using what could be decompressed`);
  }
  for (const c of out) yield Buffer.from(c.buffer, c.byteOffset, c.byteLength);
}

/** The first `max` bytes a (possibly partial) zstd stream decodes to, block by block. */
export async function zstdHead(bytes: Buffer, max: number): Promise<Buffer> {
  const out: Buffer[] = [];
  let size = 0;
  const warnings: string[] = [];
  for await (const chunk of decodeWithFzstd(
    (async function* () {
      yield bytes;
    })(),
    warnings,
  )) {
    out.push(Buffer.from(chunk));
    size += chunk.length;
    if (size >= max) break;
  }
  return Buffer.concat(out).subarray(0, max);
}

function shortError(e: unknown): string {
  return (e as Error)?.message?.split('\n')[0] ?? String(e);
}

/** The warning for a zstd process that ended badly: its last line of complaint, or its exit code. */
function zstdFailure(stderr: string, code: number | null): string {
  const said = stderr
    .trim()
    .split('\n')
    .pop()
    ?.replace(/^zstd: /, '');
  return `zstd data ends early or is corrupt (${said || `zstd exited with code ${code}`}); using what could be decompressed`;
}
