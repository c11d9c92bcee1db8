/**
 * One `riposte worker` of the scale benchmark: Riposte on the bench's database and Redis, with the
 * bench's fake enrichment actions. Prints "ready" once it takes work; SIGTERM stops it gracefully.
 * Arguments: data dir, database URL, Redis URL, key prefix, master key (hex).
 */
import { loadConfig } from '../src/config.ts';
import { openRiposte } from '../src/riposte.ts';
import { benchActions } from './engine-bench.ts';

const [dataDir, databaseUrl, redisUrl, redisPrefix, masterKey] = process.argv.slice(2);
const riposte = await openRiposte(
  loadConfig(
    {},
    {
      dataDir: dataDir!,
      databaseUrl: databaseUrl!,
      redisUrl: redisUrl!,
      redisPrefix: redisPrefix!,
      masterKey: masterKey!,
      logLevel: 'silent',
      builtinPlaybooks: false,
    },
  ),
  { migrate: false },
);
for (const action of benchActions()) riposte.actions.register(action);
await riposte.startWorker();
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void riposte.close().then(() => process.exit(0));
});
