import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findExecutable, freePort, canConnect } from './local-service.ts';

/**
 * A private OpenLDAP server for one test: its own temp directory, an `mdb` database, the core,
 * cosine, inetorgperson and nis schemas, the ppolicy overlay when the installed slapd has it, on
 * `ldap://127.0.0.1:<free port>`, seeded with `ldapadd` and stopped (directory removed) by `stop()`.
 */
export interface Slapd {
  url: string;
  baseDn: string;
  adminDn: string;
  adminPassword: string;
  /** Whether the ppolicy overlay is loaded (pwdAccountLockedTime, pwdChangedTime exist). */
  ppolicy: boolean;
  /** Applies LDIF with `ldapadd` as the admin: plain entries are added, `changetype:` records run as written. */
  apply(ldif: string): Promise<void>;
  stop(): Promise<void>;
}

export interface SlapdOptions {
  /** LDIF added after start (as the admin); the base entry `dc=example,dc=org` is always there. */
  seed?: string;
  /** Load the memberof overlay, so users carry `memberOf` for their groupOfNames groups. */
  memberOf?: boolean;
  /**
   * `access to …` directives for the database, in order (continuation lines indented). Without
   * them slapd's default applies: everyone reads everything, only the admin (rootdn) writes.
   */
  access?: string[];
}

export const INSTALL_COMMAND =
  'apt-get update && apt-get install -y --no-install-recommends slapd ldap-utils';

const BASE_DN = 'dc=example,dc=org';
const ADMIN_DN = `cn=admin,${BASE_DN}`;
const ADMIN_PASSWORD = 'slapd-admin-secret';
const SCHEMA_DIRS = ['/etc/ldap/schema', '/etc/openldap/schema', '/usr/local/etc/openldap/schema'];
const MODULE_DIRS = ['/usr/lib/ldap', '/usr/lib64/openldap', '/usr/lib/openldap', '/usr/libexec/openldap'];

function missingTools(): string[] {
  return ['slapd', 'ldapadd'].filter((tool) => findExecutable(tool) === null);
}

/**
 * Whether the LDAP suite can run. Returns false when slapd and ldap-utils are installed, otherwise
 * the reason to skip; with CI set a missing slapd is an error, never a silent skip.
 */
export function slapdSkipReason(): string | false {
  const missing = missingTools();
  if (missing.length === 0) return false;
  const message = `${missing.join(' and ')} not found: the LDAP tests need a real OpenLDAP. Install it with: ${INSTALL_COMMAND}`;
  if (process.env.CI) throw new Error(message);
  return message;
}

function moduleDir(): string | null {
  return MODULE_DIRS.find((dir) => existsSync(path.join(dir, 'back_mdb.la'))) ?? null;
}

function config(dir: string, options: SlapdOptions): { text: string; ppolicy: boolean } {
  const schemaDir = SCHEMA_DIRS.find((d) => existsSync(path.join(d, 'core.schema')));
  if (!schemaDir) throw new Error(`no OpenLDAP schema directory found (looked in ${SCHEMA_DIRS.join(', ')})`);
  const modules = moduleDir();
  // Built in (no module file) where the package compiled it statically; loaded otherwise.
  const has = (name: string) => modules !== null && existsSync(path.join(modules, `${name}.la`));
  const ppolicy = has('ppolicy');
  const memberOf = options.memberOf === true;
  if (memberOf && !has('memberof')) throw new Error('the memberof overlay is not installed with this slapd');
  const lines = [
    ...['core', 'cosine', 'inetorgperson', 'nis'].map(
      (s) => `include ${path.join(schemaDir, `${s}.schema`)}`,
    ),
    ...(modules ? [`modulepath ${modules}`, 'moduleload back_mdb'] : []),
    ...(ppolicy ? ['moduleload ppolicy'] : []),
    ...(memberOf ? ['moduleload memberof'] : []),
    `pidfile ${path.join(dir, 'slapd.pid')}`,
    `argsfile ${path.join(dir, 'slapd.args')}`,
    'database mdb',
    `suffix "${BASE_DN}"`,
    `rootdn "${ADMIN_DN}"`,
    `rootpw ${ADMIN_PASSWORD}`,
    `directory ${path.join(dir, 'data')}`,
    'maxsize 16777216',
    ...(options.access ?? []),
    // ppolicy_use_lockout: a bind to a locked account says why in the ppolicy response control.
    ...(ppolicy
      ? ['overlay ppolicy', `ppolicy_default "cn=default,ou=policies,${BASE_DN}"`, 'ppolicy_use_lockout']
      : []),
    ...(memberOf ? ['overlay memberof'] : []),
  ];
  return { text: `${lines.join('\n')}\n`, ppolicy };
}

function run(file: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} failed: ${stderr || stdout || error.message}`));
      else resolve();
    });
    child.stdin?.end(input);
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function waitUntilListening(child: ChildProcess, port: number, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`slapd exited with ${child.exitCode}: ${log()}`);
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`slapd did not listen on 127.0.0.1:${port} within 10 s: ${log()}`);
}

const BASE_LDIF = `dn: ${BASE_DN}
objectClass: dcObject
objectClass: organization
o: Example Corp
dc: example
`;

/** The default password policy: lock after 3 failures; pwdMaxAge makes ppolicy keep pwdChangedTime. */
const POLICY_LDIF = `
dn: ou=policies,${BASE_DN}
objectClass: organizationalUnit
ou: policies

dn: cn=default,ou=policies,${BASE_DN}
objectClass: organizationalRole
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
pwdLockout: TRUE
pwdMaxFailure: 3
pwdMaxAge: 31536000
`;

export async function startSlapd(options: SlapdOptions = {}): Promise<Slapd> {
  const missing = missingTools();
  if (missing.length > 0)
    throw new Error(`${missing.join(' and ')} not found; install OpenLDAP with: ${INSTALL_COMMAND}`);
  const slapdBin = findExecutable('slapd')!;
  const ldapadd = findExecutable('ldapadd')!;
  const dir = mkdtempSync(path.join(tmpdir(), 'riposte-slapd-'));
  mkdirSync(path.join(dir, 'data'));
  const { text, ppolicy } = config(dir, options);
  writeFileSync(path.join(dir, 'slapd.conf'), text);

  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  // -d 0 keeps slapd in the foreground as our child, so it dies with the test and we see its errors.
  const child = spawn(slapdBin, ['-h', url, '-f', path.join(dir, 'slapd.conf'), '-d', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited(child);
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const apply = (ldif: string) => run(ldapadd, ['-x', '-H', url, '-D', ADMIN_DN, '-w', ADMIN_PASSWORD], ldif);
  try {
    await waitUntilListening(child, port, () => stderr.trim() || '(no output)');
    await apply(ppolicy ? BASE_LDIF + POLICY_LDIF : BASE_LDIF);
    if (options.seed) await apply(options.seed);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, baseDn: BASE_DN, adminDn: ADMIN_DN, adminPassword: ADMIN_PASSWORD, ppolicy, apply, stop };
}
