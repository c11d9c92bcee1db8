import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../playbooks/duration.ts';
import { MAX_TOKEN_GRACE_SECONDS } from '../../sources/source-service.ts';
import { CLI_ACTOR, UsageError, withRiposte, type Io } from '../cli-context.ts';

/**
 * `riposte source create --name N --format F [--options JSON|@file] [--require-signature]
 * [--expect-within 1h] [--alert-limit 600]`; prints the token.
 */
export async function sourceCreateCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      name: { type: 'string' },
      format: { type: 'string' },
      options: { type: 'string' },
      'require-signature': { type: 'boolean' },
      'expect-within': { type: 'string' },
      'alert-limit': { type: 'string' },
    },
  });
  if (!values.name || !values.format) throw new UsageError('source create needs --name and --format');
  const expectation = values['expect-within'] === undefined ? null : expectationOf(values['expect-within']);
  const options = values.options ? jsonOption(values.options) : {};
  const { token } = await withRiposte((r) =>
    r.sources.create(
      {
        name: values.name!,
        format: values.format!,
        options,
        requireSignature: values['require-signature'] === true,
        expectWithinSeconds: expectation,
        alertLimitPerMinute: values['alert-limit'] === undefined ? null : alertLimitOf(values['alert-limit']),
      },
      CLI_ACTOR,
    ),
  );
  io.stdout(`${token}\n`);
  io.stderr(
    `source "${values.name}" created; POST alerts to /api/v1/sources/${values.name}/alerts with "Authorization: Bearer <token>"\n`,
  );
  return 0;
}

/**
 * `riposte source list [--json]`: a line per source — name, format, how it authenticates, its newest
 * alert and the last hour's count, and for a pulled source how its polls go — or the API's objects as JSON.
 */
export async function sourceListCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
  const sources = await withRiposte(async (r) => {
    const listed = await r.sources.listWithActivity();
    const pulls = await r.pulls.views(listed);
    return listed.map((s) => ({ ...s, pull: pulls.get(s.name) ?? null }));
  });
  if (values.json) {
    io.stdout(`${JSON.stringify(sources, null, 2)}\n`);
    return 0;
  }
  for (const s of sources) {
    const { lastAlertAt, lastHour, lastHourCapped } = s.activity;
    io.stdout(
      [
        s.name,
        s.format,
        s.requireSignature ? 'signature' : 'token',
        lastAlertAt === null ? 'no alert yet' : `last alert ${lastAlertAt}`,
        `${lastHour}${lastHourCapped ? '+' : ''} in the last hour`,
        ...(s.previousTokenValidUntil ? [`old token until ${s.previousTokenValidUntil}`] : []),
        ...(s.expectWithinSeconds === null ? [] : [`expected within ${s.expectWithinSeconds} s`]),
        ...(s.silentSince ? [`SILENT since ${s.silentSince}`] : []),
        ...(s.alertLimitPerMinute === null ? [] : [`at most ${s.alertLimitPerMinute} alerts a minute`]),
        ...(s.pull === null
          ? []
          : [
              `pulled from ${s.pull.integration}/${s.pull.instance} every ${s.pull.everySeconds} s`,
              s.pull.lastSuccessAt === null
                ? 'no successful poll yet'
                : `last pulled ${s.pull.lastSuccessAt}`,
              ...(s.pull.failures > 0 && s.pull.lastError
                ? [`FAILING (${s.pull.failures} in a row): ${s.pull.lastError.message}`]
                : []),
            ]),
      ].join('\t') + '\n',
    );
  }
  return 0;
}

/** `riposte source delete --name N`: its token stops; the alerts it sent stay. */
export async function sourceDeleteCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { name: { type: 'string' } } });
  if (!values.name) throw new UsageError('source delete needs --name');
  await withRiposte((r) => r.sources.delete(values.name!, CLI_ACTOR));
  io.stderr(`source "${values.name}" deleted; its alerts stay\n`);
  return 0;
}

/**
 * `riposte source update --name N [--format F] [--options JSON|@file] [--require-signature |
 * --no-require-signature] [--expect-within 1h|off] [--alert-limit 600|off]`: the source keeps its
 * name and token.
 */
export async function sourceUpdateCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    allowNegative: true,
    options: {
      name: { type: 'string' },
      format: { type: 'string' },
      options: { type: 'string' },
      'require-signature': { type: 'boolean' },
      'expect-within': { type: 'string' },
      'alert-limit': { type: 'string' },
    },
  });
  if (!values.name) throw new UsageError('source update needs --name');
  const patch = {
    ...(values.format === undefined ? {} : { format: values.format }),
    ...(values.options === undefined ? {} : { options: jsonOption(values.options) }),
    ...(values['require-signature'] === undefined ? {} : { requireSignature: values['require-signature'] }),
    ...(values['expect-within'] === undefined
      ? {}
      : { expectWithinSeconds: expectationOf(values['expect-within']) }),
    ...(values['alert-limit'] === undefined
      ? {}
      : { alertLimitPerMinute: alertLimitOf(values['alert-limit']) }),
  };
  if (Object.keys(patch).length === 0)
    throw new UsageError(
      'source update needs --format, --options, --[no-]require-signature, --expect-within or --alert-limit',
    );
  const source = await withRiposte((r) => r.sources.update(values.name!, patch, CLI_ACTOR));
  io.stdout(`${JSON.stringify(source, null, 2)}\n`);
  return 0;
}

