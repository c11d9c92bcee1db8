import { useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import {
  publishKillSwitch,
  useKillSwitch,
  type KillSwitchState,
} from '../../components/KillSwitchBanner.tsx';
import { ErrorBox, Loading, Panel, Time, useAction } from '../../components/ui.tsx';
import { useSession } from '../../session.tsx';

/** The kill switch: everyone sees its state; managers and admins engage or release it, with a reason. */
export function KillSwitchTab() {
  const { can } = useSession();
  const { state } = useKillSwitch();
  const [reason, setReason] = useState('');
  const action = useAction();
  if (!state) return <Loading what="the kill switch" />;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const ok = await action.run(async () => {
      publishKillSwitch(
        await api.put<KillSwitchState>('/api/v1/response/kill-switch', { engaged: !state.engaged, reason }),
      );
    });
    if (ok) setReason('');
  };
  return (
    <Panel title="Kill switch">
      <p>
        While the kill switch is engaged, every destructive action waits (its run shows it as held); nothing
        is lost, and held actions go on within a second of the release.
      </p>
      <dl className="facts" aria-label="Kill switch state">
        <dt>State</dt>
        <dd>
          <strong className={state.engaged ? 'bad-text' : 'ok-text'} data-testid="kill-switch-state">
            {state.engaged ? 'Engaged' : 'Released'}
          </strong>
        </dd>
        <dt>Why</dt>
        <dd>{state.reason ?? <span className="muted">—</span>}</dd>
        <dt>Changed by</dt>
        <dd>{state.updatedBy ?? <span className="muted">never changed</span>}</dd>
        <dt>When</dt>
        <dd>
          <Time value={state.updatedAt} />
        </dd>
      </dl>
      {can('killSwitch') ? (
        <form className="stack" onSubmit={submit} aria-label="Change the kill switch">
          <label>
            Reason
            <textarea value={reason} onChange={(e) => setReason(e.target.value)} required maxLength={500} />
          </label>
          <ErrorBox error={action.error} />
          <div>
            <button className={state.engaged ? 'primary' : 'danger'} type="submit" disabled={action.busy}>
              {state.engaged ? 'Release the kill switch' : 'Engage the kill switch'}
            </button>
          </div>
        </form>
      ) : (
        <p className="muted small">Managers and admins engage or release it.</p>
      )}
    </Panel>
  );
}
