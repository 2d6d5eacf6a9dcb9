import type { Command } from 'commander';
import type { CliCommand } from '../command.js';
import { parseCount } from '../values.js';

export const watch: CliCommand = {
  name: 'watch',
  configure: (cmd: Command) =>
    cmd
      .description(
        "serve a running process's memory from /proc as Prometheus metrics (RSS, peak RSS, virtual size, threads, open files); ends with the process",
      )
      .requiredOption('--pid <pid>', 'the process to watch', parseCount)
      .option('--port <port>', 'metrics port', parseCount, 9465)
      .option('--host <host>', 'listen address (default 127.0.0.1)', '127.0.0.1'),
  async run(flags: { pid: number; port: number; host: string }) {
    const { watchProcess } = await import('../../runtime/proc-watch.js');
    const watching = await watchProcess(flags.pid, { port: flags.port, host: flags.host });
    process.stderr.write(`heapflame: metrics of process ${flags.pid} at ${watching.url}/metrics\n`);
    await watching.done;
    process.stderr.write(`heapflame: process ${flags.pid} ended\n`);
    return 0;
  },
};
