/**
 * The crash test's worker process: opens Riposte on the data dir it is given and runs playbooks until
 * it is killed (SIGKILL, at a random moment) or every run has finished.
 */
import { loadConfig } from '../../src/config.ts';
import { openRiposte } from '../../src/riposte.ts';
import { crashEffectAction } from './crash-effect.ts';

const [dataDir, targetUrl] = process.argv.slice(2);
const riposte = await openRiposte(loadConfig({}, { dataDir: dataDir!, logLevel: 'silent' }));
riposte.actions.register(crashEffectAction(targetUrl!));
await riposte.startWorker();
for (;;) {
  const open = await riposte.database.db
    .selectFrom('runs')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('status', 'not in', ['succeeded', 'failed', 'cancelled'])
    .executeTakeFirstOrThrow();
  if (Number(open.n) === 0) break;
  await new Promise((r) => setTimeout(r, 50));
}
await riposte.close();
process.exit(0);
