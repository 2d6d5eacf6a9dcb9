#!/usr/bin/env node
import { COMMANDS } from './commands/index.js';

// A command that reads a recording lets the formats start their work (heaptrack's decoding
// thread) first, so that it starts while the rest of the command line loads.
const [name, file] = process.argv.slice(2);
if (COMMANDS.find((c) => c.name === name)?.readsRecording && file && file !== '-' && !file.startsWith('-'))
  (await import('../load.js')).warmUp(file);

const { main } = await import('./program.js');
process.exitCode = await main(process.argv);
