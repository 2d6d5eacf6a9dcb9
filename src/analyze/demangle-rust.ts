/**
 * Rust symbol demangling for names read from profiler recordings.
 *
 * Output follows the `rustc-demangle` crate (legacy.rs, v0.rs, lib.rs) in its
 * `{}` Display mode, except that hashes are hidden unless asked for: the
 * legacy `::h<hash>` element and v0 crate disambiguators (`std[1a2b…]`) are
 * dropped by default, as `{:#}` does. Everything else `{}` prints (e.g. the
 * `usize` in a const generic `123usize`) is kept.
 *
 * Deviations, all on inputs rustc-demangle would not render cleanly: anything
 * that is not a well-formed Rust symbol is returned unchanged (rustc-demangle
 * would print the `.llvm.`-stripped input, or embed `{invalid syntax}` /
 * `{recursion limit reached}` / `{size limit reached}` markers), and so is a
 * symbol that demangles to the empty string.
 */

export interface DemangleOptions {
  /** Keep the legacy `::h<16 hex>` element and v0 crate disambiguators (`std[e28293b1aa0f68bd]`). */
  keepHashes?: boolean;
}

/** Returns a readable Rust name, or the input unchanged when it is not a Rust symbol. Never throws. */
export function demangleRust(symbol: string, options?: DemangleOptions): string {
  if (typeof symbol !== 'string' || symbol.length === 0) return symbol;
  const keepHashes = options?.keepHashes === true;
  const out =
    attempt(() => demangleMangled(symbol, keepHashes)) ?? attempt(() => demangleHalfDemangled(symbol, keepHashes));
  return out === null || out === '' ? symbol : out;
}

function attempt(f: () => string | null): string | null {
  try {
    return f();
  } catch {
    // Abandon (malformed or over a limit) and anything unexpected, e.g. a stack overflow.
    return null;
  }
}

// Same limits as rustc-demangle; MAX_STEPS is ours: rustc-demangle bounds the
// work only through the output size, but chains of elements that print nothing
// (empty identifiers) can multiply the work per output byte by the depth limit.
const MAX_DEPTH = 500;
const MAX_OUTPUT_BYTES = 1_000_000;
const MAX_STEPS = 1_000_000;
const U64_MAX = (1n << 64n) - 1n;

/** Thrown to give up on a symbol; caught in demangleRust, so it never escapes. */
class Abandon {}
const ABANDON = new Abandon();
function abandon(): never {
  throw ABANDON;
}

function demangleMangled(input: string, keepHashes: boolean): string | null {
  // ThinLTO renames imported internal symbols by appending `.llvm.<hex>`.
  let s = input;
  const llvm = s.indexOf('.llvm.');
  if (llvm >= 0 && /^[A-F0-9@]*$/.test(s.slice(llvm + 6))) s = s.slice(0, llvm);

  const legacy = parseLegacy(s);
  if (legacy !== null) {
    return isAcceptableSuffix(legacy.suffix) ? capped(printLegacy(legacy.elements, keepHashes)) + legacy.suffix : null;
  }
  const inner = v0Inner(s);
  if (inner === null) return null;
  const v0 = new V0Printer(inner, keepHashes);
  const suffix = v0.validate();
  return isAcceptableSuffix(suffix) ? v0.render() + suffix : null;
}

/** Legacy output is linear in the input, but keep the same output bound as v0. */
function capped(out: string): string {
  if (utf8Length(out) > MAX_OUTPUT_BYTES) abandon();
  return out;
}

/** LLVM IR and linkers add period-delimited words (`.exit.i.i`, `.0.0`); anything else means "not a symbol". */
function isAcceptableSuffix(suffix: string): boolean {
  return suffix === '' || (suffix.startsWith('.') && /^[\x21-\x7e]*$/.test(suffix));
}

// ---------------------------------------------------------------------------
// Legacy (`_ZN…E`) symbols

