/**
 * A segment: the Riposte steps one CACAO step becomes, with the places where its success leaves
 * (to be pointed at whatever follows) and the steps whose failure takes the CACAO step's
 * on_failure path.
 */

/** A Riposte step as it will be written in the YAML document. */
export type RiposteStep = Record<string, unknown> & { id: string };

export interface Exit {
  step: RiposteStep;
  key: 'next' | 'then' | 'else';
}

export interface Segment {
  steps: RiposteStep[];
  entry: string;
  exits: Exit[];
  /** Steps whose failure takes the CACAO step's on_failure (`on_error`). */
  failables: RiposteStep[];
  /**
   * Ways to a `fail` step that, when the CACAO step has an on_failure, lead there instead (a `fail`
   * step cannot have an error path of its own); the `fail` step is then left out.
   */
  failureRoutes?: { step: RiposteStep; key: 'then' | 'else'; replaces: string }[];
}

/** Step ids: lowercase snake slugs, unique in the playbook, nested blocks included. */
export class StepIds {
  readonly #taken = new Set<string>();

  take(base: string): string {
    const clean = slugify(base, 'step', 56);
    let id = clean;
    for (let n = 2; this.#taken.has(id); n++) id = `${clean}_${n}`;
    this.#taken.add(id);
    return id;
  }

  reserve(id: string): boolean {
    if (this.#taken.has(id)) return false;
    this.#taken.add(id);
    return true;
  }
}

export function slugify(text: string, fallback: string, max = 64): string {
  const slug = text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, max)
    .replace(/_+$/, '');
  if (slug === '') return fallback;
  return /^[a-z]/.test(slug) ? slug : `${fallback}_${slug}`.slice(0, max);
}

/** Steps run one after another: each segment's exits lead to the next one's entry. */
export function sequence(segments: Segment[]): Segment {
  const [first] = segments;
  if (first === undefined) throw new Error('a sequence needs at least one segment');
  for (let i = 0; i + 1 < segments.length; i++) {
    const next = segments[i + 1]!;
    for (const exit of segments[i]!.exits) exit.step[exit.key] = next.entry;
  }
  return {
    steps: segments.flatMap((s) => s.steps),
    entry: first.entry,
    exits: segments.at(-1)!.exits,
    failables: segments.flatMap((s) => s.failables),
    failureRoutes: segments.flatMap((s) => s.failureRoutes ?? []),
  };
}

/** A segment of one step that goes on with `next` and whose failure is its own. */
export function single(step: RiposteStep, failable = true): Segment {
  return { steps: [step], entry: step.id, exits: [{ step, key: 'next' }], failables: failable ? [step] : [] };
}

/** `${{` is how Riposte text starts an expression; CACAO text is always literal. */
export function literalText(text: string): string {
  return text.replaceAll('${{', () => '$${{');
}
