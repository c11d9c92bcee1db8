import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { findExecutable, freePort, canConnect } from './local-service.ts';

/**
 * A private Dovecot IMAP server for one test suite: its own temp directory (config, base_dir,
 * maildirs), plain IMAP on `127.0.0.1:<free port>` (no TLS), two mail users and one master user
 * (Dovecot's master-user feature: log in as `alice*riposte` with the master's password to act in
 * alice's mailbox), stopped and removed by `stop()`.
 */
export interface Dovecot {
  host: string;
  port: number;
  /** The mail users, name → password. */
  users: Readonly<Record<string, string>>;
  master: { username: string; password: string };
  /** The separator between the mailbox and the master user in a login name. */
  separator: string;
  /** The tail of Dovecot's log, for a failing test's message. */
  log(): string;
  stop(): Promise<void>;
}

export const INSTALL_COMMAND = 'apt-get update && apt-get install -y --no-install-recommends dovecot-imapd';

const USERS = { alice: 'alice-mail-pw', bob: 'bob-mail-pw', carol: 'carol-mail-pw' } as const;
const MASTER = { username: 'riposte', password: 'riposte-master-S3cret!' };
const SEPARATOR = '*';

/**
 * Whether the IMAP suite can run: false when Dovecot is installed, otherwise the reason to skip.
 * With CI set, a missing Dovecot is an error, never a silent skip.
 */
export function dovecotSkipReason(): string | false {
  if (findExecutable('dovecot')) return false;
  const message = `dovecot not found: the IMAP tests need a real Dovecot. Install it with: ${INSTALL_COMMAND}`;
  if (process.env.CI) throw new Error(message);
  return message;
}

interface Account {
  name: string;
  /** Its primary group's name. */
  group: string;
  uid: number;
  gid: number;
}

/** The uid and gid of a system user, from /etc/passwd; null when there is no such user. */
function systemUser(name: string): Account | null {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined)
      return { name, group: groupName(Number(gid)), uid: Number(uid), gid: Number(gid) };
  }
  return null;
}

function groupName(gid: number): string {
  for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
    const [group, , id] = line.split(':');
    if (group && Number(id) === gid) return group;
  }
  return String(gid);
}

/**
 * Who the processes run as. Unprivileged, everything runs as the current user. As root, Dovecot
 * refuses to run its login processes as root ("This process must not be run as root") and
 * mail users with uid 0, so the accounts Debian's package creates take those roles.
 */
function accounts(): { login: Account; internal: Account; mail: Account } {
  const me = userInfo();
  const current = { name: me.username, group: groupName(me.gid), uid: me.uid, gid: me.gid };
  if (me.uid !== 0) return { login: current, internal: current, mail: current };
  const internal = systemUser('dovecot');
  const login = systemUser('dovenull');
  if (!internal || !login)
    throw new Error(
      'running as root needs the dovecot and dovenull users that the dovecot-core package creates',
    );
  return { login, internal, mail: internal };
}

function config(dir: string, port: number, who: ReturnType<typeof accounts>): string {
  return `
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = riposte-test-${port}
log_path = /dev/stderr
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = ${who.internal.name}
default_internal_group = ${who.internal.group}
default_login_user = ${who.login.name}
first_valid_uid = ${who.mail.uid}
last_valid_uid = ${who.mail.uid}
mail_location = maildir:~/Maildir
auth_master_user_separator = ${SEPARATOR}
passdb {
  driver = passwd-file
  args = ${dir}/master-users
  master = yes
  # the target user must exist too
  pass = yes
}
passdb {
  driver = passwd-file
  args = ${dir}/users
}
userdb {
  driver = passwd-file
  args = ${dir}/users
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
  # Warm processes: the suite logs in hundreds of times.
  process_min_avail = 2
  service_count = 0
  # chroot needs root; a throwaway server on loopback does not need the isolation.
  chroot =
}
service anvil {
  chroot =
}
service imap {
  process_min_avail = 2
}
`;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function waitUntilListening(child: ChildProcess, port: number, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`dovecot exited with ${child.exitCode}: ${log()}`);
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`dovecot did not listen on 127.0.0.1:${port} within 10 s: ${log()}`);
}

export async function startDovecot(): Promise<Dovecot> {
  const dovecotBin = findExecutable('dovecot');
  if (!dovecotBin) throw new Error(`dovecot not found; install it with: ${INSTALL_COMMAND}`);
  const who = accounts();
  const dir = mkdtempSync(path.join(tmpdir(), 'riposte-dovecot-'));
  // The login and internal processes (other users when we are root) reach sockets under base_dir.
  chmodSync(dir, 0o755);
  const mail = path.join(dir, 'mail');
  mkdirSync(mail);
  if (who.mail.uid !== userInfo().uid) chownSync(mail, who.mail.uid, who.mail.gid);
  const port = await freePort();
  writeFileSync(
    path.join(dir, 'users'),
    Object.entries(USERS)
      .map(([user, pw]) => `${user}:{PLAIN}${pw}:${who.mail.uid}:${who.mail.gid}::${path.join(mail, user)}`)
      .join('\n') + '\n',
  );
  writeFileSync(path.join(dir, 'master-users'), `${MASTER.username}:{PLAIN}${MASTER.password}\n`);
  const conf = path.join(dir, 'dovecot.conf');
  writeFileSync(conf, config(dir, port, who));

  // -F keeps the master in the foreground as our child, so it dies with the test and we see its log.
  const child = spawn(dovecotBin, ['-c', conf, '-F'], { stdio: ['ignore', 'ignore', 'pipe'] });
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
  try {
    await waitUntilListening(child, port, () => stderr.trim() || '(no output)');
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    host: '127.0.0.1',
    port,
    users: USERS,
    master: MASTER,
    separator: SEPARATOR,
    log: () => stderr,
    stop,
  };
}

export { freePort } from './local-service.ts';