/** Splits `_ZN3foo3barE<suffix>` into its length-prefixed elements. */
function parseLegacy(s: string): { elements: string[]; suffix: string } | null {
  let inner: string;
  if (s.startsWith('_ZN')) inner = s.slice(3);
  else if (s.startsWith('ZN'))
    inner = s.slice(2); // dbghelp on Windows strips the `_`
  else if (s.startsWith('__ZN'))
    inner = s.slice(4); // macOS adds one
  else return null;
  if (!isAscii(inner)) return null;

  const elements: string[] = [];
  let pos = 0;
  for (;;) {
    if (pos >= inner.length) return null;
    if (inner.charCodeAt(pos) === CH_E) break;
    if (!isDigit(inner.charCodeAt(pos))) return null;
    let len = 0;
    while (pos < inner.length && isDigit(inner.charCodeAt(pos))) {
      len = len * 10 + (inner.charCodeAt(pos) - CH_0);
      if (len > inner.length) return null;
      pos++;
    }
    // rustc-demangle needs a character after the element (the next length or `E`).
    if (pos + len >= inner.length) return null;
    elements.push(inner.slice(pos, pos + len));
    pos += len;
  }
  return { elements, suffix: inner.slice(pos + 1) };
}

const LEGACY_ESCAPES = new Map([
  ['SP', '@'],
  ['BP', '*'],
  ['RF', '&'],
  ['LT', '<'],
  ['GT', '>'],
  ['LP', '('],
  ['RP', ')'],
  ['C', ','],
]);

/** rustc-demangle's legacy printer; `{:#}` (keepHash false) drops a trailing `h<hex>` element. */
function printLegacy(elements: readonly string[], keepHash: boolean): string {
  let out = '';
  for (let e = 0; e < elements.length; e++) {
    let rest = elements[e]!;
    if (!keepHash && e + 1 === elements.length && /^h[0-9a-fA-F]*$/.test(rest)) break;
    if (e !== 0) out += '::';
    // rustc prefixes elements that would start with `$` by `_`.
    if (rest.startsWith('_$')) rest = rest.slice(1);
    for (;;) {
      if (rest.startsWith('.')) {
        if (rest.startsWith('..')) {
          out += '::';
          rest = rest.slice(2);
        } else {
          out += '.';
          rest = rest.slice(1);
        }
      } else if (rest.startsWith('$')) {
        const end = rest.indexOf('$', 1);
        if (end < 0) break;
        const unescaped = LEGACY_ESCAPES.get(rest.slice(1, end)) ?? unescapeLegacyCodePoint(rest.slice(1, end));
        // An unknown escape stops decoding; the rest of the element is printed raw.
        if (unescaped === null) break;
        out += unescaped;
        rest = rest.slice(end + 1);
      } else {
        const i = rest.search(/[$.]/);
        if (i < 0) break;
        out += rest.slice(0, i);
        rest = rest.slice(i);
      }
    }
    out += rest;
  }
  return out;
}

/** `u7b` → `{`; only lowercase hex naming a valid, non-control char is accepted. */
function unescapeLegacyCodePoint(escaped: string): string | null {
  if (!/^u[0-9a-f]+$/.test(escaped)) return null;
  const cp = parseInt(escaped.slice(1), 16);
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return null;
  return String.fromCodePoint(cp);
}

// Heaptrack runs a C++ demangler over `_ZN…E`, which turns the element
// structure into `::` but leaves Rust's `$…$` escapes, `..` and the hash.
const HALF_SEGMENT = /^[A-Za-z0-9_.$]+$/;
const HALF_HASH = /^h[0-9a-f]{16}$/;
const HALF_ESCAPE = /\$(?:SP|BP|RF|LT|GT|LP|RP|C|u[0-9a-f]+)\$/;

