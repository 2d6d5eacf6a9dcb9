import type { InputOptions } from '../io/input.js';

/**
 * Shared memory between the tokenizing worker and the parser: `slots` slots, each with room
 * for `words` tokens and `bytes` bytes of text lines. Control words (Int32): slots written,
 * slots read, a stop request, then per slot its token and byte counts.
 */
export const WRITTEN = 0;
export const READ = 1;
export const STOP = 2;
export const COUNTS = 3;

export interface RingLayout {
  slots: number;
  words: number;
  bytes: number;
}

export interface Ring extends RingLayout {
  tokens: SharedArrayBuffer;
  text: SharedArrayBuffer;
  control: SharedArrayBuffer;
  /** Float64: compressed bytes read so far (for progress). */
  progress: SharedArrayBuffer;
}

export function createRing(layout: RingLayout): Ring {
  return {
    ...layout,
    tokens: new SharedArrayBuffer(layout.slots * layout.words * 4),
    text: new SharedArrayBuffer(layout.slots * layout.bytes),
    control: new SharedArrayBuffer(4 * (COUNTS + 2 * layout.slots)),
    progress: new SharedArrayBuffer(8),
  };
}

export function slotViews(ring: Ring, index: number) {
  const s = index % ring.slots;
  return {
    tokens: new Int32Array(ring.tokens, s * ring.words * 4, ring.words),
    bytes: Buffer.from(ring.text, s * ring.bytes, ring.bytes),
    countIndex: COUNTS + 2 * s,
  };
}

export interface WorkerInput {
  path: string;
  input?: InputOptions;
  ring: Ring;
  /**
   * Started before the file was recognised (see prestart.ts): the worker looks at the first
   * decompressed bytes and answers `foreign`, reading no further, when they are no recording.
   */
  speculative?: boolean;
}

export type WorkerMessage =
  | { type: 'end'; warnings: string[] }
  | { type: 'foreign' }
  | { type: 'error'; message: string; file?: string; line?: number; heapflame: boolean };

/**
 * Whether decompressed data starting with `bytes` may be a heaptrack recording: `v ` opens
 * every one (format.ts recognises the whole first line).
 */
export function opensLikeRecording(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] === 0x76 && (bytes.length < 2 || bytes[1] === 0x20);
}
