import type { Profile } from '../model/profile.js';
import { demangleRust } from './demangle-rust.js';

export interface NameOptions {
  /**
   * heaptrack_print's exact names: no demangling, and its template shortening including its
   * quirks (`operator->` cuts the rest of the name). Default false.
   */
  raw?: boolean;
  /** Keep Rust hash suffixes (`::h0123…`) and crate disambiguators. Default false. */
  keepHashes?: boolean;
  /** Shorten C++ template arguments to `<>` as heaptrack_print does. Default true. */
  shortenTemplates?: boolean;
}

/** Returns the profile with display names: demangled Rust symbols, shortened C++ templates. */
export function presentNames(profile: Profile, options: NameOptions = {}): Profile {
  // folded stacks are drawn as given, as flamegraph.pl does
  if (profile.meta.namesAsGiven) return profile;
  const shorten = options.shortenTemplates !== false;
  const cache = new Map<string, string>();
  const present = (name: string): string => {
    let out = cache.get(name);
    if (out === undefined) {
      out = presentName(name, options.raw === true, options.keepHashes === true, shorten);
      cache.set(name, out);
    }
    return out;
  };
  return { ...profile, frames: profile.frames.map((f) => (f.name ? { ...f, name: present(f.name) } : f)) };
}

export function presentName(name: string, raw: boolean, keepHashes: boolean, shorten: boolean): string {
  if (raw) return shorten ? shortenTemplates(name, true) : name;
  const demangled = demangleRust(name, { keepHashes });
  // Rust paths keep their generics: `<T as Trait>::f` would shorten to `<>::f`.
  if (demangled !== name) return demangled;
  return shorten ? shortenTemplates(name, false) : name;
}

/**
 * heaptrack_print's prettyFunction: template arguments become `<>`. With `heaptrackQuirks`
 * it also reproduces its handling of `operator->`, which drops the rest of the name.
 */
export function shortenTemplates(name: string, heaptrackQuirks: boolean): string {
  let ret = '';
  let depth = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if ((c === '<' || c === '>') && ret.length >= 8) {
      let cmp = 'operator';
      if (ret[ret.length - 1] === c) cmp = c === '<' ? 'operator<' : 'operator>';
      if (ret.endsWith(cmp)) {
        ret += c;
        continue;
      }
      // operator->, operator->* and operator<=> are operators, not template brackets
      if (!heaptrackQuirks && c === '>' && (ret.endsWith('operator-') || ret.endsWith('operator<='))) {
        ret += c;
        continue;
      }
    }
    if (c === '<') {
      depth++;
      if (depth === 1) ret += c;
    } else if (c === '>') {
      depth--;
      if (!heaptrackQuirks && depth < 0) depth = 0;
    }
    if (depth !== 0) continue;
    ret += c;
  }
  return ret;
}
