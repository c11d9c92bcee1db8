/** Problems found while reading a CACAO playbook, each at a JSON Pointer into the document. */

export type CacaoProfile = 'strict' | 'lenient';
export const CACAO_PROFILES: readonly CacaoProfile[] = ['strict', 'lenient'];

export interface CacaoIssue {
  /** JSON Pointer (RFC 6901) into the CACAO document: `/workflow/action--…/commands/0/command`. */
  path: string;
  message: string;
}

export class CacaoIssues {
  readonly errors: CacaoIssue[] = [];
  readonly warnings: CacaoIssue[] = [];
  readonly profile: CacaoProfile;

  constructor(profile: CacaoProfile) {
    this.profile = profile;
  }

  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  warning(path: string, message: string): void {
    if (!this.warnings.some((w) => w.path === path && w.message === message))
      this.warnings.push({ path, message });
  }

  /** A departure from the specification that can be read anyway: an error when strict, a warning when lenient. */
  deviation(path: string, message: string): void {
    if (this.profile === 'strict') this.error(path, message);
    else this.warning(path, `${message} (read anyway: lenient profile)`);
  }
}

/** Appends keys to a JSON Pointer, escaping `~` and `/` as RFC 6901 says. */
export function pointer(base: string, ...keys: (string | number)[]): string {
  return keys.reduce<string>(
    (path, key) => `${path}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`,
    base,
  );
}
