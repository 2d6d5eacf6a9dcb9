// Copies the browser files that are plain JavaScript (the SVG's script) beside tsc's output of
// viewer/, byte for byte: they are embedded in the output as they are.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
mkdirSync(join(root, 'dist/viewer'), { recursive: true });
for (const name of readdirSync(join(root, 'viewer')).filter((n) => n.endsWith('.js'))) {
  copyFileSync(join(root, 'viewer', name), join(root, 'dist/viewer', name));
}