function demangleHalfDemangled(s: string, keepHashes: boolean): string | null {
  if (!s.includes('::')) return null;
  const segments = s.split('::');
  if (!segments.every((seg) => HALF_SEGMENT.test(seg))) return null;
  if (!HALF_HASH.test(segments[segments.length - 1]!) && !HALF_ESCAPE.test(s)) return null;
  return capped(printLegacy(segments, keepHashes));
}

// ---------------------------------------------------------------------------
// v0 (`_R…`) symbols, RFC 2603

const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_A = 0x41;
const CH_Z = 0x5a;
const CH_a = 0x61;
const CH_f = 0x66;
const CH_z = 0x7a;
const CH_E = 0x45;
const CH_UNDERSCORE = 0x5f;

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}
function isUpper(c: number): boolean {
  return c >= CH_A && c <= CH_Z;
}
function isLower(c: number): boolean {
  return c >= CH_a && c <= CH_z;
}
function isAscii(s: string): boolean {
  return !/[^\x00-\x7f]/.test(s);
}
function code(ch: string): number {
  return ch.charCodeAt(0);
}

function v0Inner(s: string): string | null {
  let inner: string;
  if (s.length > 2 && s.startsWith('_R')) inner = s.slice(2);
  else if (s.length > 1 && s.startsWith('R'))
    inner = s.slice(1); // dbghelp on Windows strips the `_`
  else if (s.length > 3 && s.startsWith('__R'))
    inner = s.slice(3); // macOS adds one
  else return null;
  if (!isUpper(inner.charCodeAt(0)) || !isAscii(inner)) return null;
  return inner;
}

const BASIC_TYPES = new Map<number, string>(
  (
    [
      ['b', 'bool'],
      ['c', 'char'],
      ['e', 'str'],
      ['u', '()'],
      ['a', 'i8'],
      ['s', 'i16'],
      ['l', 'i32'],
      ['x', 'i64'],
      ['n', 'i128'],
      ['i', 'isize'],
      ['h', 'u8'],
      ['t', 'u16'],
      ['m', 'u32'],
      ['y', 'u64'],
      ['o', 'u128'],
      ['j', 'usize'],
      ['f', 'f32'],
      ['d', 'f64'],
      ['z', '!'],
      ['p', '_'],
      ['v', '...'],
    ] as const
  ).map(([tag, name]) => [code(tag), name]),
);

interface Ident {
  ascii: string;
  punycode: string;
}

/**
 * Mirrors rustc-demangle's `Printer`: one recursive walk that either only
 * parses (`out === null`, used to validate the symbol and to skip an impl's
 * own path) or also prints. Any error abandons the whole symbol.
 */
class V0Printer {
  private pos = 0;
  private depth = 0;
  private steps = 0;
  private out: string[] | null = null;
  private outBytes = 0;
  /** Lifetimes bound by enclosing `for<…>` binders; only tracked while printing. */
  private boundLifetimes = 0;

  constructor(
    private readonly sym: string,
    private readonly showDisambiguators: boolean,
  ) {}

  /** The shallow parse rustc-demangle does up front: the path, an optional instantiating crate; returns what follows. */
  validate(): string {
    this.printPath(false);
    if (isUpper(this.peek())) this.printPath(false);
    return this.sym.slice(this.pos);
  }

  render(): string {
    this.pos = 0;
    this.depth = 0;
    this.steps = 0;
    this.out = [];
    this.outBytes = 0;
    this.printPath(true);
    return this.out.join('');
  }

  // --- parsing primitives

  private peek(): number {
    return this.pos < this.sym.length ? this.sym.charCodeAt(this.pos) : -1;
  }

  private eat(ch: number): boolean {
    if (this.peek() !== ch) return false;
    this.pos++;
    return true;
  }

  private next(): number {
    const c = this.peek();
    if (c < 0) abandon();
    this.pos++;
    return c;
  }

  private pushDepth(): void {
    if (++this.depth > MAX_DEPTH || ++this.steps > MAX_STEPS) abandon();
  }

