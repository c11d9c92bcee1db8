import { useEffect, useRef } from 'react';

/**
 * Live updates: one EventSource on /api/v1/stream shared by every component. Each server event has a
 * type (alert.created, case.changed, run.changed, task.changed, response.changed) and a JSON body.
 */
export interface LiveEvent {
  type: string;
  data: Record<string, unknown>;
}

type Listener = (event: LiveEvent) => void;

const listeners = new Set<Listener>();
let source: EventSource | null = null;
export const LIVE_TYPES = [
  'alert.created',
  'case.changed',
  'run.changed',
  'task.changed',
  'response.changed',
];

function connect(): void {
  if (source || typeof EventSource === 'undefined') return;
  source = new EventSource('/api/v1/stream');
  for (const type of LIVE_TYPES) {
    source.addEventListener(type, (message) => {
      let data: Record<string, unknown> = {};
      try {
        data = JSON.parse((message as MessageEvent<string>).data) as Record<string, unknown>;
      } catch {
        return;
      }
      for (const listener of listeners) listener({ type, data });
    });
  }
}

export function disconnectLive(): void {
  source?.close();
  source = null;
}

/** Calls `handler` for every live event whose type is in `types` while the component is mounted. */
export function useLive(types: string[], handler: (event: LiveEvent) => void): void {
  const ref = useRef(handler);
  ref.current = handler;
  const key = types.join(',');
  useEffect(() => {
    connect();
    const wanted = new Set(key.split(','));
    const listener: Listener = (event) => {
      if (wanted.has(event.type)) ref.current(event);
    };
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, [key]);
}
