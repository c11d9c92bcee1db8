import { OBSERVABLE_TYPES, SEVERITIES, type AlertDraft } from '../core/alert.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { storable } from '../core/storable-text.ts';

const TYPES = new Set<string>(OBSERVABLE_TYPES);
const SEVERITY_SET = new Set<string>(SEVERITIES);
const MAX_TITLE = 1000;
const MAX_DESCRIPTION = 100_000;
const MAX_OBSERVABLES = 1000;

function bad(path: string, detail: string): RiposteError {
  return new RiposteError('invalid_record', detail, { path });
}

/**
 * The contract a normalizer's output must meet before it is stored. Normalizers are pure functions
 * over hostile input; this check turns a normalizer's blind spot into a rejected record instead of a
 * corrupt row or a 500. Over-long text is truncated, not rejected: an alert is worth keeping.
 */
export function checkDraft(draft: AlertDraft): AlertDraft {
  if (typeof draft.title !== 'string' || draft.title.trim() === '')
    throw bad('/title', 'the record yields no title');
  if (!SEVERITY_SET.has(draft.severity))
    throw bad('/severity', `severity "${String(draft.severity)}" is not one of ${SEVERITIES.join(', ')}`);
  if (typeof draft.category !== 'string' || draft.category === '')
    throw bad('/category', 'the record yields no category');
  if (typeof draft.eventTime !== 'string' || Number.isNaN(Date.parse(draft.eventTime)))
    throw bad('/eventTime', 'the record yields no valid event time');
  if (draft.sourceRef !== undefined && typeof draft.sourceRef !== 'string')
    throw bad('/sourceRef', 'the vendor id must be text');
  for (const key of ['id', 'name'] as const) {
    const value = draft.rule?.[key];
    if (value !== undefined && typeof value !== 'string')
      throw bad(`/rule/${key}`, `rule ${key} must be text`);
  }
  if (!Array.isArray(draft.observables)) throw bad('/observables', 'observables must be a list');
  const observables = draft.observables
    .slice(0, MAX_OBSERVABLES)
    .filter(
      (o) =>
        o !== null &&
        typeof o === 'object' &&
        TYPES.has(o.type) &&
        typeof o.value === 'string' &&
        o.value !== '' &&
        o.value.length <= 4096,
    )
    .map((o) => {
      const value = storable(o.value);
      return value === o.value ? o : { ...o, value };
    });
  const mitre = Array.isArray(draft.mitre)
    ? draft.mitre.filter(
        (m) =>
          m !== null &&
          typeof m === 'object' &&
          (typeof m.technique === 'string' || typeof m.tactic === 'string'),
      )
    : [];
  // Text goes into columns as it is (the raw event is JSON, escaped): a NUL character, which
  // PostgreSQL refuses, or an unpaired surrogate, which the databases keep as U+FFFD, becomes U+FFFD
  // here, so that the fingerprint and what is stored agree on both databases.
  const rule = draft.rule && {
    ...draft.rule,
    ...(draft.rule.id === undefined ? {} : { id: storable(draft.rule.id) }),
    ...(draft.rule.name === undefined ? {} : { name: storable(draft.rule.name) }),
  };
  return {
    ...draft,
    title: storable(draft.title.length > MAX_TITLE ? `${draft.title.slice(0, MAX_TITLE - 1)}…` : draft.title),
    category: storable(draft.category),
    ...(draft.sourceRef === undefined ? {} : { sourceRef: storable(draft.sourceRef) }),
    ...(rule === undefined ? {} : { rule }),
    ...(typeof draft.description === 'string'
      ? { description: storable(draft.description.slice(0, MAX_DESCRIPTION)) }
      : {}),
    ...(draft.description !== undefined && typeof draft.description !== 'string'
      ? { description: undefined }
      : {}),
    eventTime: new Date(Date.parse(draft.eventTime)).toISOString(),
    observables,
    mitre,
  };
}
