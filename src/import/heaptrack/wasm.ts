import { wasmInstance } from '../io/wasm.js';

/**
 * The WebAssembly build of the tokenizer's hot loop (heaptrack-wasm.wat). Scanning bytes is
 * about 3 times faster there than in JavaScript on the machines measured; where it cannot be
 * loaded (see wasmInstance), the tokenizer uses its JavaScript loop, which gives the same tokens.
 */
export interface WasmScanner {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  scan(pos: number, end: number, out: number, outEnd: number): number;
  status: { value: number };
  outPos: { value: number };
}

export const SCAN_INPUT_END = 0;
export const SCAN_TEXT_LINE = 1;
export const SCAN_OUT_FULL = 2;

let cached: WasmScanner | null | undefined;

export function wasmScanner(): WasmScanner | null {
  if (cached === undefined) cached = wasmInstance<WasmScanner>(new URL('./heaptrack-wasm.wasm', import.meta.url));
  return cached;
}
