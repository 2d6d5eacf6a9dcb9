/** Layout of the shared control words between the zstd worker and the parser. */
export const WRITTEN = 0; // slots published by the worker
export const READ = 1; // slots the parser is done with
export const LENGTHS = 2; // bytes in each slot, one word per slot

export interface ZstdWorkerData {
  cli: string;
  path: string;
  ring: SharedArrayBuffer;
  control: SharedArrayBuffer;
  slotBytes: number;
  slots: number;
}

export type ZstdWorkerMessage = { type: 'end'; read: number; warning?: string } | { type: 'progress'; read: number };
