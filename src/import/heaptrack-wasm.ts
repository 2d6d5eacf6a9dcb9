import { readFileSync } from 'node:fs';

/**
 * The WebAssembly build of the tokenizer's hot loop (heaptrack-wasm.wat). Scanning bytes is
 * about 3 times faster there than in JavaScript on the machines measured; where it cannot be
 * loaded (no .wasm beside this file, WebAssembly disabled, HEAPFLAME_NO_WASM set), the tokenizer uses its
 * JavaScript loop, which gives the same tokens.
 */
export interface WasmScanner {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  scan(pos: number, end: number, out: number, outEnd: number): number;
  status: { value: number };
  outPos: { value: number };
}

// The global WebAssembly object; its types are not in the lib this project compiles against.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};

export const SCAN_INPUT_END = 0;
export const SCAN_TEXT_LINE = 1;
export const SCAN_OUT_FULL = 2;

let cached: WasmScanner | null | undefined;

export function wasmScanner(): WasmScanner | null {
  if (cached !== undefined) return cached;
  try {
    if (process.env.HEAPFLAME_NO_WASM) throw new Error('disabled');
    const module = new WebAssembly.Module(readFileSync(new URL('./heaptrack-wasm.wasm', import.meta.url)));
    cached = new WebAssembly.Instance(module).exports as unknown as WasmScanner;
  } catch {
    cached = null;
  }
  return cached;
}