  private popDepth(): void {
    this.depth--;
  }

  private hexNibbles(): string {
    const start = this.pos;
    for (;;) {
      const c = this.next();
      if (c === CH_UNDERSCORE) break;
      if (!isDigit(c) && !(c >= CH_a && c <= CH_f)) abandon();
    }
    return this.sym.slice(start, this.pos - 1);
  }

  private digit10(): number {
    const c = this.peek();
    if (!isDigit(c)) abandon();
    this.pos++;
    return c - CH_0;
  }

  private digit62(): number {
    const c = this.peek();
    let d: number;
    if (isDigit(c)) d = c - CH_0;
    else if (isLower(c)) d = 10 + c - CH_a;
    else if (isUpper(c)) d = 36 + c - CH_A;
    else abandon();
    this.pos++;
    return d;
  }

  /** Base-62 number terminated by `_`, where `_` alone is 0 and digits encode value - 1. */
  private integer62(): bigint {
    if (this.eat(CH_UNDERSCORE)) return 0n;
    let x = 0n;
    while (!this.eat(CH_UNDERSCORE)) {
      x = x * 62n + BigInt(this.digit62());
      if (x > U64_MAX) abandon();
    }
    x += 1n;
    if (x > U64_MAX) abandon();
    return x;
  }

  private optInteger62(tag: number): bigint {
    if (!this.eat(tag)) return 0n;
    const x = this.integer62() + 1n;
    if (x > U64_MAX) abandon();
    return x;
  }

  private disambiguator(): bigint {
    return this.optInteger62(code('s'));
  }

  /** Uppercase namespaces are special (closures, shims); lowercase ones are implementation details. */
  private namespace(): string | null {
    const c = this.next();
    if (isUpper(c)) return String.fromCharCode(c);
    if (isLower(c)) return null;
    abandon();
  }

  private ident(): Ident {
    const isPunycode = this.eat(code('u'));
    let len = this.digit10();
    if (len !== 0) {
      while (isDigit(this.peek())) {
        len = len * 10 + this.digit10();
        if (len > this.sym.length) abandon();
      }
    }
    this.eat(CH_UNDERSCORE);
    const start = this.pos;
    if (start + len > this.sym.length) abandon();
    this.pos = start + len;
    const text = this.sym.slice(start, this.pos);
    if (!isPunycode) return { ascii: text, punycode: '' };
    const sep = text.lastIndexOf('_');
    const ident =
      sep < 0 ? { ascii: '', punycode: text } : { ascii: text.slice(0, sep), punycode: text.slice(sep + 1) };
    if (ident.punycode === '') abandon();
    return ident;
  }

  // --- output

  private print(s: string): void {
    if (this.out === null) return;
    this.outBytes += utf8Length(s);
    if (this.outBytes > MAX_OUTPUT_BYTES) abandon();
    this.out.push(s);
  }

  private printIdent(ident: Ident): void {
    if (this.out !== null) this.print(identToString(ident));
  }

  /** Follows a back-reference only while printing; when skipping, the target was already validated where it was defined. */
  private printBackref(follow: () => void): void {
    const start = this.pos - 1; // the `B`
    const target = this.integer62();
    if (target >= BigInt(start)) abandon();
    if (this.depth + 1 > MAX_DEPTH) abandon();
    if (this.out === null) return;
    const savedPos = this.pos;
    const savedDepth = this.depth;
    this.pos = Number(target);
    this.depth++;
    follow();
    this.pos = savedPos;
    this.depth = savedDepth;
  }

  private skippingPrinting(f: () => void): void {
    const saved = this.out;
    this.out = null;
    f();
    this.out = saved;
  }

