import { readFileSync } from 'node:fs';

// The global WebAssembly object; its types are not in the lib this project compiles against.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};

const modules = new Map<string, object | null>();

/**
 * A fresh instance of the WebAssembly module at `file` (built beside its user from a `.wat`
 * file by scripts/build-wasm.mjs), or null where it cannot be loaded: no .wasm file, WebAssembly
 * disabled, or HEAPFLAME_NO_WASM set. Callers then use their JavaScript loop, which gives the
 * same results. The module is compiled once per process.
 */
export function wasmInstance<T>(file: URL): T | null {
  let module = modules.get(file.href);
  if (module === undefined) {
    try {
      if (process.env.HEAPFLAME_NO_WASM) throw new Error('disabled');
      module = new WebAssembly.Module(readFileSync(file));
    } catch {
      module = null;
    }
    modules.set(file.href, module);
  }
  return module ? (new WebAssembly.Instance(module).exports as T) : null;
}
