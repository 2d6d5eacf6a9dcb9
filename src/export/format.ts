/**
 * Number formatting shared by every output. Bytes are shown one way everywhere (report, HTML,
 * SVG, check, diff): 1024-based IEC units with three significant digits, as sizes are given
 * on the command line (--min-size 1K, --max-peak 2G are 1024-based). heaptrack_print's own
 * style (1000-based, "1.07M") is kept for the heaptrack-compatible report (--raw-names).
 */

const UNITS = ['B', 'K', 'M', 'G', 'T'];

/** heaptrack_print's formatBytes: `64B`, `10.24K`, `1.07M`: SI units, two decimals, ties to even like printf. */
export function formatHeaptrackBytes(bytes: number): string {
  let x = bytes;
  let unit = 0;
  while (Math.abs(x) > 1000 && unit < UNITS.length - 1) {
    x /= 1000;
    unit++;
  }
  if (unit === 0) return `${Math.trunc(bytes)}B`;
  return `${toFixedEven(x, 2)}${UNITS[unit]}`;
}

/**
 * `x.toFixed(digits)`, except that exact binary ties round to even as printf does
 * (JavaScript rounds them up: 1.125 → "1.13", printf → "1.12").
 */
export function toFixedEven(x: number, digits: number): string {
  const plain = x.toFixed(digits);
  // A double below 2^53 has at most 52 binary fraction digits, so 60 decimals are exact.
  const exact = Math.abs(x).toFixed(Math.min(100, digits + 60));
  const cut = exact.indexOf('.') + 1 + digits;
  if (!/^50*$/.test(exact.slice(cut))) return plain;
  const lastDigit = exact.charCodeAt(cut - 1 - (digits === 0 ? 1 : 0)) - 48;
  if (lastDigit % 2 === 1) return plain; // rounding up reaches the even neighbour
  const truncated = exact.slice(0, digits === 0 ? cut - 1 : cut);
  return (x < 0 && Number(truncated) !== 0 ? '-' : '') + truncated;
}

/** Single-precision percentage, as heaptrack_print computes it (`float(t)*100.f/float(n)`). */
export function percentF32(part: number, whole: number): string {
  const p = Math.fround(Math.fround(Math.fround(part) * 100) / Math.fround(whole));
  return toFixedEven(p, 2);
}

/** Thousands separators for exact integers in prose. */
export function formatInt(n: number): string {
  // not toLocaleString: loading ICU data costs ~50 ms at startup
  if (n > -1000 && n < 1000) return String(Math.trunc(n));
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Characters that act on a terminal or reorder what it shows: C0 and C1 controls, DEL, and
 * the Unicode bidirectional controls (U+202E turns the rest of a line around, "Trojan
 * Source"). Shown escaped, as `\x1b` or `\u202e`, so a name says what it holds.
 */
// eslint-disable-next-line no-control-regex
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const ACTIVE_OR_LINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escaped(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** A message for the terminal: line breaks and tabs kept, other active characters escaped. */
export function terminalSafe(s: string): string {
  return s.replace(ACTIVE, escaped);
}

/**
 * A name (frame, file, module, label) on one line of text output: every active character
 * escaped, line breaks and tabs too, so a name cannot add lines to a report or to folded
 * stacks (`"evil\nfake;stack 999999"` read back as 999,999 samples).
 */
export function lineSafe(s: string): string {
  return s.replace(ACTIVE_OR_LINE, escaped);
}

/** A number as JSON.stringify writes it (files written piece by piece). */
export const jsonNumber = (x: number): string => (Number.isFinite(x) ? String(x) : 'null');

/** Bytes as heapflame shows them: "512 B", "46.2 KiB", "2.00 GiB" (1024-based, three significant digits). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let k = 0;
  while (k < units.length - 1 && Math.abs(bytes) >= 1024 ** (k + 1)) k++;
  if (k === 0) return `${Math.round(bytes)} B`;
  let x = bytes / 1024 ** k;
  let digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  // 1023.9 KiB rounds to "1024 KiB": show it as the next unit
  if (Math.abs(Number(x.toFixed(digits))) >= 1024 && k < units.length - 1) {
    k++;
    x /= 1024;
    digits = 2;
  }
  return `${x.toFixed(digits)} ${units[k]}`;
}

/** Where a frame is, after its name: " (file:line)", " (in module)", or nothing. */
export function frameWhere(f: { file: string; line: number; module: string }): string {
  return f.file ? ` (${f.file}:${f.line})` : f.module ? ` (in ${f.module})` : '';
}
