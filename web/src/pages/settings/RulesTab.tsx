import { useState } from 'react';
import { api } from '../../api.ts';
import {
  ConfirmDelete,
  ErrorBox,
  Loading,
  Panel,
  TableHead,
  useAction,
  useAsync,
} from '../../components/ui.tsx';
import { useSession } from '../../session.tsx';
import { NewRuleForm, type Rule } from './NewRuleForm.tsx';

type Matcher = { action?: string; effect?: string };

function matcherText(match: Matcher | undefined): string {
  if (!match || (!match.action && !match.effect)) return 'every write or destructive action';
  return [match.action, match.effect && `${match.effect} actions`].filter(Boolean).join(', ');
}

function describe(rule: Rule): string {
  switch (rule.kind) {
    case 'policy': {
      const when = [
        rule.when?.criticalityAtLeast && `target criticality ≥ ${rule.when.criticalityAtLeast}`,
        rule.when?.tagsAny?.length && `target tagged ${rule.when.tagsAny.join(' or ')}`,
      ].filter(Boolean);
      const approval =
        rule.decision === 'approval' && rule.approval
          ? ` by ${rule.approval.quorum} ${rule.approval.role}${rule.approval.quorum === 1 ? '' : 's'} within ${Math.round(rule.approval.expiresInSeconds / 60)} min, then ${rule.approval.onExpiry}`
          : '';
      return `${rule.decision}${approval} for ${matcherText(rule.match)}${when.length ? ` when ${when.join(' and ')}` : ''}`;
    }
    case 'protected':
      return `${rule.type} ${rule.value}: ${rule.reason}`;
    case 'limit':
      return `at most ${rule.max} of ${matcherText(rule.match)} in ${rule.windowSeconds} s (${rule.scope})`;
    case 'cooldown':
      return `${matcherText(rule.match)} on the same target at most once in ${rule.seconds} s`;
  }
}

const SECTIONS: { kind: Rule['kind']; title: string; help: string }[] = [
  {
    kind: 'protected',
    title: 'Protected entities',
    help: 'Automation never touches them; an admin may override one refused step with a reason.',
  },
  { kind: 'limit', title: 'Blast-radius limits', help: 'The attempt beyond the limit fails.' },
  {
    kind: 'cooldown',
    title: 'Cool-downs',
    help: 'The same action on the same target within the cool-down is refused.',
  },
  {
    kind: 'policy',
    title: 'Policies',
    help: 'The first matching policy decides: run at once, ask a person first, or never automatically. Without one, actions run at once.',
  },
];

/** Response guardrails (docs/response.md): managers read them, admins add and remove them. */
export function RulesTab() {
  const { can } = useSession();
  const rules = useAsync(() => api.get<{ items: Rule[] }>('/api/v1/response/rules'), []);
  const [confirming, setConfirming] = useState<string | null>(null);
  const action = useAction();
  const edit = can('managePolicies');
  const remove = (id: string) =>
    action.run(async () => {
      await api.delete(`/api/v1/response/rules/${encodeURIComponent(id)}`);
      setConfirming(null);
      rules.reload();
    });
  return (
    <>
      <p className="muted">
        Guardrails apply to every write and destructive action a run takes, in this order: the kill switch,
        protected entities, blast-radius limits, cool-downs, then policies.
      </p>
      <ErrorBox error={rules.error ?? action.error} />
      {!rules.data && <Loading what="response rules" />}
      {rules.data &&
        SECTIONS.map((section) => {
          const items = rules.data!.items.filter((r) => r.kind === section.kind);
          return (
            <Panel key={section.kind} title={section.title}>
              <p className="muted small">{section.help}</p>
              {items.length === 0 ? (
                <p className="muted">None.</p>
              ) : (
                <table>
                  <TableHead columns={['Name', 'Rule']} actions={edit} />
                  <tbody>
                    {items.map((rule) => {
                      const label = rule.kind === 'protected' ? `${rule.type} ${rule.value}` : rule.name;
                      return (
                        <tr key={rule.id}>
                          <td>
                            {label} <span className="muted small">{rule.id}</span>
                          </td>
                          <td>{describe(rule)}</td>
                          {edit && (
                            <td>
                              <ConfirmDelete
                                name={label}
                                confirming={confirming === rule.id}
                                busy={action.busy}
                                onAsk={() => setConfirming(rule.id)}
                                onConfirm={() => remove(rule.id)}
                                onKeep={() => setConfirming(null)}
                              />
                            </td>
                          )}
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
            </Panel>
          );
        })}
      {edit ? (
        <NewRuleForm onCreated={rules.reload} />
      ) : (
        <p className="muted small">Admins add and remove rules.</p>
      )}
    </>
  );
}
