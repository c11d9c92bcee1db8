import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import path from 'node:path';
import { findExecutable } from './local-service.ts';

/**
 * Two network namespaces for one test, `a` and `b`, joined by a veth pair: a has 10.77.x.1/24 and
 * fd77:x::1/64, b has 10.77.x.2/24 and fd77:x::2/64 (x random). Commands run inside either one;
 * `destroy()` deletes both namespaces, which removes the veth pair and any nftables state with them.
 * Needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) and Debian's iproute2 and nftables.
 */
export interface NetnsPair {
  /** The namespaces' names (`rp-<random>-a`, `rp-<random>-b`), for `ip netns exec` and the integration's netns field. */
  a: string;
  b: string;
  subnet: number;
  ipv4: { a: string; b: string };
  ipv6: { a: string; b: string };
  /** Runs a command inside a namespace; resolves with its exit code and output, whatever the code. */
  exec(side: Side, file: string, args: string[]): Promise<CommandResult>;
  /** Runs a command inside a namespace and rejects when it exits non-zero. */
  run(side: Side, file: string, args: string[]): Promise<string>;
  /** A TCP server in a namespace on all its addresses (v4 and v6); answers "ok" and closes. */
  listen(side: Side): Promise<{ port: number; close(): Promise<void> }>;
  /** Whether a TCP connection from `side` to host:port is established within timeoutMs. */
  connects(side: Side, host: string, port: number, timeoutMs?: number): Promise<boolean>;
  destroy(): Promise<void>;
}

export type Side = 'a' | 'b';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const NETNS_INSTALL_COMMAND = 'apt-get update && apt-get install -y nftables iproute2';

/**
 * Whether network-namespace tests can run: false when they can, otherwise the reason to skip.
 * With CI set, a missing tool or missing root is an error, never a silent skip.
 */
export function netnsSkipReason(): string | false {
  const problems = [
    ...(process.getuid?.() === 0 ? [] : ['not running as root']),
    ...['ip', 'nft'].filter((tool) => findExecutable(tool) === null).map((tool) => `${tool} not found`),
  ];
  if (problems.length === 0) return false;
  const message = `${problems.join(', ')}: the nftables tests need root, iproute2 and nftables. Install them with: ${NETNS_INSTALL_COMMAND}`;
  if (process.env.CI) throw new Error(message);
  return message;
}

/** Namespaces still alive, deleted when the process exits even if a test forgot to or crashed. */
const live = new Set<string>();
process.once('exit', () => {
  for (const name of live) {
    try {
      execFileSync(findExecutable('ip') ?? 'ip', ['netns', 'delete', name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
});

function execute(file: string, args: string[], timeoutMs = 15_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr: stderr || (error && code === -1 ? error.message : '') });
      },
    );
  });
}

async function must(file: string, args: string[]): Promise<string> {
  const result = await execute(file, args);
  if (result.code !== 0)
    throw new Error(
      `${path.basename(file)} ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`,
    );
  return result.stdout;
}

const LISTENER = `
// A client that goes away at once resets the connection: that must not kill the listener.
const server = require('node:net').createServer((socket) => socket.on('error', () => {}).end('ok'));
server.listen({ port: 0, host: '::', ipv6Only: false }, () => console.log(server.address().port));
`;

const CONNECTOR = `
const [host, port, timeout] = process.argv.slice(1);
const socket = require('node:net').connect({ host, port: Number(port) });
setTimeout(() => process.exit(2), Number(timeout));
socket.on('connect', () => process.exit(0));
socket.on('error', () => process.exit(1));
`;

function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Until both ends have carrier and no address is still tentative: a packet sent before that is lost,
 * and the first connection would wait for a retransmission instead of being answered.
 */
