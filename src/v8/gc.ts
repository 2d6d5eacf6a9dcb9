import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * A full garbage collection on demand. With `--expose-gc` that is `globalThis.gc`; without, V8
 * is told to expose it and the function is taken from a new context (the flag only applies to
 * contexts made after it is set), so tests need no extra command-line flag.
 */
let cached: (() => void) | undefined;

export function forceGc(): () => void {
  if (cached) return cached;
  const own = (globalThis as { gc?: () => void }).gc;
  if (typeof own === 'function') return (cached = own);
  v8.setFlagsFromString('--expose-gc');
  return (cached = vm.runInNewContext('gc') as () => void);
}
