/**
 * What changed, told to whoever listens (the console over SSE). An event names the thing that changed
 * and a few fields to decide whether to look again; it never carries the thing itself, so a listener
 * re-reads what it shows through the API, with its own permissions.
 */
export type LiveEvent =
  | { type: 'alert.created'; id: string; caseId: string | null; severity: string; title: string }
  | { type: 'case.changed'; id: string }
  | {
      type: 'run.changed';
      id: string;
      caseId: string | null;
      playbookId: string;
      status: string;
      /** The step that finished most recently, when one has. */
      step?: { key: string; status: string };
    }
  | { type: 'task.changed'; id: string; kind: string; status: string; runId: string; caseId: string | null }
  | { type: 'response.changed'; caseId: string | null; alertId: string | null; runId: string };

export type LiveEventType = LiveEvent['type'];

export const LIVE_EVENT_TYPES: readonly LiveEventType[] = [
  'alert.created',
  'case.changed',
  'run.changed',
  'task.changed',
  'response.changed',
];

/** What services see of the live feed: publish after a commit; cheap to call when nobody listens. */
export interface LivePublisher {
  /** True while at least one listener is subscribed: skip work that only builds events. */
  readonly listening: boolean;
  publish(event: LiveEvent): void;
}

/** The key a change is known by: the kind of thing and its id. */
export function liveKey(event: LiveEvent): string {
  switch (event.type) {
    case 'response.changed':
      return `response:${event.runId}`;
    default:
      return `${event.type}:${event.id}`;
  }
}
