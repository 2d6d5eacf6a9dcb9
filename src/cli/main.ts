#!/usr/bin/env node
import { mayBeLargeRecording } from '../import/detect.js';
import { prestartWorker } from '../import/heaptrack-feed.js';

// A command that reads a recording boots its decoding thread first, so that the thread starts
// while the rest of the command line loads. Plain folded stacks never use it.
const [command, file] = process.argv.slice(2);
if (['report', 'folded', 'flamegraph', 'diff'].includes(command) && file && file !== '-' && !file.startsWith('-') && mayBeLargeRecording(file)) prestartWorker();

const { main } = await import('./program.js');
process.exitCode = await main(process.argv);
