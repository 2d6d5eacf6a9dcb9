import type { ImportFormat } from '../format.js';

/** A folded line: a stack, white space, a count, and for differential input a second count. */
const FOLDED_LINE = /\S\s+\d+(\.\d*)?(\s+\d+(\.\d*)?)?\s*$/;

/**
 * Folded stacks: nine in ten of the complete lines of the head end in a count (a damaged line
 * is warned about by the reader; prose or Markdown with a number at a line's end is not
 * folded). A head without a line break is one deep stack where it holds frame separators.
 */
function looksFolded(head: Buffer): boolean {
  const text = head.toString('latin1');
  if (/[\u0000-\u0008\u000e-\u001f]/.test(text)) return false;
  const lines = text.split('\n');
  if (lines.length === 1) return text.includes(';') || FOLDED_LINE.test(text);
  const complete = lines.slice(0, -1).filter((l) => l.trim() !== '');
  if (complete.length === 0) return false;
  const folded = complete.filter((l) => FOLDED_LINE.test(l)).length;
  return folded >= 0.9 * complete.length;
}

/** Folded stacks are tried last: any text whose lines end in counts. */
export const foldedFormat: ImportFormat = {
  name: 'folded',
  signature: 'folded stacks ("frame;frame count" lines)',
  sniff: looksFolded,
  load: async (path, o) =>
    (await import('./importer.js')).importFolded(path, {
      input: o.input,
      onProgress: o.onProgress,
      keepOrder: o.keepOrder,
    }),
};
