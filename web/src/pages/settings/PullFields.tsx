import { useId } from 'react';
import { ApiError } from '../../api.ts';
import { Link } from '../../router.tsx';
import { Field } from '../../components/ui.tsx';

/** A whole-number setting's bounds and the value the server takes when it is left out. */
interface PullRange {
  min: number;
  max: number;
  default: number;
}

/** A format a source can pull, with what its `options.pull` takes (`pullFormats` of GET /api/v1/sources). */
export interface PullFormat {
  format: string;
  integration: { id: string; name: string };
  title: string;
  everySeconds: PullRange;
  pageSize: PullRange;
  /** Null: the feed takes no overlap (it reads from the vendor's own stream position). */
  overlapSeconds: PullRange | null;
  lookbackSeconds: PullRange;
  defaultFilter: string | null;
  filterMaxLength: number;
}

/** A configured integration instance (GET /api/v1/integration-instances). */
export interface IntegrationInstance {
  integration: string;
  name: string;
  isDefault: boolean;
}

type NumberKey = 'every_seconds' | 'page_size' | 'overlap_seconds' | 'lookback_seconds';
export type PullKey = 'instance' | NumberKey | 'filter';

/** The pull section as typed: numbers as text (empty: the server's default), the filter as a choice. */
export interface PullDraft {
  on: boolean;
  instance: string;
  numbers: Record<NumberKey, string>;
  /** `default`: the key left out (the feed's default filter); `none`: null; `custom`: `filterText`. */
  filter: 'default' | 'none' | 'custom';
  filterText: string;
}

/** What the server said was wrong with `options.pull`, and at which key (null: the section as a whole). */
export interface PullProblem {
  key: PullKey | null;
  message: string;
}

const KEYS: readonly PullKey[] = [
  'instance',
  'every_seconds',
  'page_size',
  'overlap_seconds',
  'lookback_seconds',
  'filter',
];

export const NO_PULL: PullDraft = {
  on: false,
  instance: '',
  numbers: { every_seconds: '', page_size: '', overlap_seconds: '', lookback_seconds: '' },
  filter: 'default',
  filterText: '',
};

/** A stored `options.pull` as the form shows it (absent: pull off). */
export function draftOf(pull: unknown): PullDraft {
  if (pull === null || typeof pull !== 'object' || Array.isArray(pull)) return NO_PULL;
  const stored = pull as Record<string, unknown>;
  const text = (key: NumberKey) => (typeof stored[key] === 'number' ? String(stored[key]) : '');
  const filter = stored['filter'];
  return {
    on: true,
    instance: typeof stored['instance'] === 'string' ? stored['instance'] : '',
    numbers: {
      every_seconds: text('every_seconds'),
      page_size: text('page_size'),
      overlap_seconds: text('overlap_seconds'),
      lookback_seconds: text('lookback_seconds'),
    },
    filter: filter === undefined ? 'default' : filter === null ? 'none' : 'custom',
    filterText: typeof filter === 'string' ? filter : '',
  };
}

/** The `options.pull` the draft asks for; what is left empty is left out, so the server's default applies. */
export function pullOf(draft: PullDraft, format: PullFormat): Record<string, unknown> {
  const pull: Record<string, unknown> = { instance: draft.instance };
  for (const [key, value] of Object.entries(draft.numbers) as [NumberKey, string][]) {
    if (key === 'overlap_seconds' && !format.overlapSeconds) continue;
    if (value.trim() !== '') pull[key] = Number(value);
  }
  if (draft.filter === 'none') pull['filter'] = null;
  if (draft.filter === 'custom') pull['filter'] = draft.filterText;
  return pull;
}

/** The server's refusal of `options.pull` (its problem's `path`, `/options/pull/<key>`), or null for any other error. */
export function pullProblemOf(error: unknown): PullProblem | null {
  if (!(error instanceof ApiError)) return null;
  const path = error.problem.path ?? '';
  if (path !== '/options/pull' && !path.startsWith('/options/pull/')) return null;
  const key = path.slice('/options/pull/'.length);
  return { key: (KEYS as readonly string[]).includes(key) ? (key as PullKey) : null, message: error.message };
}

/** The instance a new pull starts with: the integration's default one, or its first. */
function firstInstance(format: PullFormat, instances: readonly IntegrationInstance[]): string {
  const own = instances.filter((i) => i.integration === format.integration.id);
  return (own.find((i) => i.isDefault) ?? own[0])?.name ?? '';
}

const seconds = (n: number) => n.toLocaleString();

/**
 * "Pull from the vendor's API": the settings of a source's `options.pull`, each with the server's
 * bounds and default, and the server's refusal shown at the setting it names.
 */
