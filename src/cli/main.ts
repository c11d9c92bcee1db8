import { RiposteError } from '../core/riposte-error.ts';
import { processIo, UsageError, type Io } from './cli-context.ts';
import { serveCommand, workerCommand } from './commands/serve-command.ts';
import {
  playbookListCommand,
  playbookRunCommand,
  playbookSaveCommand,
  playbookValidateCommand,
  secretListCommand,
  secretSetCommand,
} from './commands/playbook-commands.ts';
import { playbookBacktestCommand, playbookTestCommand } from './commands/playbook-test-commands.ts';
import { playbookExportCacaoCommand, playbookImportCacaoCommand } from './commands/cacao-commands.ts';
import { migrateCommand } from './commands/migrate-command.ts';
import {
  tenantCreateCommand,
  tenantDeleteCommand,
  tenantDisableCommand,
  tenantEnableCommand,
  tenantListCommand,
  tenantUpdateCommand,
} from './commands/tenant-commands.ts';
import {
  assetImportCommand,
  auditVerifyCommand,
  sourceCreateCommand,
  sourceRotateTokenCommand,
  sourceUpdateCommand,
  sourceListCommand,
  sourceDeleteCommand,
  tokenCreateCommand,
  userCreateCommand,
} from './commands/create-commands.ts';
import { ingestCommand } from './commands/ingest-command.ts';
import { intelImportCommand } from './commands/intel-command.ts';
import { integrationImportOpenApiCommand } from './commands/integration-command.ts';
import { keysRotateCommand } from './commands/keys-command.ts';
import { caseRollbackCommand, killSwitchCommand } from './commands/response-commands.ts';
import { caseMergeCommand, caseReportCommand } from './commands/case-commands.ts';
import { benchCommand } from './commands/bench-command.ts';
import { demoCommand } from './commands/demo-command.ts';
import { lookupTable } from '../core/lookup-table.ts';
import { storageTrouble } from '../store/storage-errors.ts';

type Command = (args: string[], io: Io) => Promise<number>;

