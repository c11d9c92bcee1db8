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
  #entries = new Map<string, Map<string, { value: unknown; text: string }>>();

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
    const before = this.#entries.get(member);
    const now = new Map<string, { value: unknown; text: string }>();
    let out = '';
    for (const key of Object.keys(map)) {
      const value = map[key];
      const kept = before?.get(key);
      let text: string | undefined;
      if (kept !== undefined && kept.value === value) text = kept.text;
      else {
        text = JSON.stringify(value);
        if (text === undefined) continue;
      }
      if (typeof value === 'object' && value !== null) now.set(key, { value, text });
      out += `${out === '' ? '{' : ','}${JSON.stringify(key)}:${text}`;
    }
    this.#entries.set(member, now);
    return out === '' ? '{}' : `${out}}`;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !('toJSON' in value);
}