  private printLifetimeFromIndex(lt: bigint): void {
    if (this.out === null) return;
    this.print("'");
    if (lt === 0n) {
      this.print('_');
      return;
    }
    const depth = BigInt(this.boundLifetimes) - lt;
    if (depth < 0n) abandon();
    this.print(depth < 26n ? String.fromCharCode(CH_a + Number(depth)) : `_${depth}`);
  }

  /** Optional `G` binder: prints `for<'a, 'b> ` and makes those lifetimes visible inside. */
  private inBinder(f: () => void): void {
    const bound = this.optInteger62(code('G'));
    if (this.out === null) {
      f();
      return;
    }
    if (bound > 0n) {
      this.print('for<');
      // A huge count ends at the output size limit.
      for (let i = 0n; i < bound; i++) {
        if (i > 0n) this.print(', ');
        this.boundLifetimes++;
        this.printLifetimeFromIndex(1n);
      }
      this.print('> ');
    }
    f();
    this.boundLifetimes -= Number(bound);
  }

  /** Elements until `E`; returns how many. */
  private printSepList(f: () => void, sep: string): number {
    let i = 0;
    while (!this.eat(CH_E)) {
      if (i > 0) this.print(sep);
      f();
      i++;
    }
    return i;
  }

  // --- grammar

  private printPath(inValue: boolean): void {
    this.pushDepth();
    const tag = String.fromCharCode(this.next());
    switch (tag) {
      case 'C': {
        const dis = this.disambiguator();
        const name = this.ident();
        this.printIdent(name);
        if (this.showDisambiguators && dis !== 0n) this.print(`[${dis.toString(16)}]`);
        break;
      }
      case 'N': {
        const ns = this.namespace();
        this.printPath(inValue);
        const dis = this.disambiguator();
        const name = this.ident();
        const hasName = name.ascii !== '' || name.punycode !== '';
        if (ns !== null) {
          this.print('::{');
          this.print(ns === 'C' ? 'closure' : ns === 'S' ? 'shim' : ns);
          if (hasName) {
            this.print(':');
            this.printIdent(name);
          }
          this.print(`#${dis}}`);
        } else if (hasName) {
          this.print('::');
          this.printIdent(name);
        }
        break;
      }
      case 'M':
      case 'X':
      case 'Y': {
        if (tag !== 'Y') {
          // The impl's own path (where the impl block lives) is not printed.
          this.disambiguator();
          this.skippingPrinting(() => this.printPath(false));
        }
        this.print('<');
        this.printType();
        if (tag !== 'M') {
          this.print(' as ');
          this.printPath(false);
        }
        this.print('>');
        break;
      }
      case 'I': {
        this.printPath(inValue);
        // In value position generics need the turbofish: `foo::<T>`.
        if (inValue) this.print('::');
        this.print('<');
        this.printSepList(() => this.printGenericArg(), ', ');
        this.print('>');
        break;
      }
      case 'B':
        this.printBackref(() => this.printPath(inValue));
        break;
      default:
        abandon();
    }
    this.popDepth();
  }

  private printGenericArg(): void {
    if (this.eat(code('L'))) this.printLifetimeFromIndex(this.integer62());
    else if (this.eat(code('K'))) this.printConst(false);
    else this.printType();
  }

