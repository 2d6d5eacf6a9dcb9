import { type Command, Option } from 'commander';
import { PALETTES, type Palette } from '../../export/flame-colors.js';
import { SVG_DEFAULTS } from '../../export/svg-defaults.js';
import { writeOutput } from '../../export/write-file.js';
import { COST_HELP, type CliCommand, INPUT, type ReadFlags, readOptions, readProfile } from '../command.js';
import { parseCount } from '../values.js';

/** flamegraph.pl's option names, as commander gives them. */
interface FlameGraphFlags extends ReadFlags {
  output: string;
  cost?: string;
  title?: string;
  subtitle?: string;
  width: number;
  height: number;
  fontsize: number;
  fonttype: string;
  fontwidth: number;
  minwidth: string;
  countname?: string;
  nametype: string;
  colors?: Palette;
  hash?: boolean;
  reverse?: boolean;
  inverted?: boolean;
  flamechart?: boolean;
  negate?: boolean;
  factor: number;
  notes?: string;
  total?: number;
  sort: 'name' | 'weight';
  /** --no-time-ranges: false. */
  timeRanges: boolean;
}

function graphOptions(cmd: Command): Command {
  return cmd
    .option('--title <text>', 'title (default: "heapflame: <cost>")')
    .option('--subtitle <text>', 'second title line')
    .option('--width <px>', 'image width', parseCount, SVG_DEFAULTS.width)
    .option('--height <px>', 'frame height', parseCount, SVG_DEFAULTS.height)
    .option('--fontsize <px>', 'font size', parseCount, SVG_DEFAULTS.fontSize)
    .option('--fonttype <font>', 'font family', SVG_DEFAULTS.fontType)
    .option('--fontwidth <ratio>', 'average glyph width / font size', Number, SVG_DEFAULTS.fontWidth)
    .option('--minwidth <px|%>', 'omit frames narrower than this (px, or N% of the total)', SVG_DEFAULTS.minWidth)
    .option('--countname <text>', 'unit in tooltips')
    .option('--nametype <text>', 'prefix of the hover line', SVG_DEFAULTS.nameType)
    .addOption(
      new Option('--colors <palette>', 'palette (default: mem for memory, hot otherwise)').choices([...PALETTES]),
    )
    .option('--hash', 'colours weighted by the start of the name')
    .option('--reverse', 'merge stacks from the leaf (who calls the hot functions)')
    .option('--inverted', 'icicle graph: root at the top')
    .option('--flamechart', 'flame chart: stacks in input order, merged only with the one before')
    .option('--negate', 'two-column (differential) input: widths from the first column')
    .option('--factor <n>', 'multiply values for display', Number, SVG_DEFAULTS.factor)
    .option('--notes <text>', 'notes in an XML comment')
    .option('--total <n>', '100% is this (to share a scale between graphs)', Number)
    .addOption(new Option('--sort <order>', 'sibling order').choices(['name', 'weight']).default(SVG_DEFAULTS.sort));
}

export const flamegraph: CliCommand = {
  name: 'flamegraph',
  configure: (cmd: Command) =>
    readOptions(
      graphOptions(
        cmd
          .description('an interactive SVG flame graph (flamegraph.pl options), from a recording or folded stacks')
          .argument('<file>', INPUT)
          .requiredOption(
            '-o, --output <file>',
            'output file: .svg (one cost) or .html (every cost, interactive report)',
          )
          .option('-c, --cost <cost>', `SVG: ${COST_HELP}`)
          .option(
            '--no-time-ranges',
            'HTML: without the lifetimes a time range is recomputed from (heaptrack recordings; faster)',
          ),
      ),
    ),
  async run(file: string, flags: FlameGraphFlags) {
    const { graphExporter } = await import('../../export/registry.js');
    const exporter = graphExporter(flags.output);
    const profile = await readProfile(file, flags, {
      keepOrder: flags.flamechart,
      // time ranges need each block's lifetime, not with a window already chosen
      lifetimes:
        exporter.wants?.lifetimes &&
        flags.timeRanges &&
        flags.from === undefined &&
        flags.to === undefined &&
        flags.at === undefined,
    });
    const {
      fontsize: fontSize,
      fonttype: fontType,
      fontwidth: fontWidth,
      minwidth: minWidth,
      countname: countName,
      nametype: nameType,
    } = flags;
    const options = { ...flags, fontSize, fontType, fontWidth, minWidth, countName, nameType };
    await writeOutput(flags.output, exporter.chunks(profile, options));
    return 0;
  },
};
