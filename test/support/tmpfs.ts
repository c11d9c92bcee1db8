import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A real full disk needs a small file system of its own: a tmpfs, which only root may mount. Outside
 * CI a test that needs one is skipped with this reason when not root; in CI it fails instead.
 */
export function tmpfsSkipReason(what: string): string | false {
  if (process.getuid?.() === 0) return false;
  const message = `not running as root: ${what} mounts a small tmpfs`;
  if (process.env.CI) throw new Error(message);
  return message;
}

export interface Tmpfs {
  dir: string;
  /** Grows or shrinks it (`mount -o remount,size=…`). */
  resize(size: string): void;
  /** Unmounts it and removes the mount point. */
  remove(): void;
}

/** Mounts a tmpfs of `size` (`4m`, `256k`) on a new temp directory. */
export function mountTmpfs(size: string, prefix: string): Tmpfs {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  return {
    dir,
    resize: (to) => execFileSync('mount', ['-o', `remount,size=${to}`, dir], { stdio: 'pipe' }),
    remove() {
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
