import { useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { ErrorBox, Panel, useAction } from '../../components/ui.tsx';
import { ROLES } from './UsersTab.tsx';

type Matcher = { action?: string; effect?: 'write' | 'destructive' };

/** A response rule as GET /api/v1/response/rules lists it (src/response/response-rules.ts). */
export type Rule = { id: string } & (
  | {
      kind: 'policy';
      name: string;
      match: Matcher;
      decision: 'allow' | 'approval' | 'deny';
      when?: { criticalityAtLeast?: string; tagsAny?: string[] };
      approval?: { role: string; quorum: number; expiresInSeconds: number; onExpiry: 'deny' | 'escalate' };
    }
  | { kind: 'protected'; type: string; value: string; reason: string }
  | {
      kind: 'limit';
      name: string;
      match: Matcher;
      max: number;
      windowSeconds: number;
      scope: 'global' | 'playbook';
    }
  | { kind: 'cooldown'; name: string; match: Matcher; seconds: number }
);

const KINDS = [
  { id: 'protected', label: 'Protected entity' },
  { id: 'limit', label: 'Blast-radius limit' },
  { id: 'cooldown', label: 'Cool-down' },
  { id: 'policy', label: 'Policy' },
] as const;
const TARGET_TYPES = ['any', 'host', 'ipv4', 'ipv6', 'user', 'email', 'domain', 'url'];
const CRITICALITIES = ['low', 'medium', 'high', 'critical'];

type Draft = Record<string, string>;

const INITIAL: Draft = {
  kind: 'protected',
  name: '',
  action: '',
  effect: '',
  type: 'host',
  value: '',
  reason: '',
  decision: 'approval',
  criticality: '',
  tags: '',
  role: 'manager',
  quorum: '1',
  expiresMinutes: '60',
  onExpiry: 'deny',
  max: '5',
  windowSeconds: '3600',
  scope: 'global',
  seconds: '3600',
};

/** The API body for a draft; the server checks it and names the field it refuses. */
function bodyOf(d: Draft): Record<string, unknown> {
  const match = { ...(d.action ? { action: d.action } : {}), ...(d.effect ? { effect: d.effect } : {}) };
  const n = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  switch (d.kind) {
    case 'protected':
      return { kind: 'protected', type: d.type, value: d.value, reason: d.reason };
    case 'limit':
      return {
        kind: 'limit',
        name: d.name,
        match,
        max: n(d.max),
        windowSeconds: n(d.windowSeconds),
        scope: d.scope,
      };
    case 'cooldown':
      return { kind: 'cooldown', name: d.name, match, seconds: n(d.seconds) };
    default: {
      const tags = (d.tags ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      const when = {
        ...(d.criticality ? { criticalityAtLeast: d.criticality } : {}),
        ...(tags.length ? { tagsAny: tags } : {}),
      };
      const minutes = n(d.expiresMinutes);
      return {
        kind: 'policy',
        name: d.name,
        match,
        decision: d.decision,
        ...(Object.keys(when).length ? { when } : {}),
        ...(d.decision === 'approval'
          ? {
              approval: {
                role: d.role,
                quorum: n(d.quorum),
                expiresInSeconds: minutes === undefined ? undefined : Math.round(minutes * 60),
                onExpiry: d.onExpiry,
              },
            }
          : {}),
      };
    }
  }
}

export function NewRuleForm({ onCreated }: { onCreated: () => void }) {
  const [draft, setDraft] = useState<Draft>(INITIAL);
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const set = (name: string) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [name]: e.target.value }));
  const text = (name: string, label: string, props: Record<string, unknown> = {}) => (
    <label>
      {label}
      <input value={draft[name] ?? ''} onChange={set(name)} {...props} />
    </label>
  );
  const choose = (name: string, label: string, options: readonly string[], empty?: string) => (
    <label>
      {label}
      <select value={draft[name] ?? ''} onChange={set(name)}>
        {empty !== undefined && <option value="">{empty}</option>}
        {options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    </label>
  );
  const matcher = (
    <>
      {text('action', 'Action (vendor.action or vendor.*)', { placeholder: 'any' })}
      {choose('effect', 'Effect', ['write', 'destructive'], 'any')}
    </>
  );
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    if (await action.run(() => api.post('/api/v1/response/rules', bodyOf(draft)))) {
      setDone('Rule added.');
      setDraft({ ...INITIAL, kind: draft.kind ?? 'protected' });
      onCreated();
    }
  };
  const kind = draft.kind ?? 'protected';
  return (
    <Panel title="Add a rule">
      <form className="stack" onSubmit={submit} aria-label="Add a response rule">
        <label>
          Rule kind
          <select value={kind} onChange={set('kind')}>
            {KINDS.map((k) => (
              <option key={k.id} value={k.id}>
                {k.label}
              </option>
            ))}
          </select>
        </label>
        <div className="row">
          {kind === 'protected' && (
            <>
              {choose('type', 'Entity type', TARGET_TYPES)}
              {text('value', 'Value (exact, * glob, or CIDR)', { required: true, placeholder: 'dc*' })}
              {text('reason', 'Why it is protected', { required: true })}
            </>
          )}
          {kind !== 'protected' && text('name', 'Rule name', { required: true })}
          {kind !== 'protected' && matcher}
          {kind === 'limit' && (
            <>
              {text('max', 'At most', { type: 'number', min: 1, required: true })}
              {text('windowSeconds', 'Window (seconds)', { type: 'number', min: 1, required: true })}
              {choose('scope', 'Counted', ['global', 'playbook'])}
            </>
          )}
          {kind === 'cooldown' &&
            text('seconds', 'Cool-down (seconds)', { type: 'number', min: 1, required: true })}
          {kind === 'policy' && (
            <>
              {choose('decision', 'Decision', ['allow', 'approval', 'deny'])}
              {choose('criticality', 'When target criticality is at least', CRITICALITIES, 'any')}
              {text('tags', 'Or the target has a tag (comma-separated)')}
            </>
          )}
        </div>
        {kind === 'policy' && draft.decision === 'approval' && (
          <fieldset className="row">
            <legend>Approval</legend>
            {choose('role', 'Approver role', ROLES)}
            {text('quorum', 'Quorum', { type: 'number', min: 1, max: 20 })}
            {text('expiresMinutes', 'Expires after (minutes)', { type: 'number', min: 1 })}
            {choose('onExpiry', 'On expiry', ['deny', 'escalate'])}
          </fieldset>
        )}
        <ErrorBox error={action.error} />
        {done && <p role="status">{done}</p>}
        <div>
          <button className="primary" type="submit" disabled={action.busy}>
            Add rule
          </button>
        </div>
      </form>
    </Panel>
  );
}
