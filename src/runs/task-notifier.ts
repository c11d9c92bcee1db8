import type { MentionNotification } from '../cases/case-mentions.ts';
import type { TaskSummary } from './task-service.ts';

export type TaskNotificationKind = 'opened' | 'reminder' | 'escalated' | 'expired';

/** What the notification hook receives: the task, and for approvals named users' signed links. */
export interface TaskNotification {
  kind: TaskNotificationKind;
  task: TaskSummary;
  links: { username: string; url: string; expiresAt: string }[];
  at: string;
}

export type NotificationHook = (notification: TaskNotification) => Promise<void>;

/**
 * The default hook: POSTs the notification as JSON to RIPOSTE_NOTIFY_WEBHOOK_URL when it is set
 * (Slack, Teams and mail integrations subscribe there later), and logs it in every case. A failing
 * receiver is logged, never retried forever, and never blocks the run.
 */
export function webhookNotifier(
  url: string | undefined,
  log: (line: Record<string, unknown>) => void,
): NotificationHook {
  return async (notification) => {
    log({ msg: `task ${notification.kind}`, taskId: notification.task.id, kind: notification.task.kind });
    await postNotification(url, notification, log, { taskId: notification.task.id });
  };
}

/**
 * Mentions in case comments go to the same webhook: `{ kind: "mention", case, comment, mentioned,
 * at, url }`, `url` being the case in the console.
 */
export function webhookMentionNotifier(
  url: string | undefined,
  publicUrl: string,
  log: (line: Record<string, unknown>) => void,
): (notification: MentionNotification) => Promise<void> {
  return async (notification) => {
    log({ msg: 'case mention', caseId: notification.case.id, mentioned: notification.mentioned });
    const body = {
      ...notification,
      url: `${publicUrl}/ui/cases/${encodeURIComponent(notification.case.id)}`,
    };
    await postNotification(url, body, log, { caseId: notification.case.id });
  };
}

/** POSTs one notification as JSON to the webhook, when there is one; a failure is logged, not thrown. */
export async function postNotification(
  url: string | undefined,
  body: unknown,
  log: (line: Record<string, unknown>) => void,
  ref: Record<string, string>,
): Promise<void> {
  if (!url) return;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) log({ msg: 'notification webhook refused', status: response.status, ...ref });
  } catch (error) {
    log({ msg: 'notification webhook failed', err: String(error), ...ref });
  }
}