  private printType(): void {
    const tagCode = this.next();
    const basic = BASIC_TYPES.get(tagCode);
    if (basic !== undefined) {
      this.print(basic);
      return;
    }
    this.pushDepth();
    const tag = String.fromCharCode(tagCode);
    switch (tag) {
      case 'R':
      case 'Q': {
        this.print('&');
        if (this.eat(code('L'))) {
          const lt = this.integer62();
          if (lt !== 0n) {
            this.printLifetimeFromIndex(lt);
            this.print(' ');
          }
        }
        if (tag === 'Q') this.print('mut ');
        this.printType();
        break;
      }
      case 'P':
      case 'O':
        this.print(tag === 'P' ? '*const ' : '*mut ');
        this.printType();
        break;
      case 'A':
      case 'S':
        this.print('[');
        this.printType();
        if (tag === 'A') {
          this.print('; ');
          this.printConst(true);
        }
        this.print(']');
        break;
      case 'T': {
        this.print('(');
        const count = this.printSepList(() => this.printType(), ', ');
        if (count === 1) this.print(',');
        this.print(')');
        break;
      }
      case 'F':
        this.inBinder(() => this.printFnSig());
        break;
      case 'D': {
        this.print('dyn ');
        this.inBinder(() => void this.printSepList(() => this.printDynTrait(), ' + '));
        if (!this.eat(code('L'))) abandon();
        const lt = this.integer62();
        if (lt !== 0n) {
          this.print(' + ');
          this.printLifetimeFromIndex(lt);
        }
        break;
      }
      case 'B':
        this.printBackref(() => this.printType());
        break;
      case 'W':
        this.printType();
        this.print(' is ');
        this.printPat();
        break;
      default:
        // Any other tag starts a path naming a type (struct, enum, …).
        this.pos--;
        this.printPath(false);
    }
    this.popDepth();
  }

  private printFnSig(): void {
    const isUnsafe = this.eat(code('U'));
    let abi: string | null = null;
    if (this.eat(code('K'))) {
      if (this.eat(code('C'))) {
        abi = 'C';
      } else {
        const ident = this.ident();
        if (ident.ascii === '' || ident.punycode !== '') abandon();
        abi = ident.ascii;
      }
    }
    if (isUnsafe) this.print('unsafe ');
    // Mangling replaced the `-` of ABIs like `C-unwind` by `_`.
    if (abi !== null) this.print(`extern "${abi.split('_').join('-')}" `);
    this.print('fn(');
    this.printSepList(() => this.printType(), ', ');
    this.print(')');
    if (!this.eat(code('u'))) {
      this.print(' -> ');
      this.printType();
    }
  }

  /**
   * Prints a trait path but leaves its `<…` open when it has generic args, so
   * associated-type bindings (`p`) can go inside: `dyn Fn<(), Output = ()>`.
   */
  private printPathMaybeOpenGenerics(): boolean {
    if (this.eat(code('B'))) {
      let open = false;
      this.printBackref(() => {
        open = this.printPathMaybeOpenGenerics();
      });
      return open;
    }
    if (this.eat(code('I'))) {
      this.printPath(false);
      this.print('<');
      this.printSepList(() => this.printGenericArg(), ', ');
      return true;
    }
    this.printPath(false);
    return false;
  }

  private printDynTrait(): void {
    let open = this.printPathMaybeOpenGenerics();
    while (this.eat(code('p'))) {
      this.print(open ? ', ' : '<');
      open = true;
      const name = this.ident();
      this.printIdent(name);
      this.print(' = ');
      if (this.eat(code('K'))) this.printConst(false);
      else this.printType();
    }
    if (open) this.print('>');
  }

  /** Pattern types (`u32 is 1..=9`). */
  private printPat(): void {
    const tag = String.fromCharCode(this.next());
    switch (tag) {
      case 'R':
        this.printConst(false);
        this.print('..=');
        this.printConst(false);
        break;
      case 'O':
        this.pushDepth();
        this.printPat();
        while (!this.eat(CH_E)) {
          this.print(' | ');
          this.printPat();
        }
        this.popDepth();
        break;
      case 'N':
        this.print('!null');
        break;
      default:
        abandon();
    }
  }

