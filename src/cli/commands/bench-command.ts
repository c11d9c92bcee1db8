import { UsageError, type Io } from '../cli-context.ts';

/** `riposte bench ingest` / `ingest-growth` / `syslog` / `engine` / `scale` / `soak` / `big-case` / `console` — see bench/ and docs/benchmarks.md. */
export async function benchCommand(args: string[], io: Io): Promise<number> {
  const [which, ...rest] = args;
  if (which === 'ingest') {
    const { runIngestBench } = await import('../../../bench/ingest-bench.ts');
    const result = await runIngestBench(rest, io);
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    // A run with a lost alert, a non-202 answer or a failed connection is not a valid measurement.
    return (result as { valid?: boolean }).valid === false ? 1 : 0;
  }
  if (which === 'ingest-growth') {
    const { runIngestGrowthBench } = await import('../../../bench/ingest-growth-bench.ts');
    io.stdout(`${JSON.stringify(await runIngestGrowthBench(rest, io), null, 2)}\n`);
    return 0;
  }
  if (which === 'syslog') {
    const { runSyslogBench } = await import('../../../bench/syslog-bench.ts');
    const result = await runSyslogBench(rest, io);
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return result.valid ? 0 : 1;
  }
  if (which === 'engine') {
    const { runEngineBench } = await import('../../../bench/engine-bench.ts');
    const result = await runEngineBench(rest, io);
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  if (which === 'scale') {
    const { runScaleBench } = await import('../../../bench/scale-bench.ts');
    io.stdout(`${JSON.stringify(await runScaleBench(rest, io), null, 2)}\n`);
    return 0;
  }
  if (which === 'soak') {
    const { runSoakBench } = await import('../../../bench/soak-bench.ts');
    const result = await runSoakBench(rest, io);
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return (result as { valid?: boolean }).valid === false ? 1 : 0;
  }
  if (which === 'big-case') {
    const { runBigCaseBench } = await import('../../../bench/big-case-bench.ts');
    io.stdout(`${JSON.stringify(await runBigCaseBench(rest, io), null, 2)}\n`);
    return 0;
  }
  if (which === 'console') {
    const { runConsoleBench } = await import('../../../bench/console-bench.ts');
    const result = await runConsoleBench(rest, io);
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  throw new UsageError(
    'bench needs a scenario: ingest, ingest-growth, syslog, engine, scale, soak, big-case or console',
  );
}
