import { parseArgs } from 'node:util';
import { startDemo } from '../../demo/demo.ts';
import { UsageError, type Io } from '../cli-context.ts';
import { watchStopSignal } from './serve-command.ts';

/** `riposte demo [--port 8080] [--data-dir ./data-demo] [--fresh]` — runs until SIGINT/SIGTERM. */
export async function demoCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '8080' },
      'data-dir': { type: 'string', default: './data-demo' },
      fresh: { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0–65535');
  const stop = watchStopSignal(io);
  const demo = await startDemo({
    dataDir: values['data-dir'],
    port,
    fresh: values.fresh,
    out: (line) => io.stdout(`${line}\n`),
    err: (line) => io.stderr(`${line}\n`),
  });
  await stop.received();
  await demo.close();
  io.stderr('riposte demo stopped (fakes closed, data kept; --fresh starts over)\n');
  return 0;
}