  private printConst(inValue: boolean): void {
    const tag = String.fromCharCode(this.next());
    this.pushDepth();
    // Only literals may appear bare as a generic argument; other const
    // expressions get braces unless nested inside another const.
    let openedBrace = false;
    const openBrace = (): void => {
      if (inValue) return;
      openedBrace = true;
      this.print('{');
    };
    switch (tag) {
      case 'p':
        this.print('_');
        break;
      case 'h':
      case 't':
      case 'm':
      case 'y':
      case 'o':
      case 'j':
        this.printConstUint(tag);
        break;
      case 'a':
      case 's':
      case 'l':
      case 'x':
      case 'n':
      case 'i':
        if (this.eat(code('n'))) this.print('-');
        this.printConstUint(tag);
        break;
      case 'b': {
        const v = parseHexUint(this.hexNibbles());
        if (v === 0n) this.print('false');
        else if (v === 1n) this.print('true');
        else abandon();
        break;
      }
      case 'c': {
        const v = parseHexUint(this.hexNibbles());
        if (v === null || v > 0x10ffffn || (v >= 0xd800n && v <= 0xdfffn)) abandon();
        this.printQuoted("'", [Number(v)]);
        break;
      }
      case 'e':
        // A string literal has type `&str`; `*"…"` gets back to `str`.
        openBrace();
        this.print('*');
        this.printConstStrLiteral();
        break;
      case 'R':
      case 'Q':
        if (tag === 'R' && this.eat(code('e'))) {
          this.printConstStrLiteral();
        } else {
          openBrace();
          this.print(tag === 'R' ? '&' : '&mut ');
          this.printConst(true);
        }
        break;
      case 'A':
        openBrace();
        this.print('[');
        this.printSepList(() => this.printConst(true), ', ');
        this.print(']');
        break;
      case 'T': {
        openBrace();
        this.print('(');
        const count = this.printSepList(() => this.printConst(true), ', ');
        if (count === 1) this.print(',');
        this.print(')');
        break;
      }
      case 'V':
        openBrace();
        this.printPath(true);
        this.printConstVariantFields();
        break;
      case 'B':
        this.printBackref(() => this.printConst(inValue));
        break;
      default:
        abandon();
    }
    if (openedBrace) this.print('}');
    this.popDepth();
  }

  private printConstVariantFields(): void {
    switch (String.fromCharCode(this.next())) {
      case 'U':
        break;
      case 'T':
        this.print('(');
        this.printSepList(() => this.printConst(true), ', ');
        this.print(')');
        break;
      case 'S':
        this.print(' { ');
        this.printSepList(() => {
          this.disambiguator();
          const name = this.ident();
          this.printIdent(name);
          this.print(': ');
          this.printConst(true);
        }, ', ');
        this.print(' }');
        break;
      default:
        abandon();
    }
  }

  private printConstUint(tag: string): void {
    const nibbles = this.hexNibbles();
    const v = parseHexUint(nibbles);
    // Values beyond u64 are printed as the raw hex rustc-demangle shows.
    this.print(v === null ? `0x${nibbles}` : v.toString());
    this.print(BASIC_TYPES.get(code(tag))!);
  }

  private printConstStrLiteral(): void {
    const nibbles = this.hexNibbles();
    const chars = decodeUtf8Nibbles(nibbles);
    if (chars === null) abandon();
    this.printQuoted('"', chars);
  }

  private printQuoted(quote: string, codePoints: readonly number[]): void {
    if (this.out === null) return;
    let s = quote;
    for (const cp of codePoints) s += escapeDebug(cp, quote);
    this.print(s + quote);
  }
}

function identToString(ident: Ident): string {
  if (ident.punycode === '') return ident.ascii;
  const decoded = punycodeDecode(ident.ascii, ident.punycode);
  if (decoded !== null) return decoded;
  // Undecodable: show standard Punycode (`-` separator) so nothing is lost.
  return `punycode{${ident.ascii === '' ? '' : `${ident.ascii}-`}${ident.punycode}}`;
}

// rustc-demangle decodes into a fixed 128-char buffer and gives up beyond it.
const MAX_PUNYCODE_CHARS = 128;
// Any intermediate this large can only end in an out-of-range code point (or a
// u64 overflow in rustc-demangle): both are failures, so stop early.
const PUNYCODE_OVERFLOW = 2 ** 52;

