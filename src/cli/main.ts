#!/usr/bin/env node
import { closeSync, openSync, readSync } from 'node:fs';
import { prestartWorker } from '../import/heaptrack-feed.js';

// A command that reads a recording boots its decoding thread first, so that the thread starts
// while the rest of the command line loads. Plain folded stacks never use it.
const [command, file] = process.argv.slice(2);
if (['report', 'folded', 'flamegraph', 'diff'].includes(command) && file && file !== '-' && !file.startsWith('-') && mayBeRecording(file)) prestartWorker();

const { main } = await import('./program.js');
process.exitCode = await main(process.argv);

/** Compressed, or plain text that opens like a heaptrack recording ("v 10100 3"). */
function mayBeRecording(path: string): boolean {
  try {
    const fd = openSync(path, 'r');
    const head = Buffer.alloc(2);
    const n = readSync(fd, head, 0, 2, 0);
    closeSync(fd);
    return n < 2 || !(head[0] >= 0x20 && head[0] < 0x7f) || (head[0] === 0x76 && head[1] === 0x20);
  } catch {
    return true;
  }
}