const COMMANDS = lookupTable<{ run: Command; usage: string }>({
  serve: {
    run: serveCommand,
    usage: 'serve [--port N] [--host H] [--role all|api]   run the server (default port 8080)',
  },
  worker: {
    run: workerCommand,
    usage: 'worker                                       run playbooks only (beside serve --role api)',
  },
  'playbook validate': {
    run: playbookValidateCommand,
    usage: 'playbook validate FILE…                      every error with file:line:column; exit 1 if any',
  },
  'playbook save': {
    run: playbookSaveCommand,
    usage: 'playbook save FILE…                          store each as its next version',
  },
  'playbook list': { run: playbookListCommand, usage: 'playbook list' },
  'playbook import-cacao': {
    run: playbookImportCacaoCommand,
    usage: 'playbook import-cacao FILE… [--strict] [--id ID] [--dry-run]   CACAO v2.0 JSON → playbook',
  },
  'playbook export-cacao': {
    run: playbookExportCacaoCommand,
    usage: 'playbook export-cacao ID [--version N] [--out FILE]            playbook → CACAO v2.0 JSON',
  },
  'playbook run': {
    run: playbookRunCommand,
    usage: 'playbook run ID [--alert ID] [--case ID] [--inputs JSON] [--dry-run] [--wait S]',
  },
  'playbook test': {
    run: playbookTestCommand,
    usage: 'playbook test FILE|DIR… [--json]             golden tests (*.test.yaml); exit 1 if any fails',
  },
  'playbook backtest': {
    run: playbookBacktestCommand,
    usage:
      'playbook backtest ID --since DATE [--until DATE] [--limit N] [--all] [--no-reads] [--assume approve|deny] [--json]',
  },
  'secret set': {
    run: secretSetCommand,
    usage: 'secret set NAME                              value from stdin',
  },
  'secret list': { run: secretListCommand, usage: 'secret list                                  names only' },
  migrate: {
    run: migrateCommand,
    usage: 'migrate                                      bring the database to the current schema',
  },
  'tenant create': {
    run: tenantCreateCommand,
    usage:
      'tenant create SLUG --name N [--admin U]     a tenant at SLUG.<tenant domain>; prints its admin password',
  },
  'tenant list': { run: tenantListCommand, usage: 'tenant list [--json]' },
  'tenant update': {
    run: tenantUpdateCommand,
    usage:
      'tenant update SLUG --alert-limit N|off       the alerts a minute all its sources together may send',
  },
  'tenant disable': {
    run: tenantDisableCommand,
    usage: 'tenant disable SLUG                          stop serving it (its data is kept)',
  },
  'tenant enable': { run: tenantEnableCommand, usage: 'tenant enable SLUG' },
  'tenant delete': {
    run: tenantDeleteCommand,
    usage: 'tenant delete SLUG --yes                     a disabled tenant, with its database',
  },
  'source create': {
    run: sourceCreateCommand,
    usage:
      'source create --name N --format F [--options JSON] [--require-signature] [--expect-within 1h] [--alert-limit 600]   prints the ingest token',
  },
  'source list': {
    run: sourceListCommand,
    usage: 'source list [--json]                          each source, its newest alert and the last hour',
  },
  'source delete': {
    run: sourceDeleteCommand,
    usage: 'source delete --name N                        its token stops; its alerts stay',
  },
  'source update': {
    run: sourceUpdateCommand,
    usage:
      'source update --name N [--format F] [--options JSON] [--[no-]require-signature] [--expect-within 1h|off] [--alert-limit 600|off]   the token stays',
  },
  'source rotate-token': {
    run: sourceRotateTokenCommand,
    usage:
      'source rotate-token --name N [--grace 24h]         prints the new token; the old one holds for the grace',
  },
  'token create': {
    run: tokenCreateCommand,
    usage: 'token create --name N --role R [--expires ISO] [--scopes cases:read,…]   prints an API token',
  },
  'user create': {
    run: userCreateCommand,
    usage: 'user create --username U --role R             password from stdin',
  },
  'asset import': {
    run: assetImportCommand,
    usage: 'asset import FILE                            a JSON list of assets',
  },
  ingest: {
    run: ingestCommand,
    usage: 'ingest FILE --source NAME                    JSON, JSON array, NDJSON, text lines or .eml',
  },
  'intel import': {
    run: intelImportCommand,
    usage:
      'intel import FILE [--format F] [--source NAME] [--ttl 30d] [--partial]   STIX, MISP, abuse.ch feeds',
  },
  'integration import-openapi': {
    run: integrationImportOpenApiCommand,
    usage: 'integration import-openapi FILE --id ID [--name N]   an OpenAPI 3 description as an integration',
  },
  'case rollback': {
    run: caseRollbackCommand,
    usage: "case rollback ID                             undo the case's containment, newest first",
  },
  'case merge': {
    run: caseMergeCommand,
    usage:
      'case merge ID --into ID [--note TEXT]        fold an open case into another (closed as a duplicate)',
  },
  'case report': {
    run: caseReportCommand,
    usage: 'case report ID [--format markdown|html|pdf] [--out FILE]   the incident report',
  },
  'response kill-switch': {
    run: killSwitchCommand,
    usage: 'response kill-switch on|off|status [--reason] pause or resume every destructive action',
  },
  'keys rotate': {
    run: keysRotateCommand,
    usage: 'keys rotate [--new-key KEY]                  re-seal every stored secret under a new master key',
  },
  'audit verify': {
    run: auditVerifyCommand,
    usage: "audit verify                                 check the audit log's hash chain",
  },
  demo: {
    run: demoCommand,
    usage: 'demo [--port N] [--data-dir DIR] [--fresh]   sample alerts worked end to end against local fakes',
  },
  bench: {
    run: benchCommand,
    usage:
      'bench ingest|ingest-growth|engine|scale|soak|big-case|console   benchmarks, JSON on stdout (docs/benchmarks.md)',
  },
});

function usage(): string {
  return `Usage: riposte <command>\n\n${Object.values(COMMANDS)
    .map((c) => `  riposte ${c.usage}`)
    .join(
      '\n',
    )}\n\nEnvironment: RIPOSTE_DATA_DIR, RIPOSTE_DATABASE_URL, RIPOSTE_PORT, RIPOSTE_MASTER_KEY, … (docs/configuration.md);\nRIPOSTE_TENANT=SLUG runs any command on that tenant (docs/tenants.md)\n`;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const two = argv.slice(0, 2).join(' ');
  const [name, rest] = COMMANDS[two] ? [two, argv.slice(2)] : [argv[0] ?? '', argv.slice(1)];
  const command = COMMANDS[name];
  if (!command || argv.includes('--help') || argv.includes('-h')) {
    io.stderr(usage());
    return command || argv.length === 0 ? 0 : 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      io.stderr(`riposte: ${error.message}\n\n${usage()}`);
      return 2;
    }
    if (error instanceof RiposteError) {
      io.stderr(`riposte: ${error.message}${error.path ? ` (at ${error.path})` : ''} [${error.code}]\n`);
      return 1;
    }
    // A database that cannot be reached or written is the operator's to fix, not a bug: say what it
    // said, without a stack.
    const trouble = storageTrouble(error);
    if (trouble) {
      io.stderr(`riposte: the database ${trouble.what} [storage_unavailable]\n`);
      return 1;
    }
    throw error;
  }
}
