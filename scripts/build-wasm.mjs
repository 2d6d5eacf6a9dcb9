// Compiles the WebAssembly text sources under src/ to .wasm files beside tsc's output.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import initWabt from 'wabt';

const root = fileURLToPath(new URL('..', import.meta.url));
const wabt = await initWabt();
const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
for (const file of walk(join(root, 'src')).filter((f) => f.endsWith('.wat'))) {
  const mod = wabt.parseWat(file, readFileSync(file, 'utf8'), { mutable_globals: true });
  mod.validate();
  const { buffer } = mod.toBinary({});
  const out = join(root, 'dist', relative(root, file)).replace(/\.wat$/, '.wasm');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, buffer);
  mod.destroy();
}
