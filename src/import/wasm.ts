import { readFileSync } from 'node:fs';

// The global WebAssembly object; its types are not in the lib this project compiles against.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};

const modules = new Map<string, object | null>();

/**
 * A fresh instance of the WebAssembly module `name` (built beside this file from `name.wat`
 * by scripts/build-wasm.mjs), or null where it cannot be loaded: no .wasm file, WebAssembly
 * disabled, or HEAPFLAME_NO_WASM set. Callers then use their JavaScript loop, which gives the
 * same results. The module is compiled once per process.
 */
export function wasmInstance<T>(name: string): T | null {
  let module = modules.get(name);
  if (module === undefined) {
    try {
      if (process.env.HEAPFLAME_NO_WASM) throw new Error('disabled');
      module = new WebAssembly.Module(readFileSync(new URL(`./${name}.wasm`, import.meta.url)));
    } catch {
      module = null;
    }
    modules.set(name, module);
  }
  return module ? (new WebAssembly.Instance(module).exports as T) : null;
}