export function PullFields({
  format,
  draft,
  onDraft,
  instances,
  problem,
}: {
  format: PullFormat;
  draft: PullDraft;
  onDraft: (draft: PullDraft) => void;
  instances: readonly IntegrationInstance[];
  problem: PullProblem | null;
}) {
  const own = instances.filter((i) => i.integration === format.integration.id);
  const errorAt = (key: PullKey | null) => (problem && problem.key === key ? problem.message : undefined);
  const number = (key: NumberKey, label: string, range: PullRange, unit: string) => (
    <Field label={label} error={errorAt(key)} hint={`${seconds(range.min)} to ${seconds(range.max)}${unit}`}>
      {(aria) => (
        <input
          {...aria}
          type="number"
          step={1}
          value={draft.numbers[key]}
          placeholder={`default ${seconds(range.default)}`}
          onChange={(e) => onDraft({ ...draft, numbers: { ...draft.numbers, [key]: e.target.value } })}
        />
      )}
    </Field>
  );
  return (
    <fieldset className="stack whole-line" aria-label="Pull from the vendor's API">
      <label className="inline">
        <input
          type="checkbox"
          checked={draft.on}
          onChange={(e) =>
            onDraft({
              ...draft,
              on: e.target.checked,
              instance: draft.instance || firstInstance(format, instances),
            })
          }
        />
        Pull from the vendor's API
        <span className="muted small">
          ({format.title}, through the {format.integration.name} integration)
        </span>
      </label>
      {errorAt(null) && (
        <span className="bad-text small" role="alert">
          {errorAt(null)}
        </span>
      )}
      {draft.on && (
        <>
          <div className="row top">
            <Field
              label="Integration instance"
              error={errorAt('instance')}
              hint={own.length === 0 ? undefined : 'holds the URL and the credentials'}
            >
              {(aria) => (
                <select
                  {...aria}
                  value={draft.instance}
                  onChange={(e) => onDraft({ ...draft, instance: e.target.value })}
                >
                  {!own.some((i) => i.name === draft.instance) && (
                    <option value={draft.instance}>
                      {draft.instance === '' ? 'Choose…' : `${draft.instance} (not configured)`}
                    </option>
                  )}
                  {own.map((i) => (
                    <option key={i.name} value={i.name}>
                      {i.name}
                      {i.isDefault ? ' (default)' : ''}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            {own.length === 0 && (
              <span className="small">
                The {format.integration.name} integration has no instance yet:{' '}
                <Link to="/integrations">configure one under Integrations</Link>.
              </span>
            )}
          </div>
          <div className="row top">
            {number('every_seconds', 'Poll every (seconds)', format.everySeconds, ' s')}
            {number('page_size', 'Page size (records)', format.pageSize, '')}
            {format.overlapSeconds &&
              number('overlap_seconds', 'Overlap (seconds)', format.overlapSeconds, ' s')}
            {number('lookback_seconds', 'First poll looks back (seconds)', format.lookbackSeconds, ' s')}
          </div>
          <FilterField format={format} draft={draft} onDraft={onDraft} error={errorAt('filter')} />
        </>
      )}
    </fieldset>
  );
}

/** The vendor's filter: the feed's default (shown), none, or one typed here. */
function FilterField({
  format,
  draft,
  onDraft,
  error,
}: {
  format: PullFormat;
  draft: PullDraft;
  onDraft: (draft: PullDraft) => void;
  error: string | undefined;
}) {
  const errorId = useId();
  const name = useId();
  const choose = (filter: PullDraft['filter']) => onDraft({ ...draft, filter });
  // Without a default filter, leaving it out and null both read every record: one choice says so.
  const mode = format.defaultFilter === null && draft.filter === 'none' ? 'default' : draft.filter;
  return (
    <div
      className="stack"
      role="radiogroup"
      aria-label="Filter"
      aria-invalid={error ? true : undefined}
      aria-describedby={error ? errorId : undefined}
    >
      <span className="muted small">Filter (the vendor's own expression, ANDed with the time)</span>
      <label className="inline">
        <input type="radio" name={name} checked={mode === 'default'} onChange={() => choose('default')} />
        {format.defaultFilter === null ? (
          'none: every record (the default)'
        ) : (
          <span>
            the default: <code>{format.defaultFilter}</code>
          </span>
        )}
      </label>
      {format.defaultFilter !== null && (
        <label className="inline">
          <input type="radio" name={name} checked={mode === 'none'} onChange={() => choose('none')} />
          none: every record
        </label>
      )}
      <label className="inline">
        <input type="radio" name={name} checked={mode === 'custom'} onChange={() => choose('custom')} />
        this one
      </label>
      {mode === 'custom' && (
        <textarea
          aria-label="Filter expression"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
          rows={2}
          spellCheck={false}
          maxLength={format.filterMaxLength}
          value={draft.filterText}
          placeholder={format.defaultFilter ?? ''}
          onChange={(e) => onDraft({ ...draft, filterText: e.target.value })}
        />
      )}
      {error && (
        <span id={errorId} className="bad-text small" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