async function untilReady(ip: string, names: Record<Side, string>): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const states = await Promise.all(
      Object.values(names).map(async (name) => ({
        link: await must(ip, ['-n', name, '-br', 'link', 'show', 'dev', 'veth0']),
        addresses: await must(ip, ['-n', name, 'addr', 'show', 'dev', 'veth0']),
      })),
    );
    if (states.every((s) => /LOWER_UP/.test(s.link) && !/tentative/.test(s.addresses))) return;
    if (Date.now() > deadline) throw new Error(`the veth pair did not come up: ${JSON.stringify(states)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function createNetnsPair(): Promise<NetnsPair> {
  netnsSkipReason();
  const ip = findExecutable('ip');
  if (!ip) throw new Error(`ip not found; install it with: ${NETNS_INSTALL_COMMAND}`);
  const id = `rp-${randomBytes(4).toString('hex')}`;
  const names = { a: `${id}-a`, b: `${id}-b` };
  const subnet = randomInt(1, 255);
  const hex = subnet.toString(16);
  const ipv4 = { a: `10.77.${subnet}.1`, b: `10.77.${subnet}.2` };
  const ipv6 = { a: `fd77:${hex}::1`, b: `fd77:${hex}::2` };
  const listeners = new Set<ChildProcess>();

  const exec = (side: Side, file: string, args: string[]) =>
    execute(ip, ['netns', 'exec', names[side], file, ...args]);
  const run = async (side: Side, file: string, args: string[]) => {
    const result = await exec(side, file, args);
    if (result.code !== 0)
      throw new Error(
        `${file} ${args.join(' ')} in ${names[side]} failed (${result.code}): ${result.stderr.trim()}`,
      );
    return result.stdout;
  };
  const destroy = async () => {
    for (const child of listeners) {
      child.kill('SIGKILL');
      await stopped(child);
    }
    for (const name of [names.a, names.b]) {
      if (!live.has(name)) continue;
      await execute(ip, ['netns', 'delete', name]);
      live.delete(name);
    }
  };

  try {
    for (const side of ['a', 'b'] as const) {
      await must(ip, ['netns', 'add', names[side]]);
      live.add(names[side]);
      await must(ip, ['-n', names[side], 'link', 'set', 'lo', 'up']);
    }
    // Created inside a with its peer in b, so the interface names never meet in the host's namespace.
    await must(ip, [
      '-n',
      names.a,
      'link',
      'add',
      'veth0',
      'type',
      'veth',
      'peer',
      'name',
      'veth0',
      'netns',
      names.b,
    ]);
    for (const side of ['a', 'b'] as const) {
      await must(ip, ['-n', names[side], 'addr', 'add', `${ipv4[side]}/24`, 'dev', 'veth0']);
      // nodad: usable at once instead of "tentative" for a second or two.
      await must(ip, ['-n', names[side], 'addr', 'add', `${ipv6[side]}/64`, 'dev', 'veth0', 'nodad']);
      await must(ip, ['-n', names[side], 'link', 'set', 'veth0', 'up']);
    }
    await untilReady(ip, names);
  } catch (error) {
    await destroy();
    throw error;
  }

  return {
    ...names,
    subnet,
    ipv4,
    ipv6,
    exec,
    run,
    listen: async (side) => {
      const child = spawn(ip, ['netns', 'exec', names[side], process.execPath, '-e', LISTENER], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      listeners.add(child);
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString('utf8').trim())));
        child.once('exit', (code) =>
          reject(new Error(`the listener in ${names[side]} exited (${code}): ${stderr}`)),
        );
      });
      return {
        port,
        close: async () => {
          child.kill('SIGKILL');
          await stopped(child);
          listeners.delete(child);
        },
      };
    },
    connects: async (side, host, port, timeoutMs = 1000) => {
      const result = await exec(side, process.execPath, [
        '-e',
        CONNECTOR,
        host,
        String(port),
        String(timeoutMs),
      ]);
      return result.code === 0;
    },
    destroy,
  };
}

export { findExecutable } from './local-service.ts';
