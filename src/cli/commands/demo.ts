import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { HeapflameError } from '../../model/errors.js';
import type { CliCommand, ExitStatus } from '../command.js';
import { parseCount } from '../values.js';

/** The S3 demo server's program (examples/s3-server), as the build compiles it. */
const SERVER_PROGRAM = fileURLToPath(new URL('../../../examples/s3-server/main.js', import.meta.url));

interface DemoFlags {
  output: string;
  serve?: boolean;
  port: number;
  metricsPort: number;
  host: string;
  data: string;
  profileToken?: string;
  tlsCert?: string;
  tlsKey?: string;
  instrument: boolean;
}

/**
 * `demo --serve` runs the S3 demo server program until SIGINT or SIGTERM, which it passes on;
 * the server ends with this process (its IPC channel closes), however this one ends.
 */
async function serve(flags: DemoFlags): Promise<ExitStatus> {
  if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey))
    throw new HeapflameError('TLS needs both --tls-cert and --tls-key');
  const { spawn } = await import('node:child_process');
  const args = [
    '--port',
    String(flags.port),
    '--metrics-port',
    String(flags.metricsPort),
    '--host',
    flags.host,
    '--data',
    flags.data,
  ];
  if (flags.profileToken !== undefined) args.push('--profile-token', flags.profileToken);
  if (flags.tlsCert && flags.tlsKey) args.push('--tls-cert', flags.tlsCert, '--tls-key', flags.tlsKey);
  if (!flags.instrument) args.push('--no-instrument');
  const server = spawn(process.execPath, [SERVER_PROGRAM, ...args], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  });
  const pass = (signal: NodeJS.Signals) => server.kill(signal);
  process.on('SIGINT', pass);
  process.on('SIGTERM', pass);
  const [code, signal] = (await new Promise((resolve) => server.once('exit', (...end) => resolve(end)))) as [
    number | null,
    NodeJS.Signals | null,
  ];
  process.off('SIGINT', pass);
  process.off('SIGTERM', pass);
  // stopped by the signal passed on: a clean end, as before
  return signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : signal ? { signal } : (code ?? 1);
}

export const demo: CliCommand = {
  name: 'demo',
  configure: (cmd: Command) =>
    cmd
      .description(
        'record the bundled S3 GET example with its planted problems and fixed, and write reports, flame graphs and diffs to heapflame-demo/; with --serve, run the monitored S3 demo server instead',
      )
      .option('-o, --output <dir>', 'output directory', 'heapflame-demo')
      .option('--serve', 'run the S3 demo server with metrics and on-demand profiles (until Ctrl-C)')
      .option('--port <port>', 'S3 port (--serve)', parseCount, 9000)
      .option('--metrics-port <port>', 'metrics port (--serve)', parseCount, 9464)
      .option('--host <host>', 'listen address (--serve)', '127.0.0.1')
      .option('--data <dir>', 'object storage directory (--serve)', 'heapflame-demo/s3-data')
      .option('--profile-token <token>', 'bearer token for /debug/heapflame/heap (--serve)')
      .option('--tls-cert <file>', 'TLS certificate (PEM) for the S3 port (--serve)')
      .option('--tls-key <file>', 'TLS key (PEM) (--serve)')
      .option('--no-instrument', 'without metrics (--serve; the baseline of bench/metrics-load.mjs)'),
  async run(flags: DemoFlags) {
    if (flags.serve) return serve(flags);
    await (await import('../demo.js')).runDemo(flags.output);
    return 0;
  },
};
