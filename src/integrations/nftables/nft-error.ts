import type { ExecFileException } from 'node:child_process';
import { ActionError } from '../../core/action.ts';
import { INSTALL_HINT } from './nftables-settings.ts';

/** What execFile hands back on failure, with the child's output. */
export interface CommandFailure {
  error: ExecFileException;
  stderr: string;
  /** The command as shown in messages (`nft add element inet riposte blocklist_v4 { 1.2.3.4 }`). */
  shown: string;
  timeoutMs: number;
}

/** nft's error lines without the echo of the command and the caret line under it. */
function firstLines(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l && !/^\s*\^+\s*$/.test(l));
  const errors = lines.filter((l) => /error|not permitted|denied|cannot|failed|no such/i.test(l));
  return (errors.length > 0 ? errors : lines).slice(0, 3).join('; ') || '(no output)';
}

/**
 * What an nft (or `ip netns exec`) failure means for the step: a missing binary, a missing
 * privilege or a missing namespace fail now; a busy kernel or a timeout are retried.
 * Messages are matched in the C locale, which the runner sets.
 */
export function nftError(failure: CommandFailure): ActionError {
  const { error, stderr, shown } = failure;
  const fail = (code: string, message: string) => new ActionError(code, message, { retryable: false });
  if (error.name === 'AbortError') return fail('cancelled', `${shown}: cancelled`);
  if (error.code === 'ENOENT')
    return fail(
      'not_installed',
      `${shown}: ${error.path ?? 'nft'} not found; install it with: ${INSTALL_HINT}`,
    );
  if (error.code === 'EACCES')
    return fail('forbidden', `${shown}: not allowed to execute ${error.path ?? 'nft'}`);
  if (error.killed)
    return new ActionError('timeout', `${shown}: no answer within ${failure.timeoutMs} ms`, {
      retryable: true,
    });
  const detail = firstLines(stderr);
  if (/Cannot open network namespace/i.test(stderr))
    return fail('invalid_configuration', `${shown}: the network namespace does not exist: ${detail}`);
  if (/exec of .* failed: No such file/i.test(stderr))
    return fail(
      'not_installed',
      `${shown}: nft not found inside the namespace; install it with: ${INSTALL_HINT}`,
    );
  if (/Operation not permitted|Permission denied|you must be root/i.test(stderr))
    return fail(
      'forbidden',
      `${shown}: ${detail} (nft needs root or CAP_NET_ADMIN in the target network namespace)`,
    );
  // A table, set or element that is not there.
  if (/No such file or directory|element does not exist/i.test(stderr))
    return fail('not_found', `${shown}: ${detail}`);
  if (/interval overlaps/i.test(stderr)) return fail('conflict', `${shown}: ${detail}`);
  if (/Device or resource busy|Resource temporarily unavailable|Interrupted system call/i.test(stderr))
    return new ActionError('nft_busy', `${shown}: ${detail}`, { retryable: true });
  return fail('nft_error', `${shown}: ${detail}`);
}