/** RFC 3492 decoding with rustc-demangle's limits; null when it fails. */
function punycodeDecode(ascii: string, punycode: string): string | null {
  const base = 36;
  const tMin = 1;
  const tMax = 26;
  const skew = 38;
  if (ascii.length > MAX_PUNYCODE_CHARS) return null;
  const out: number[] = [];
  for (let j = 0; j < ascii.length; j++) out.push(ascii.charCodeAt(j));
  let damp = 700;
  let bias = 72;
  let i = 0;
  let n = 0x80;
  let p = 0;
  for (;;) {
    let delta = 0;
    let w = 1;
    for (let k = base; ; k += base) {
      const t = Math.min(Math.max(k - bias, tMin), tMax);
      if (p >= punycode.length) return null;
      const c = punycode.charCodeAt(p++);
      let d: number;
      if (isLower(c)) d = c - CH_a;
      else if (isDigit(c)) d = 26 + c - CH_0;
      else return null;
      delta += d * w;
      if (delta > PUNYCODE_OVERFLOW) return null;
      if (d < t) break;
      w *= base - t;
      if (w > PUNYCODE_OVERFLOW) return null;
    }
    const len = out.length + 1;
    i += delta;
    n += Math.floor(i / len);
    i %= len;
    if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return null;
    if (out.length >= MAX_PUNYCODE_CHARS) return null;
    out.splice(i, 0, n);
    i++;
    if (p >= punycode.length) return String.fromCodePoint(...out);

    delta = Math.floor(delta / damp);
    damp = 2;
    delta += Math.floor(delta / len);
    let k = 0;
    while (delta > ((base - tMin) * tMax) / 2) {
      delta = Math.floor(delta / (base - tMin));
      k += base;
    }
    bias = k + Math.floor(((base - tMin + 1) * delta) / (delta + skew));
  }
}

/** Leading zeros are ignored; null when the value does not fit in a u64. */
function parseHexUint(nibbles: string): bigint | null {
  const digits = nibbles.replace(/^0+/, '');
  if (digits.length > 16) return null;
  return digits === '' ? 0n : BigInt(`0x${digits}`);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Byte pairs → code points, null unless the bytes are valid UTF-8. */
function decodeUtf8Nibbles(nibbles: string): number[] | null {
  if (nibbles.length % 2 !== 0) return null;
  const bytes = new Uint8Array(nibbles.length / 2);
  for (let j = 0; j < bytes.length; j++) bytes[j] = parseInt(nibbles.slice(2 * j, 2 * j + 2), 16);
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return null;
  }
  const cps: number[] = [];
  for (const ch of text) cps.push(ch.codePointAt(0)!);
  return cps;
}

// Rust's `char::escape_debug`: non-printable chars are those in Unicode
// categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs (except space), plus grapheme
// extenders; the tables come from the JS engine's Unicode version.
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}\p{Grapheme_Extend}]/u;

function escapeDebug(cp: number, quote: string): string {
  const ch = String.fromCodePoint(cp);
  // A quote of the other kind than the delimiter stays bare, as in rustc-demangle.
  if ((ch === '"' || ch === "'") && ch !== quote) return ch;
  switch (ch) {
    case '\0':
      return '\\0';
    case '\t':
      return '\\t';
    case '\r':
      return '\\r';
    case '\n':
      return '\\n';
    case '\\':
    case '"':
    case "'":
      return `\\${ch}`;
  }
  if (ch !== ' ' && NON_PRINTABLE.test(ch)) return `\\u{${cp.toString(16)}}`;
  return ch;
}

function utf8Length(s: string): number {
  let n = s.length;
  for (let j = 0; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c < 0x80) continue;
    // Two UTF-16 units of a surrogate pair make 4 bytes; other chars 2 or 3.
    n += c < 0x800 ? 1 : c >= 0xd800 && c <= 0xdfff ? 1 : 2;
  }
  return n;
}
