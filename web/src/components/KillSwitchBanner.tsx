import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';
import { useLive } from '../live.ts';
import { Link } from '../router.tsx';
import { Time } from './ui.tsx';

/** GET /api/v1/response/kill-switch: whether destructive automation is paused, and who changed it last. */
export interface KillSwitchState {
  engaged: boolean;
  reason: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
}

// One state for the whole console: the banner and the settings page show the same thing, and a change
// made on the settings page reaches the banner at once.
const listeners = new Set<(state: KillSwitchState) => void>();
let current: KillSwitchState | null = null;

export function publishKillSwitch(state: KillSwitchState): void {
  current = state;
  for (const listener of listeners) listener(state);
}

/** How long the banner trusts what it knows when no live event arrives. */
const POLL_MS = 20_000;

export function useKillSwitch(): { state: KillSwitchState | null; reload: () => void } {
  const [state, setState] = useState<KillSwitchState | null>(current);
  const reload = useCallback(() => {
    api.get<KillSwitchState>('/api/v1/response/kill-switch').then(publishKillSwitch, () => undefined);
  }, []);
  useEffect(() => {
    listeners.add(setState);
    reload();
    const timer = setInterval(reload, POLL_MS);
    return () => {
      listeners.delete(setState);
      clearInterval(timer);
    };
  }, [reload]);
  useLive(['response.changed'], reload);
  return { state, reload };
}

/** Shown on every page while the kill switch holds destructive actions. */
export function KillSwitchBanner() {
  const { state } = useKillSwitch();
  if (!state?.engaged) return null;
  return (
    <div className="kill-switch-banner" role="alert" data-testid="kill-switch-banner">
      <strong>Kill switch engaged:</strong> destructive actions are held until it is released.{' '}
      {state.reason && <>Reason: “{state.reason}”. </>}
      {state.updatedBy && (
        <span className="small">
          By {state.updatedBy}, <Time value={state.updatedAt} />.{' '}
        </span>
      )}
      <Link to="/settings?tab=kill-switch">Kill switch settings</Link>
    </div>
  );
}
