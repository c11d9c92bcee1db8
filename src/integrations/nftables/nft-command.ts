import { execFile } from 'node:child_process';
import { nftError } from './nft-error.ts';
import { type NftablesSettings, SYSTEM_DIRS } from './nftables-settings.ts';

const TIMEOUT_MS = 10_000;
const MAX_OUTPUT = 32 * 1024 * 1024;

export interface NftRun {
  /** Fed to nft on stdin (with `-f -`): a script applied as one transaction. */
  stdin?: string;
}

/**
 * Runs nft with `args` as separate argv entries, never through a shell, inside the instance's
 * network namespace when it has one. Every value in `args` was checked before (names against a
 * pattern, addresses by isIP), since nft joins its argv and parses it as one command.
 * Resolves to stdout; rejects with an ActionError (see nft-error.ts).
 */
export function nft(
  settings: NftablesSettings,
  args: string[],
  signal: AbortSignal,
  options: NftRun = {},
): Promise<string> {
  const [file, argv] =
    settings.netns === null
      ? [settings.nftPath, args]
      : [settings.ipPath, ['netns', 'exec', settings.netns, settings.nftPath, ...args]];
  const shown = `nft ${args.join(' ')}${settings.netns ? ` (netns ${settings.netns})` : ''}`;
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      argv,
      {
        timeout: TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: MAX_OUTPUT,
        signal,
        // Nothing of Riposte's environment: the C locale keeps the messages nft-error.ts matches in English.
        env: { PATH: SYSTEM_DIRS.join(':'), LC_ALL: 'C' },
      },
      (error, stdout, stderr) => {
        if (error) reject(nftError({ error, stderr, shown, timeoutMs: TIMEOUT_MS }));
        else resolve(stdout);
      },
    );
    child.stdin?.on('error', () => {}); // nft may exit before reading it; the exit status tells.
    child.stdin?.end(options.stdin ?? '');
  });
}
