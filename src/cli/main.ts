#!/usr/bin/env node
const [, file] = process.argv.slice(2);
if (file && file !== '-' && !file.startsWith('-')) {
  // A large recording is read faster with huge pages: this process may be replaced by itself
  // with them (it returns when not).
  (await import('./huge-pages.js')).reexecWithHugePages();
  // A command whose first argument is a large recording lets the formats start their work
  // (heaptrack's decoding thread reads it) first, so that it runs while the rest of the
  // command line loads; any other first argument costs a failed stat.
  (await import('../load.js')).warmUp(file);
}

const { main } = await import('./program.js');
process.exitCode = await main(process.argv);
