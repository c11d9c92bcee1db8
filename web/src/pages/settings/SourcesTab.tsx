import { useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { FORMATS as SERVER_FORMATS } from '../../../../src/core/format.ts';
import {
  ConfirmDelete,
  ErrorBox,
  Loading,
  Panel,
  TableHead,
  Time,
  useAction,
  useAsync,
} from '../../components/ui.tsx';
import {
  draftOf,
  NO_PULL,
  pullOf,
  PullFields,
  pullProblemOf,
  type IntegrationInstance,
  type PullDraft,
  type PullFormat,
  type PullProblem,
} from './PullFields.tsx';

interface Source {
  name: string;
  format: string;
  options: Record<string, unknown>;
  requireSignature: boolean;
  createdAt: string;
  createdBy: string;
  tokenRotatedAt: string | null;
  previousTokenValidUntil: string | null;
  expectWithinSeconds: number | null;
  silentSince: string | null;
  /** Alerts a minute it may send (null: no limit). */
  alertLimitPerMinute: number | null;
  /** How its polls go, when it pulls from a vendor API (`options.pull`); the list carries it. */
  pull?: SourcePull | null;
}

/** The `pull` member of a listed source (GET /api/v1/sources). */
interface SourcePull {
  integration: string;
  instance: string;
  everySeconds: number;
  lastSuccessAt: string | null;
  nextPollAt: string | null;
  failures: number;
  lastError: { at: string; message: string } | null;
  records: { pulled: number; stored: number; duplicates: number; rejected: number };
}

/** What a source has sent lately (the list carries it; a source just created or rotated does not). */
interface SourceActivity {
  lastAlertAt: string | null;
  lastHour: number;
  lastHourCapped: boolean;
}

/** How long a replaced token may still be used, as offered (the API takes any second up to a week). */
const GRACES = [
  { label: 'stops now', seconds: 0 },
  { label: 'works 1 more hour', seconds: 3600 },
  { label: 'works 24 more hours', seconds: 86_400 },
  { label: 'works 7 more days', seconds: 604_800 },
];

/** How long a source may stay quiet before it is reported silent, as offered (the API takes 60 s to 30 days). */
const EXPECTATIONS = [
  { label: 'not watched', seconds: null },
  { label: '15 minutes', seconds: 900 },
  { label: '1 hour', seconds: 3600 },
  { label: '4 hours', seconds: 14_400 },
  { label: '24 hours', seconds: 86_400 },
  { label: '7 days', seconds: 604_800 },
];

function within(seconds: number): string {
  return (
    EXPECTATIONS.find((e) => e.seconds === seconds)?.label ??
    (seconds % 3600 === 0 ? `${seconds / 3600} hours` : `${Math.round(seconds / 60)} minutes`)
  );
}

// The server's own list (a pure module of the core, no dependencies).
const FORMATS = SERVER_FORMATS;
/**
 * Formats whose normalizer reads options people write: a generic source's mapping, a mailbox to read.
 * A vendor API to pull has its own section, offered for the formats the server says it pulls.
 */
const WITH_OPTIONS: ReadonlySet<string> = new Set(['generic', 'email']);

/** The options text as a JSON object, or an error that says where it is not. */
function parseOptions(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.trim() === '' ? '{}' : text);
  } catch (error) {
    throw new Error(`Options: not valid JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('Options: must be a JSON object ({…})');
  return parsed as Record<string, unknown>;
}

/**
 * A source's options from the form: the JSON typed, and `pull` from the pull section when the format
 * is one the server pulls (typing it in the JSON as well would leave two answers, so that is refused).
 */
function optionsOf(
  other: Record<string, unknown>,
  target: PullFormat | undefined,
  pull: PullDraft,
): Record<string, unknown> {
  if (!target) return other;
  if ('pull' in other)
    throw new Error(`Options: set "pull" under "Pull from the vendor's API", not in the JSON`);
  return pull.on ? { ...other, pull: pullOf(pull, target) } : other;
}

/** What the pull forms need from the server: the formats it pulls, and the integration instances to name. */
interface PullChoices {
  formats: readonly PullFormat[];
  instances: readonly IntegrationInstance[];
}

/** Ingest sources: where alerts come in, each with its own token shown once (admin creates and deletes). */
export function SourcesTab() {
  const sources = useAsync(
    () =>
      api.get<{ items: (Source & { activity: SourceActivity })[]; pullFormats: PullFormat[] }>(
        '/api/v1/sources',
      ),
    [],
  );
  const instances = useAsync(
    () => api.get<{ items: IntegrationInstance[] }>('/api/v1/integration-instances'),
    [],
  );
  const choices: PullChoices = {
    formats: sources.data?.pullFormats ?? [],
    instances: instances.data?.items ?? [],
  };
  const action = useAction();
  const [confirm, setConfirm] = useState<string | null>(null);
  const [rotating, setRotating] = useState<string | null>(null);
  const [editing, setEditing] = useState<Source | null>(null);
  const [rotated, setRotated] = useState<(Source & { token: string }) | null>(null);
  const rotate = (name: string, graceSeconds: number) =>
    action.run(async () => {
      setRotated(
        await api.post<Source & { token: string }>(
          `/api/v1/sources/${encodeURIComponent(name)}/rotate-token`,
          { graceSeconds },
        ),
      );
      setRotating(null);
      sources.reload();
    });
  const remove = (name: string) =>
    action.run(async () => {
      await api.delete(`/api/v1/sources/${encodeURIComponent(name)}`);
      setConfirm(null);
      sources.reload();
    });
  return (
    <>
      <NewSource onCreated={sources.reload} choices={choices} />
      <Panel title="Ingest sources">
        <ErrorBox error={sources.error ?? instances.error ?? action.error} />
        {!sources.data && <Loading what="sources" />}
        {sources.data && (
          <table>
            <TableHead
              columns={['Name', 'Format', 'Signature', 'Endpoint', 'Last alert', 'Created', 'Token']}
            />
            <tbody>
              {sources.data.items.length === 0 && (
                <tr>
                  <td colSpan={8} className="muted">
                    No sources yet: create one above and point a tool at its endpoint.
                  </td>
                </tr>
              )}
              {sources.data.items.map((s) => (
                <tr key={s.name}>
                  <td>{s.name}</td>
                  <td>{s.format}</td>
                  <td>{s.requireSignature ? 'HMAC required' : 'token'}</td>
                  <td>
                    <code>{endpoint(s.name)}</code>
                  </td>
                  <td>
                    {s.silentSince && (
                      <div>
                        <span className="badge danger" data-testid="source-silent">
                          silent
                        </span>{' '}
                        <span className="small">
                          since <Time value={s.silentSince} />
                        </span>
                      </div>
                    )}
                    {s.activity.lastAlertAt ? (
                      <Time value={s.activity.lastAlertAt} />
                    ) : (
                      <span className="muted">none yet</span>
                    )}
                    <div className="muted small">
                      {s.activity.lastHour.toLocaleString()}
                      {s.activity.lastHourCapped ? '+' : ''} in the last hour
                    </div>
                    {s.expectWithinSeconds !== null && (
                      <div className="muted small">expected within {within(s.expectWithinSeconds)}</div>
                    )}
                    {s.alertLimitPerMinute !== null && (
                      <div className="muted small" data-testid="source-limit">
                        at most {s.alertLimitPerMinute.toLocaleString()} alerts a minute
                      </div>
                    )}
                    {s.pull && <PullStatus name={s.name} pull={s.pull} onPulled={sources.reload} />}
                  </td>
                  <td>
                    <Time value={s.createdAt} /> <span className="muted small">by {s.createdBy}</span>
                  </td>
                  <td>
                    {s.tokenRotatedAt ? (
                      <>
                        replaced <Time value={s.tokenRotatedAt} />
                      </>
                    ) : (
                      <span className="muted">original</span>
                    )}
                    {s.previousTokenValidUntil && (
                      <div className="muted small">
                        the old one works until <Time value={s.previousTokenValidUntil} />
                      </div>
                    )}
                  </td>
                  <td>
                    <button onClick={() => setEditing(s)} aria-label={`Edit source ${s.name}`}>
                      Edit
                    </button>{' '}
                    {rotating === s.name ? (
                      <RotateToken
                        name={s.name}
                        busy={action.busy}
                        onRotate={(grace) => rotate(s.name, grace)}
                        onKeep={() => setRotating(null)}
                      />
                    ) : (
                      <button
                        onClick={() => setRotating(s.name)}
                        aria-label={`Rotate the token of ${s.name}`}
                      >
                        Rotate token
                      </button>
                    )}{' '}
                    <ConfirmDelete
                      name={`source ${s.name}`}
                      confirming={confirm === s.name}
                      busy={action.busy}
                      onAsk={() => setConfirm(s.name)}
                      onConfirm={() => remove(s.name)}
                      onKeep={() => setConfirm(null)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {editing && (
          <EditSource
            key={editing.name}
            source={editing}
            choices={choices}
            onSaved={() => {
              setEditing(null);
              sources.reload();
            }}
            onCancel={() => setEditing(null)}
          />
        )}
        {rotated && (
          <div className="notice stack" role="status">
            <span>
              Source <strong>{rotated.name}</strong> has a new token, shown only now:
            </span>
            <code data-testid="rotated-token">{rotated.token}</code>
            <span>
              {rotated.previousTokenValidUntil ? (
                <>
                  The old token still works until{' '}
                  <time dateTime={rotated.previousTokenValidUntil}>
                    {new Date(rotated.previousTokenValidUntil).toLocaleString()}
                  </time>
                  : move the senders to the new one before then.
                </>
              ) : (
                'The old token no longer works.'
              )}
            </span>
          </div>
        )}
        <p className="muted small">
          Deleting a source stops its token; the alerts it sent stay. Rotating gives it a new token; the old
          one stops at once or after the grace you choose, so senders can move over without a gap. A source
          watched for silence that sends nothing for longer than its time is reported silent (audit log,
          notification webhook, <code>riposte_source_silent</code>) and resumed when it sends again.
        </p>
      </Panel>
    </>
  );
}

/**
 * Saves a source through `send`, keeping the server's refusal of `options.pull` apart, so it is shown
 * at the setting it names rather than above the form.
 */
function useSourceSave() {
  const action = useAction();
  const [pullProblem, setPullProblem] = useState<PullProblem | null>(null);
  const save = (send: () => Promise<void>) => {
    setPullProblem(null);
    return action.run(async () => {
      try {
        await send();
      } catch (error) {
        setPullProblem(pullProblemOf(error));
        throw error;
      }
    });
  };
  return { save, busy: action.busy, error: pullProblem ? null : action.error, pullProblem };
}

/**
 * Changes a source's format, options and signature requirement; its name and token stay. The options
 * are JSON (a generic source's `mapping` of CEL expressions), checked by the server against the format;
 * a source that pulls a vendor API has its pull settings in their own section (off stops the pulls).
 */
function EditSource({
  source,
  choices,
  onSaved,
  onCancel,
}: {
  source: Source;
  choices: PullChoices;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const pulledAs = choices.formats.find((f) => f.format === source.format);
  const { pull: storedPull, ...otherOptions } = source.options;
  const [format, setFormat] = useState(source.format);
  const [options, setOptions] = useState(JSON.stringify(pulledAs ? otherOptions : source.options, null, 2));
  const [pull, setPull] = useState<PullDraft>(pulledAs ? draftOf(storedPull) : NO_PULL);
  const [requireSignature, setRequireSignature] = useState(source.requireSignature);
  const [expectWithin, setExpectWithin] = useState(source.expectWithinSeconds);
  const [alertLimit, setAlertLimit] = useState(source.alertLimitPerMinute);
  const target = choices.formats.find((f) => f.format === format);
  const saving = useSourceSave();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await saving.save(async () => {
      await api.patch(`/api/v1/sources/${encodeURIComponent(source.name)}`, {
        format,
        options: optionsOf(parseOptions(options), target, pull),
        requireSignature,
        expectWithinSeconds: expectWithin,
        alertLimitPerMinute: alertLimit,
      });
      onSaved();
    });
  };
  return (
    <form className="stack" onSubmit={submit} aria-label="Edit source">
      <strong>Edit source {source.name}</strong>
      <SourceFields
        format={format}
        onFormat={(next) => {
          setFormat(next);
          // Another vendor's pull starts afresh; back to the source's own format, its stored one.
          setPull(next === source.format && pulledAs ? draftOf(storedPull) : NO_PULL);
        }}
        options={options}
        onOptions={setOptions}
        optionsLabel={target ? 'Other options (JSON)' : 'Options (JSON)'}
        optionsRows={6}
        requireSignature={requireSignature}
        onRequireSignature={setRequireSignature}
        expectWithin={expectWithin}
        onExpectWithin={setExpectWithin}
        alertLimit={alertLimit}
        onAlertLimit={setAlertLimit}
      />
      {target && (
        <PullFields
          format={target}
          draft={pull}
          onDraft={setPull}
          instances={choices.instances}
          problem={saving.pullProblem}
        />
      )}
      <ErrorBox error={saving.error} />
      <span className="row">
        <button className="primary" type="submit" disabled={saving.busy}>
          Save source
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </span>
      <p className="muted small">The token stays; the next alerts are read the new way.</p>
    </form>
  );
}

/** The fields a source is created and edited with; `options` null leaves the options out. */
function SourceFields(props: {
  format: string;
  onFormat: (format: string) => void;
  options: string | null;
  onOptions: (options: string) => void;
  /** "Options (JSON)" unless the pull has its own section ("Other options (JSON)"). */
  optionsLabel?: string;
  optionsRows: number;
  requireSignature: boolean;
  onRequireSignature: (required: boolean) => void;
  expectWithin: number | null;
  onExpectWithin: (seconds: number | null) => void;
  alertLimit: number | null;
  onAlertLimit: (perMinute: number | null) => void;
}) {
  const choices = EXPECTATIONS.some((e) => e.seconds === props.expectWithin)
    ? EXPECTATIONS
    : [...EXPECTATIONS, { label: within(props.expectWithin!), seconds: props.expectWithin }];
  return (
    <>
      <label>
        Format
        <select value={props.format} onChange={(e) => props.onFormat(e.target.value)}>
          {FORMATS.map((f) => (
            <option key={f}>{f}</option>
          ))}
        </select>
      </label>
      {props.options !== null && (
        <label>
          {props.optionsLabel ?? 'Options (JSON)'}
          <textarea
            value={props.options}
            onChange={(e) => props.onOptions(e.target.value)}
            rows={props.optionsRows}
            spellCheck={false}
            placeholder={
              props.format === 'generic'
                ? '{"mapping": {"title": "event.msg", "severity": "event.level"}}'
                : '{}'
            }
          />
        </label>
      )}
      <label className="inline">
        <input
          type="checkbox"
          checked={props.requireSignature}
          onChange={(e) => props.onRequireSignature(e.target.checked)}
        />
        Require an HMAC signature
      </label>
      <label>
        Report silent after
        <select
          value={props.expectWithin ?? ''}
          onChange={(e) => props.onExpectWithin(e.target.value === '' ? null : Number(e.target.value))}
        >
          {choices.map((c) => (
            <option key={c.label} value={c.seconds ?? ''}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      <label title="Past it, what the source sends waits (HTTP senders get 429 and Retry-After); empty: no limit">
        Alert limit a minute
        <input
          type="number"
          min={1}
          step={1}
          placeholder="no limit"
          value={props.alertLimit ?? ''}
          onChange={(e) => props.onAlertLimit(e.target.value === '' ? null : Number(e.target.value))}
        />
      </label>
    </>
  );
}

/** Replaces a source's token: how long the old one may still be used, then the replacement. */
function RotateToken({
  name,
  busy,
  onRotate,
  onKeep,
}: {
  name: string;
  busy: boolean;
  onRotate: (graceSeconds: number) => void;
  onKeep: () => void;
}) {
  const [grace, setGrace] = useState(0);
  return (
    <span className="row" role="group" aria-label={`Rotate the token of ${name}`}>
      <label>
        The old token
        <select value={grace} onChange={(e) => setGrace(Number(e.target.value))}>
          {GRACES.map((g) => (
            <option key={g.seconds} value={g.seconds}>
              {g.label}
            </option>
          ))}
        </select>
      </label>
      <button className="danger" disabled={busy} onClick={() => onRotate(grace)}>
        Replace token
      </button>
      <button onClick={onKeep}>Keep</button>
    </span>
  );
}

/** Where a pulled source stands: whence, the last good poll, a failure in words, and "Pull now". */
function PullStatus({ name, pull, onPulled }: { name: string; pull: SourcePull; onPulled: () => void }) {
  const action = useAction();
  const pullNow = () =>
    action.run(async () => {
      await api.post(`/api/v1/sources/${encodeURIComponent(name)}/pull`);
      onPulled();
    });
  return (
    <div className="small" data-testid={`source-pull-${name}`}>
      {pull.failures > 0 && (
        <div>
          <span className="badge danger">pull failing</span>{' '}
          <span className="muted">{pull.failures} in a row</span>
        </div>
      )}
      <div className="muted">
        pulled from {pull.integration}/{pull.instance} every {pull.everySeconds} s
      </div>
      <div className="muted">
        last good poll {pull.lastSuccessAt ? <Time value={pull.lastSuccessAt} /> : 'none yet'};{' '}
        {pull.records.pulled.toLocaleString()} records read
      </div>
      {pull.failures > 0 && pull.lastError && <div>{pull.lastError.message}</div>}
      <button onClick={pullNow} disabled={action.busy} aria-label={`Pull ${name} now`}>
        Pull now
      </button>
      <ErrorBox error={action.error} />
    </div>
  );
}

function endpoint(name: string): string {
  return `${window.location.origin}/api/v1/sources/${encodeURIComponent(name)}/alerts`;
}

function NewSource({ onCreated, choices }: { onCreated: () => void; choices: PullChoices }) {
  const [name, setName] = useState('');
  const [format, setFormat] = useState('suricata');
  const [options, setOptions] = useState('');
  const [pull, setPull] = useState<PullDraft>(NO_PULL);
  const [requireSignature, setRequireSignature] = useState(false);
  const [expectWithin, setExpectWithin] = useState<number | null>(null);
  const [alertLimit, setAlertLimit] = useState<number | null>(null);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const target = choices.formats.find((f) => f.format === format);
  const saving = useSourceSave();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setCreated(null);
    await saving.save(async () => {
      const given = optionsOf(WITH_OPTIONS.has(format) ? parseOptions(options) : {}, target, pull);
      const answer = await api.post<Source & { token: string }>('/api/v1/sources', {
        name,
        format,
        ...(Object.keys(given).length > 0 || WITH_OPTIONS.has(format) ? { options: given } : {}),
        requireSignature,
        ...(expectWithin === null ? {} : { expectWithinSeconds: expectWithin }),
        ...(alertLimit === null ? {} : { alertLimitPerMinute: alertLimit }),
      });
      setCreated({ name: answer.name, token: answer.token });
      setName('');
      setOptions('');
      setPull(NO_PULL);
      onCreated();
    });
  };
  return (
    <Panel title="New source">
      <form className="row" onSubmit={submit} aria-label="New source">
        <label>
          Source name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} />
        </label>
        <SourceFields
          format={format}
          onFormat={(next) => {
            setFormat(next);
            setPull(NO_PULL);
          }}
          options={WITH_OPTIONS.has(format) ? options : null}
          onOptions={setOptions}
          optionsRows={4}
          requireSignature={requireSignature}
          onRequireSignature={setRequireSignature}
          expectWithin={expectWithin}
          onExpectWithin={setExpectWithin}
          alertLimit={alertLimit}
          onAlertLimit={setAlertLimit}
        />
        {target && (
          <PullFields
            format={target}
            draft={pull}
            onDraft={setPull}
            instances={choices.instances}
            problem={saving.pullProblem}
          />
        )}
        <button className="primary" type="submit" disabled={saving.busy}>
          Create source
        </button>
      </form>
      <ErrorBox error={saving.error} />
      {created && (
        <div className="notice stack" role="status">
          <span>
            Source <strong>{created.name}</strong> created. Its token is shown only now:
          </span>
          <code data-testid="source-token">{created.token}</code>
          <pre>{`curl -X POST ${endpoint(created.name)} \\
  -H 'Authorization: Bearer ${created.token}' \\
  -H 'Content-Type: application/x-ndjson' --data-binary @alerts.ndjson`}</pre>
        </div>
      )}
    </Panel>
  );
}
