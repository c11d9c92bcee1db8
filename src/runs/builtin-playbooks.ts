import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Actor } from '../audit/audit-log.ts';
import type { PlaybookPlan } from '../core/playbook.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { formatIssues } from '../playbooks/compile-playbook.ts';
import type { PlaybookService } from './playbook-service.ts';

/**
 * Riposte's built-in playbooks: the YAML files of `playbooks/builtin/` (their golden tests, the
 * `*.test.yaml` beside them, are not playbooks). They are saved at start-up by this actor, so a
 * later start can tell a built-in nobody touched (its current version is ours: update it) from one a
 * person changed, disabled or deleted (leave it alone).
 */
export const BUILTIN_ACTOR: Actor = { id: 'system:builtin', type: 'system' };

export const BUILTIN_DIR = fileURLToPath(new URL('../../playbooks/builtin/', import.meta.url));

export type BuiltinOutcome = 'created' | 'updated' | 'unchanged' | 'customised' | 'deleted';

export interface BuiltinLoad {
  id: string;
  file: string;
  outcome: BuiltinOutcome;
  /** The playbook's current version after loading. */
  version: number;
}

interface BuiltinFile {
  file: string;
  source: string;
  plan: PlaybookPlan;
}

/** The built-in playbook files of a directory, sorted; none when it does not exist. */
export function builtinFiles(dir: string = BUILTIN_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name) && !/\.test\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

/**
 * Saves every built-in playbook whose stored current version was written by the loader (or that is
 * not stored yet). A file that does not compile, or whose id is not its file name, stops start-up
 * with the file named: shipping a broken built-in is a bug, not something to skip quietly.
 */
export async function loadBuiltinPlaybooks(
  playbooks: PlaybookService,
  dir: string = BUILTIN_DIR,
): Promise<BuiltinLoad[]> {
  const files = builtinFiles(dir).map((file) => compileBuiltin(playbooks, file));
  const loads: BuiltinLoad[] = [];
  for (const builtin of dependenciesFirst(files)) loads.push(await loadOne(playbooks, builtin));
  return loads;
}

function compileBuiltin(playbooks: PlaybookService, file: string): BuiltinFile {
  const source = readFileSync(file, 'utf8');
  const shown = path.relative(process.cwd(), file) || file;
  const result = playbooks.validate(source, shown);
  if (!result.ok)
    throw new RiposteError(
      'invalid_playbook',
      `built-in playbook ${shown} does not compile:\n${formatIssues(result.errors)}`,
      { extra: { file: shown, errors: result.errors } },
    );
  const expected = path.basename(file).replace(/\.ya?ml$/, '');
  if (result.plan.id !== expected)
    throw new RiposteError(
      'invalid_playbook',
      `built-in playbook ${shown} has id "${result.plan.id}"; a built-in's id is its file name ("${expected}")`,
      { extra: { file: shown } },
    );
  return { file: shown, source, plan: result.plan };
}

/** A built-in that runs another built-in as a sub-playbook is saved after it (saving checks it exists). */
function dependenciesFirst(files: BuiltinFile[]): BuiltinFile[] {
  const byId = new Map(files.map((f) => [f.plan.id, f]));
  const ordered: BuiltinFile[] = [];
  const placed = new Set<string>();
  const visit = (file: BuiltinFile, trail: Set<string>): void => {
    if (placed.has(file.plan.id) || trail.has(file.plan.id)) return;
    trail.add(file.plan.id);
    for (const step of Object.values(file.plan.steps)) {
      const sub = step.kind === 'playbook' ? byId.get(step.playbook) : undefined;
      if (sub) visit(sub, trail);
    }
    placed.add(file.plan.id);
    ordered.push(file);
  };
  for (const file of files) visit(file, new Set());
  return ordered;
}

async function loadOne(playbooks: PlaybookService, builtin: BuiltinFile): Promise<BuiltinLoad> {
  const { plan, file, source } = builtin;
  const head = await playbooks.head(plan.id);
  const load = (outcome: BuiltinOutcome, version: number): BuiltinLoad => ({
    id: plan.id,
    file,
    outcome,
    version,
  });
  if (head?.deleted) return load('deleted', head.version);
  if (head && head.createdBy !== BUILTIN_ACTOR.id) return load('customised', head.version);
  const hash = createHash('sha256').update(source).digest('hex');
  // The usual start: the file is what is stored, so there is nothing to save (or compile a second time).
  if (head?.sourceHash === hash) return load('unchanged', head.version);
  try {
    const saved = await playbooks.save(source, BUILTIN_ACTOR, file);
    return load(!head ? 'created' : saved.changed ? 'updated' : 'unchanged', saved.playbook.version);
  } catch (error) {
    // Another process starting at the same moment may have saved the same file first.
    const now = await playbooks.head(plan.id);
    if (now?.createdBy === BUILTIN_ACTOR.id && now.sourceHash === hash) return load('unchanged', now.version);
    throw error;
  }
}
