import { readFileSync } from 'node:fs';
import { HeapflameError } from '../../model/errors.js';

/**
 * LeakSanitizer-style leak suppressions as heaptrack applies them: `leak:<pattern>` lines,
 * matched against module, function and file names of every frame of a trace up to its root.
 */

/** heaptrack_print's built-in patterns (libc, dynamic linker and GLib one-time allocations). */
export const BUILTIN_SUPPRESSIONS = [
  '__nss_module_allocate',
  '__gconv_read_conf',
  '__new_exitfn',
  'tzset_internal',
  'dl_open_worker',
  'g_main_context_new',
  'g_thread_self',
];

export type ParsedSuppression = { pattern: string } | { invalid: string } | null;

/** One line of a suppression file or an embedded `S` line (without its length prefix). */
export function parseSuppressionLine(line: string): ParsedSuppression {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return null;
  if (t.startsWith('leak:')) return { pattern: t.slice(5) };
  return { invalid: t };
}

export function readSuppressionFile(path: string, warnings: string[]): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new HeapflameError(`cannot read suppression file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, {
      file: path,
    });
  }
  const patterns: string[] = [];
  text.split('\n').forEach((line, i) => {
    const p = parseSuppressionLine(line);
    if (p && 'pattern' in p) patterns.push(p.pattern);
    else if (p)
      warnings.push(
        `${path}:${i + 1}: invalid suppression line, expected "leak:<pattern>": ${p.invalid.slice(0, 200)}`,
      );
  });
  return patterns;
}

/**
 * LLVM sanitizer TemplateMatch: substring search where `*` is a wildcard, a leading `^`
 * anchors at the start and `$` at the end; an exact match always counts.
 */
export function matchesSuppression(pattern: string, str: string): boolean {
  if (pattern === str) return true;
  if (str.length === 0) return false;
  let t = 0;
  let s = 0;
  let start = false;
  if (pattern[0] === '^') {
    start = true;
    t = 1;
  }
  let asterisk = false;
  while (t < pattern.length) {
    const c = pattern[t];
    if (c === '*') {
      t++;
      start = false;
      asterisk = true;
      continue;
    }
    if (c === '$') return s === str.length || asterisk;
    if (s >= str.length) return false;
    let end = pattern.length;
    const star = pattern.indexOf('*', t);
    const dollar = pattern.indexOf('$', t);
    if (star !== -1) end = star;
    if (dollar !== -1 && dollar < end) end = dollar;
    const piece = pattern.slice(t, end);
    const found = str.indexOf(piece, s);
    if (found === -1) return false;
    if (start && found !== s) return false;
    s = found + piece.length;
    t = end;
    start = false;
    asterisk = false;
  }
  return true;
}
