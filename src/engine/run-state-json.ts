import type { RunState } from './engine-types.ts';

/** The members of a run state whose entries are kept encoded between writes. */
const ENTRY_MAPS = new Set(['steps', 'vars']);

/**
 * A run's state as stored (the text `JSON.stringify` gives, character for character), for a run
 * written again and again: each step record and each variable is encoded once, the first time it is
 * written, and its text reused while the next states keep the same object. The engine never changes
 * a step record or a variable's value in place — a transition replaces what it changes and shares the
 * rest (run-draft.ts) — so the same object means the same text. A twenty-step triage
 * writes its state at every transition; without this each write encoded every finished step again.
 *
 * One per run, held beside its cached state; the texts it keeps are about as long as the state's.
 */
export class RunStateJson {
  /** Per member (`steps`, `vars`): each entry's object and its `"key":text`, as last written. */
  readonly #entries = new Map<string, Map<string, { value: object; part: string }>>();

  encode(state: RunState): string {
    const record = state as unknown as Record<string, unknown>;
    let out = '';
    for (const key of Object.keys(record)) {
      const value = record[key];
      const text =
        ENTRY_MAPS.has(key) && isRecord(value) ? this.#encodeEntries(key, value) : JSON.stringify(value);
      if (text === undefined) continue;
      out += `${out === '' ? '{' : ','}${JSON.stringify(key)}:${text}`;
    }
    return out === '' ? '{}' : `${out}}`;
  }

  #encodeEntries(member: string, map: Record<string, unknown>): string {
    let kept = this.#entries.get(member);
    if (kept === undefined) this.#entries.set(member, (kept = new Map()));
    let out = '';
    let objects = 0;
    for (const key of Object.keys(map)) {
      const value = map[key];
      const entry = kept.get(key);
      let part: string;
      if (entry !== undefined && entry.value === value) part = entry.part;
      else {
        const text = JSON.stringify(value);
        if (text === undefined) continue;
        part = `${JSON.stringify(key)}:${text}`;
        if (typeof value === 'object' && value !== null) kept.set(key, { value, part });
        else kept.delete(key);
      }
      if (typeof value === 'object' && value !== null) objects++;
      out += out === '' ? `{${part}` : `,${part}`;
    }
    // An entry gone from the state (a variable unset, a run retried) is let go with it.
    if (kept.size > objects) for (const key of kept.keys()) if (!Object.hasOwn(map, key)) kept.delete(key);
    return out === '' ? '{}' : `${out}}`;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !('toJSON' in value);
}
