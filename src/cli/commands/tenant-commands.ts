import { parseArgs } from 'node:util';
import type { Riposte } from '../../riposte.ts';
import type { TenantService } from '../../tenants/tenant-service.ts';
import { CLI_ACTOR, UsageError, withRiposte, type Io } from '../cli-context.ts';
import { alertLimitOf } from './create-commands.ts';

/** Tenant commands act on the main installation, which keeps the list. */
function tenantsOf(riposte: Riposte): TenantService {
  if (!riposte.tenants)
    throw new UsageError('RIPOSTE_TENANT is set: tenants are managed from the main installation (unset it)');
  return riposte.tenants;
}

function oneSlug(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`tenant ${command} needs one tenant slug`);
  return positionals[0]!;
}

/** `riposte tenant create SLUG --name N [--admin USERNAME]`: prints the first admin's password. */
export async function tenantCreateCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { name: { type: 'string' }, admin: { type: 'string' } },
  });
  const slug = oneSlug(positionals, 'create');
  if (!values.name) throw new UsageError('tenant create needs --name (the name people see)');
  const made = await withRiposte((r) =>
    tenantsOf(r).create(
      { slug, name: values.name!, ...(values.admin ? { adminUsername: values.admin } : {}) },
      CLI_ACTOR,
    ),
  );
  io.stdout(`${made.admin.password}\n`);
  io.stderr(
    `tenant "${slug}" created, served at ${made.url}/ui/ (a running server opens it within 10 s)\n` +
      `its first admin is "${made.admin.username}", with the password above (shown only now)\n`,
  );
  return 0;
}

/** `riposte tenant list [--json]`. */
export async function tenantListCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
  const listed = await withRiposte(async (r) => {
    const tenants = tenantsOf(r);
    return (await tenants.registry.list()).map((t) => ({ ...t, url: tenants.url(t.slug) }));
  });
  if (values.json) io.stdout(`${JSON.stringify(listed, null, 2)}\n`);
  else
    for (const t of listed)
      io.stdout(
        [
          t.slug,
          t.status,
          t.url,
          t.name,
          ...(t.alertLimitPerMinute === null ? [] : [`at most ${t.alertLimitPerMinute} alerts a minute`]),
        ].join('\t') + '\n',
      );
  return 0;
}

function disableCommand(disabled: boolean) {
  return async (args: string[], io: Io): Promise<number> => {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
    const slug = oneSlug(positionals, disabled ? 'disable' : 'enable');
    const tenant = await withRiposte((r) => tenantsOf(r).setDisabled(slug, disabled, CLI_ACTOR));
    io.stderr(
      `tenant "${slug}" is ${tenant.status}` +
        (disabled ? ' (its data is kept; running servers close it within 10 s)\n' : '\n'),
    );
    return 0;
  };
}

/**
 * `riposte tenant update SLUG --alert-limit N|off`: the alerts a minute all the tenant's sources
 * together may send; running servers apply it within 10 s.
 */
export async function tenantUpdateCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'alert-limit': { type: 'string' } },
  });
  const slug = oneSlug(positionals, 'update');
  if (values['alert-limit'] === undefined) throw new UsageError('tenant update needs --alert-limit N|off');
  const limit = alertLimitOf(values['alert-limit']);
  const tenant = await withRiposte((r) => tenantsOf(r).setAlertLimit(slug, limit, CLI_ACTOR));
  io.stderr(
    tenant.alertLimitPerMinute === null
      ? `tenant "${slug}" has no alert limit (running servers follow within 10 s)\n`
      : `the sources of tenant "${slug}" may send ${tenant.alertLimitPerMinute} alerts a minute together (running servers follow within 10 s)\n`,
  );
  return 0;
}

/** `riposte tenant disable SLUG`: no longer served; nothing is deleted. */
export const tenantDisableCommand = disableCommand(true);
/** `riposte tenant enable SLUG`. */
export const tenantEnableCommand = disableCommand(false);

/** `riposte tenant delete SLUG --yes`: a disabled tenant's database and data folder are removed. */
export async function tenantDeleteCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { yes: { type: 'boolean' } },
  });
  const slug = oneSlug(positionals, 'delete');
  if (!values.yes)
    throw new UsageError(`tenant delete removes every record of "${slug}" for good: add --yes to confirm`);
  await withRiposte((r) => tenantsOf(r).delete(slug, CLI_ACTOR));
  io.stderr(`tenant "${slug}" deleted with its database\n`);
  return 0;
}
