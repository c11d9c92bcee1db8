import type { Config } from './config.ts';
import { AlertQuery } from './ingest/alert-query.ts';
import { AssetService } from './assets/asset-service.ts';
import { AuditLog } from './audit/audit-log.ts';
import { TokenService } from './auth/token-service.ts';
import { UserService } from './auth/user-service.ts';
import { CaseService } from './cases/case-service.ts';
import { GroupingStage } from './cases/grouping-stage.ts';
import { IngestService } from './ingest/ingest-service.ts';
import { IngestWriter } from './ingest/ingest-writer.ts';
import { loadMasterKey } from './security/master-key.ts';
import { SecretBox } from './security/secret-box.ts';
import { SourceService } from './sources/source-service.ts';
import { openDatabase, type Database } from './store/database.ts';
import { migrate } from './store/migrator.ts';

/** Everything a process needs, wired once: the composition root shared by the server and the CLI. */
export interface Riposte {
  config: Readonly<Config>;
  database: Database;
  box: SecretBox;
  audit: AuditLog;
  sources: SourceService;
  ingest: IngestService;
  writer: IngestWriter;
  grouping: GroupingStage;
  alerts: AlertQuery;
  cases: CaseService;
  users: UserService;
  tokens: TokenService;
  assets: AssetService;
  close(): Promise<void>;
}

export async function openRiposte(
  config: Readonly<Config>,
  options: { migrate?: boolean } = {},
): Promise<Riposte> {
  const database = openDatabase(config.databaseUrl);
  try {
    if (options.migrate !== false) await migrate(database);
    const box = new SecretBox(loadMasterKey(config.masterKey, config.dataDir));
    const { db, dialect } = database;
    const audit = new AuditLog(box.deriveKey('audit-chain'), dialect);
    const grouping = new GroupingStage({
      db,
      dialect,
      audit,
      rules: config.grouping,
      onError: (error) =>
        process.stderr.write(
          `${JSON.stringify({ level: 50, time: Date.now(), msg: 'grouping failed; retrying', err: String(error) })}\n`,
        ),
    });
    const writer = new IngestWriter({
      db,
      audit,
      dedupWindowSeconds: config.dedupWindowSeconds,
      onCommitted: () => grouping.notify(),
    });
    // Alerts committed before a crash or a stop are still waiting for their case.
    grouping.notify();
    return {
      config,
      database,
      box,
      audit,
      sources: new SourceService(db, box, audit, config.signatureWindowSeconds),
      ingest: new IngestService(writer),
      writer,
      grouping,
      alerts: new AlertQuery(db),
      cases: new CaseService(db, dialect, audit),
      users: new UserService(db, audit, config.sessionTtlSeconds),
      tokens: new TokenService(db, audit),
      assets: new AssetService(db, audit),
      async close() {
        await writer.drain();
        await grouping.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
