// Copies the browser files that tsc does not build (the SVG's script, the HTML report's page
// and style sheet) beside tsc's output of viewer/, byte for byte: they are embedded as they are.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
mkdirSync(join(root, 'dist/viewer'), { recursive: true });
for (const name of readdirSync(join(root, 'viewer')).filter((n) => /\.(js|css|html)$/.test(n))) {
  copyFileSync(join(root, 'viewer', name), join(root, 'dist/viewer', name));
}