/**
 * `riposte source rotate-token --name N [--grace 24h]`; prints the new token. With `--grace` the old
 * one is still accepted that long (at most a week), so senders can be moved over without a gap.
 */
export async function sourceRotateTokenCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { name: { type: 'string' }, grace: { type: 'string' } } });
  if (!values.name) throw new UsageError('source rotate-token needs --name');
  const graceSeconds = values.grace === undefined ? 0 : graceOf(values.grace);
  const { source, token } = await withRiposte((r) =>
    r.sources.rotateToken(values.name!, { graceSeconds }, CLI_ACTOR),
  );
  io.stdout(`${token}\n`);
  io.stderr(
    source.previousTokenValidUntil === null
      ? `source "${source.name}" has a new token; the old one is no longer accepted\n`
      : `source "${source.name}" has a new token; the old one is still accepted until ${source.previousTokenValidUntil}\n`,
  );
  return 0;
}

/** `--options`: JSON, or `@file` holding it. */
function jsonOption(value: string): Record<string, unknown> {
  const text = value.startsWith('@') ? readFileSync(value.slice(1), 'utf8') : value;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`--options is not valid JSON: ${(error as Error).message}`);
  }
}

/** A duration flag (`30m`, `24h`, `7d`) as whole seconds; a bare number is refused (its unit would be a guess). */
function secondsOf(flag: string, text: string): number {
  if (/^\d+$/.test(text.trim()))
    throw new UsageError(`--${flag} needs a unit, e.g. 30m, 24h or 7d; got "${text}"`);
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    throw new UsageError(`--${flag}: ${(error as Error).message}`);
  }
  if (ms % 1000 !== 0) throw new UsageError(`--${flag} must be whole seconds; got "${text}"`);
  return ms / 1000;
}

function graceOf(text: string): number {
  const seconds = secondsOf('grace', text);
  if (seconds > MAX_TOKEN_GRACE_SECONDS)
    throw new UsageError(`--grace must be whole seconds up to 7d; got "${text}"`);
  return seconds;
}

/** `--expect-within`: a duration, or `off` to stop watching the source for silence. */
function expectationOf(text: string): number | null {
  return text.trim() === 'off' ? null : secondsOf('expect-within', text);
}

/** `--alert-limit`: alerts a minute, or `off` for no limit (checked for its range where it is set). */
export function alertLimitOf(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === 'off') return null;
  if (!/^\d+$/.test(trimmed))
    throw new UsageError(`--alert-limit needs a whole number of alerts a minute, or off; got "${text}"`);
  return Number(trimmed);
}

/** `riposte token create --name N --role R [--expires ISO] [--scopes cases:read,alerts:read]`; prints the token. */
export async function tokenCreateCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      expires: { type: 'string' },
      scopes: { type: 'string' },
    },
  });
  if (!values.name || !values.role) throw new UsageError('token create needs --name and --role');
  const scopes = values.scopes
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const { token } = await withRiposte((r) =>
    r.tokens.create(
      {
        name: values.name!,
        role: values.role!,
        expiresAt: values.expires ?? null,
        ...(scopes ? { scopes } : {}),
      },
      CLI_ACTOR,
    ),
  );
  io.stdout(`${token}\n`);
  return 0;
}

/** `riposte user create --username U --role R`; the password is read from stdin (first line). */
export async function userCreateCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { username: { type: 'string' }, role: { type: 'string' } } });
  if (!values.username || !values.role)
    throw new UsageError('user create needs --username and --role, and the password on stdin');
  const password = (await io.readStdin()).split(/\r?\n/)[0] ?? '';
  const user = await withRiposte((r) =>
    r.users.create({ username: values.username!, role: values.role!, password }, CLI_ACTOR),
  );
  io.stdout(`${user.id}\n`);
  io.stderr(`user "${user.username}" created with role ${user.role}\n`);
  return 0;
}

/** `riposte asset import FILE` — a JSON list of assets. */
export async function assetImportCommand(args: string[], io: Io): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: 'string' } },
  });
  const file = positionals[0];
  if (!file)
    throw new UsageError(
      'asset import needs a FILE: JSON (a list of {host, ips, owner, criticality, tags} or {type, value, criticality, owner, tags}) or CSV with a header',
    );
  const format = values.format ?? (file.toLowerCase().endsWith('.csv') ? 'csv' : 'json');
  if (format !== 'csv' && format !== 'json') throw new UsageError('--format must be csv or json');
  let body: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    body = format === 'csv' ? text : JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: ${(error as Error).message}`);
  }
  const result = await withRiposte((r) => r.assets.upsert(body, CLI_ACTOR, format));
  io.stdout(`${JSON.stringify(result)}\n`);
  return 0;
}

/** `riposte audit verify` — exit 0 when the chain is intact, 1 naming the first broken row otherwise. */
export async function auditVerifyCommand(_args: string[], io: Io): Promise<number> {
  const result = await withRiposte((r) => r.audit.verify(r.database.db));
  io.stdout(`${JSON.stringify(result)}\n`);
  if (!result.ok) {
    io.stderr(`audit log broken at row ${result.problem.seq}: ${result.problem.reason}\n`);
    return 1;
  }
  io.stderr(`audit log intact: ${result.checked} rows\n`);
  return 0;
}
