/**
 * flamegraph.pl's palettes. Colours come from the frame name (the same name gets the same
 * colour in every graph); `hash` weights the start of the name more, as flamegraph.pl --hash.
 */
export const PALETTES = [
  'hot',
  'mem',
  'io',
  'wakeup',
  'chain',
  'java',
  'js',
  'perl',
  'rust',
  'python',
  'red',
  'green',
  'blue',
  'aqua',
  'yellow',
  'purple',
  'orange',
] as const;
export type Palette = (typeof PALETTES)[number];

type Basic = 'hot' | 'mem' | 'io' | 'red' | 'green' | 'blue' | 'aqua' | 'yellow' | 'purple' | 'orange';

/** perf's annotations: `_[k]` kernel, `_[i]` inlined, `_[j]` JIT, `_[w]` waker. */
export function stripAnnotation(name: string): string {
  return /_\[[kwij]\]$/.test(name) ? name.slice(0, -4) : name;
}

export function frameColor(name: string, palette: Palette, hash: boolean): string {
  if (name === '-') return 'rgb(200,200,200)';
  if (name === '--') return 'rgb(160,160,160)';
  const [v1, v2, v3] = hash ? weightedHash(name) : nameHash(name);
  return basicColor(pick(name, palette), v1, v2, v3);
}

function pick(name: string, palette: Palette): Basic {
  const ann = /_\[([kwij])\]$/.exec(name)?.[1];
  switch (palette) {
    case 'java':
      if (ann === 'j') return 'green';
      if (ann === 'i') return 'aqua';
      if (/^L?(java|javax|jdk|net|org|com|io|sun)\//.test(name) || name.includes(':::')) return 'green';
      if (name.includes('::')) return 'yellow';
      return ann === 'k' ? 'orange' : 'red';
    case 'js':
      if (ann === 'j') return name.includes('/') ? 'green' : 'aqua';
      if (name.includes('::')) return 'yellow';
      if (/\/.*\.js/.test(name)) return 'green';
      if (name.includes(':')) return 'aqua';
      if (/^ $/.test(name)) return 'green';
      return ann === 'k' ? 'orange' : 'red';
    case 'perl':
      if (name.includes('::')) return 'yellow';
      if (/Perl|\.pl/.test(name)) return 'green';
      return ann === 'k' ? 'orange' : 'red';
    case 'rust':
      // inferno's rule: the standard library and core in orange, everything else red
      if (/^(<)?(core|std|alloc)::/.test(name)) return 'orange';
      return ann === 'k' ? 'orange' : 'red';
    case 'python':
      if (/\.py/.test(name)) return 'green';
      return ann === 'k' ? 'orange' : 'red';
    case 'wakeup':
      return 'aqua';
    case 'chain':
      return ann === 'w' ? 'aqua' : 'blue';
    default:
      return palette;
  }
}

function basicColor(p: Basic, v1: number, v2: number, v3: number): string {
  const rgb = (r: number, g: number, b: number) => `rgb(${Math.trunc(r)},${Math.trunc(g)},${Math.trunc(b)})`;
  switch (p) {
    case 'hot':
      return rgb(205 + 50 * v3, 230 * v1, 55 * v2);
    case 'mem':
      return rgb(0, 190 + 50 * v2, 210 * v1);
    case 'io': {
      const r = 80 + 60 * v1;
      return rgb(r, r, 190 + 55 * v2);
    }
    case 'red':
      return rgb(200 + 55 * v1, 50 + 80 * v1, 50 + 80 * v1);
    case 'green':
      return rgb(50 + 60 * v1, 200 + 55 * v1, 50 + 60 * v1);
    case 'blue':
      return rgb(80 + 60 * v1, 80 + 60 * v1, 205 + 50 * v1);
    case 'yellow':
      return rgb(175 + 55 * v1, 175 + 55 * v1, 50 + 20 * v1);
    case 'purple':
      return rgb(190 + 65 * v1, 80 + 60 * v1, 190 + 65 * v1);
    case 'aqua':
      return rgb(50 + 60 * v1, 165 + 55 * v1, 165 + 55 * v1);
    case 'orange':
      return rgb(190 + 65 * v1, 90 + 65 * v1, 0);
  }
}

/** Three values in [0, 1) from a PRNG seeded by the name: stable per name, like flamegraph.pl's default. */
function nameHash(name: string): [number, number, number] {
  let seed = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) seed = Math.imul(seed ^ name.charCodeAt(i), 0x01000193);
  const next = () => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return [next(), next(), next()];
}

/** flamegraph.pl --hash: the first characters weigh most (module prefixes before ` dropped). */
function weightedHash(name: string): [number, number, number] {
  const n = name.replace(/^.*`/, '');
  const h = (s: string) => {
    let vector = 0;
    let weight = 1;
    let max = 1;
    let mod = 10;
    for (const ch of s.slice(0, 8)) {
      const i = ch.charCodeAt(0) % mod;
      vector += (i / (mod++ - 1)) * weight;
      max += weight;
      weight *= 0.7;
    }
    return 1 - vector / max;
  };
  const v1 = h(n);
  const v2 = h([...n].reverse().join(''));
  return [v1, v2, v2];
}

/** Background gradient per palette, as flamegraph.pl draws it. */
export function background(palette: Palette): [string, string] {
  if (palette === 'mem') return ['#eef2ee', '#e0ffe0'];
  if (palette === 'io' || palette === 'wakeup' || palette === 'chain') return ['#eeeeee', '#e0e0ff'];
  if (['red', 'green', 'blue', 'aqua', 'yellow', 'purple', 'orange'].includes(palette)) return ['#f8f8f8', '#e8e8e8'];
  return ['#eeeeee', '#eeeeb0'];
}

/** Differential colour: white at 0, red for growth, blue for shrinkage, by |delta| / max. */
export function diffColor(delta: number, maxDelta: number): string {
  if (maxDelta <= 0 || delta === 0) return 'rgb(255,255,255)';
  const v = Math.trunc((210 * (maxDelta - Math.min(Math.abs(delta), maxDelta))) / maxDelta);
  return delta > 0 ? `rgb(255,${v},${v})` : `rgb(${v},${v},255)`;
}
