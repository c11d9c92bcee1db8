/**
 * CACAO variables (`__name__`, referenced as `__name__:value`) and how they become Riposte run
 * variables. Every variable, playbook-scoped or step-scoped, becomes one `vars.<slug>` of the run:
 * set once at the start (external ones from the run's inputs), reassigned by the steps whose
 * `out_args` name them.
 */
import type { CacaoIssues } from './cacao-issues.ts';
import { pointer } from './cacao-issues.ts';
import { literalText, slugify } from './cacao-segment.ts';

export interface CacaoVariable {
  /** Without the surrounding double underscores. */
  name: string;
  type: string;
  /** A string, or null when unknown (CACAO encodes numbers and booleans as strings). */
  value: string | null;
  description: string | null;
  constant: boolean;
  external: boolean;
  path: string;
}

const NAME = /^__([A-Za-z][A-Za-z0-9_-]{0,199})__$/;
const LOOSE_NAME = /^_*([A-Za-z][A-Za-z0-9_-]{0,199}?)_*$/;

export function readVariables(
  issues: CacaoIssues,
  raw: unknown,
  path: string,
  playbookScoped: boolean,
): CacaoVariable[] {
  if (raw === undefined) return [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.error(path, 'variables must be an object of variables by name');
    return [];
  }
  const out: CacaoVariable[] = [];
  for (const [key, definition] of Object.entries(raw as Record<string, unknown>)) {
    const at = pointer(path, key);
    let name = NAME.exec(key)?.[1];
    if (name === undefined) {
      name = LOOSE_NAME.exec(key)?.[1];
      if (name === undefined) {
        issues.error(at, `"${key}" is not a variable name (__name__, starting with a letter)`);
        continue;
      }
      issues.deviation(at, `variable "${key}" must be written __${name}__`);
    }
    if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
      issues.error(at, 'a variable must be an object with at least a type');
      continue;
    }
    const fields = definition as Record<string, unknown>;
    const type = typeof fields['type'] === 'string' ? fields['type'] : 'string';
    if (typeof fields['type'] !== 'string') issues.deviation(pointer(at, 'type'), 'a variable needs a type');
    let value: string | null = null;
    const rawValue = fields['value'];
    if (typeof rawValue === 'string') value = rawValue;
    else if (typeof rawValue === 'number' || typeof rawValue === 'boolean') {
      issues.deviation(
        pointer(at, 'value'),
        'a variable value is a string (numbers and booleans encoded as strings)',
      );
      value = String(rawValue);
    } else if (rawValue !== undefined && rawValue !== null) {
      value = JSON.stringify(rawValue);
    }
    const external = fields['external'] === true;
    if (external && !playbookScoped)
      issues.deviation(pointer(at, 'external'), 'only playbook variables can be external');
    out.push({
      name,
      type,
      value,
      description: typeof fields['description'] === 'string' ? fields['description'] : null,
      constant: fields['constant'] === true,
      external: external && playbookScoped,
      path: at,
    });
  }
  return out;
}

/**
 * Names → slugs, unique among them (two CACAO names that differ only in case get different slugs).
 * An external variable that no step assigns is read as the run's input (`inputs.<slug>`); every other
 * variable is a run variable (`vars.<slug>`), set at the start.
 */
export class VariableNames {
  readonly #slugs = new Map<string, string>();
  readonly #taken = new Set<string>();
  readonly #inputs = new Set<string>();

  /** Marks a declared variable as read straight from the run's inputs. */
  asInput(name: string): void {
    this.#inputs.add(name);
  }

  isInput(name: string): boolean {
    return this.#inputs.has(name);
  }

  /** How an expression reads the variable: `inputs.ip` or `vars.ip`; null when it is not declared. */
  refOf(name: string): string | null {
    const slug = this.#slugs.get(name);
    if (slug === undefined) return null;
    return `${this.#inputs.has(name) ? 'inputs' : 'vars'}.${slug}`;
  }

  declare(name: string): string {
    const known = this.#slugs.get(name);
    if (known !== undefined) return known;
    // Lowercase, `-` as `_`, starting with a letter, at most 48 characters.
    const base = slugify(name, 'v', 48);
    let slug = base;
    for (let n = 2; this.#taken.has(slug); n++) slug = `${base}_${n}`;
    this.#slugs.set(name, slug);
    this.#taken.add(slug);
    return slug;
  }

  slugOf(name: string): string | null {
    return this.#slugs.get(name) ?? null;
  }
}

const REFERENCE = /__([A-Za-z][A-Za-z0-9_-]{0,199}?)__:value/g;
const BARE = /__([A-Za-z][A-Za-z0-9_-]{0,199}?)__(?!:value)/g;

/**
 * A CACAO text as a Riposte template: each `__name__:value` of a declared variable becomes
 * `${{ vars.<slug> }}`, and a literal `${{` in the text is escaped so the text can never become an
 * expression. References to undeclared variables are reported and left as text.
 */
export function textTemplate(text: string, names: VariableNames, issues: CacaoIssues, path: string): string {
  for (const match of text.matchAll(BARE)) {
    if (names.slugOf(match[1]!) !== null)
      issues.warning(
        path,
        `${match[0]} names a variable without ":value", which makes it text: write ${match[0]}:value to use its value`,
      );
  }
  return literalText(text).replace(REFERENCE, (whole, name: string) => {
    const ref = names.refOf(name);
    if (ref !== null) return `\${{ ${ref} }}`;
    issues.deviation(path, `variable __${name}__ is referenced but not declared`);
    return whole;
  });
}
