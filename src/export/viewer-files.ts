import { readFileSync } from 'node:fs';

/**
 * The browser files the build puts in dist/viewer (viewer/: the HTML report's script, page and
 * style sheet, the SVG's script), read once each and embedded into the output as they are.
 */
const files = new Map<string, string>();

export function viewerFile(name: string): string {
  let text = files.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`../../viewer/${name}`, import.meta.url), 'utf8');
    // a script is inlined into its element (CDATA in the SVG): it must not be able to end it
    if (name.endsWith('.js') && /<\/script|\]\]>/i.test(text))
      throw new Error(`viewer/${name} contains "</script" or "]]>"`);
    files.set(name, text);
  }
  return text;
}
