import { spawn, type ChildProcess } from 'node:child_process';

const BIN = new URL('../../bin/riposte.js', import.meta.url).pathname;

export interface ServeProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:PORT`, from the line `riposte serve` prints once it listens. */
  base: string;
  /** What it printed on stderr so far (the listening line, the first admin's password, logs). */
  stderr(): string;
}

/**
 * `riposte serve --port 0 [args]` as a user runs it, in a child process with `env`; resolves once it listens.
 * Both its outputs are read, so a chatty server never blocks on a full pipe.
 */
export async function startServe(
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
  args: readonly string[] = [],
): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout!.resume();
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), timeoutMs);
    const look = () => {
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (!match) return;
      clearTimeout(timer);
      child.stderr!.off('data', look);
      resolve(match[1]!);
    };
    child.stderr!.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${stderr}`));
    });
  });
  return { child, base, stderr: () => stderr };
}
