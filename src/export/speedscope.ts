import type { Exporter } from './exporter.js';
import { type Profile, stackOf } from '../model/profile.js';

/**
 * speedscope's file format (https://www.speedscope.app/file-format-schema.json): the frames
 * shared, one sampled profile per cost, each stack root first with its value as weight. Byte
 * costs have speedscope's unit "bytes"; counts are "none".
 */
export const speedscopeExporter: Exporter = {
  name: 'speedscope',
  kind: 'profile',
  suffixes: ['.speedscope.json'],
  label: '.speedscope.json',
  chunks: (profile) => [renderSpeedscope(profile)],
};

export function renderSpeedscope(profile: Profile, name = 'heapflame'): string {
  const frames = profile.frames.map((f) => ({
    name: f.name || `0x${f.address || '?'}`,
    ...(f.file && { file: f.file }),
    ...(f.line > 0 && { line: f.line }),
  }));
  const stackOfNode = new Map<number, number[]>();
  const stack = (node: number): number[] => {
    let s = stackOfNode.get(node);
    if (!s) stackOfNode.set(node, (s = stackOf(profile, node)));
    return s;
  };
  const profiles = profile.costs.map((cost, c) => {
    const samples: number[][] = [];
    const weights: number[] = [];
    let total = 0;
    for (let i = 0; i < profile.sampleCount; i++) {
      const v = profile.values[c][i];
      if (!(v > 0)) continue;
      samples.push(stack(profile.sampleNode[i]));
      weights.push(v);
      total += v;
    }
    // the cost's id in the name lets heapflame read the file back with the same costs
    const name = cost.label === cost.id ? cost.id : `${cost.label} (${cost.id})`;
    return {
      type: 'sampled',
      name,
      unit: cost.unit === 'bytes' ? 'bytes' : 'none',
      startValue: 0,
      endValue: total,
      samples,
      weights,
    };
  });
  return JSON.stringify({
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    shared: { frames },
    profiles,
    name,
    activeProfileIndex: 0,
    exporter: 'heapflame',
  });
}
