import { createHash } from 'node:crypto';
import type { AlertDraft } from '../core/alert.ts';

/**
 * Two alerts are the same when the vendor says so (same source reference) or, lacking one, when the
 * same rule fired with the same title on the same observables. Event time is deliberately left out:
 * a repeat of the same detection is the duplicate we want to count, not store.
 */
export function fingerprint(source: string, draft: AlertDraft): string {
  const hash = createHash('sha256').update(source).update('\0');
  if (draft.sourceRef) {
    hash.update('ref\0').update(draft.sourceRef);
  } else {
    hash
      .update(draft.rule?.id ?? '')
      .update('\0')
      .update(draft.rule?.name ?? '')
      .update('\0')
      .update(draft.title);
    const keys = draft.observables.map((o) => `${o.type}\u0001${o.value}\u0001${o.role ?? ''}`).sort();
    for (const key of keys) hash.update('\0').update(key);
  }
  return hash.digest('base64url');
}
