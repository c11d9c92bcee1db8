import type { Observable } from '../core/alert.ts';

/** Stable key of the detection rule behind an alert, scoped by source: what rule history is counted by. */
export function ruleKey(
  source: string,
  rule: { id?: string | null; name?: string | null } | null,
  title: string,
): string {
  return `${source}:${rule?.id ?? rule?.name ?? title}`;
}

/**
 * The entity an alert is about, for "same rule on the same host" grouping: a host name when the event
 * names one, else the first IP (a network sensor's alerts are about the source address).
 */
export function primaryEntity(observables: readonly Observable[]): string | null {
  const host = observables.find((o) => o.type === 'host');
  if (host) return host.value;
  const ip =
    observables.find((o) => (o.type === 'ipv4' || o.type === 'ipv6') && o.role === 'source') ??
    observables.find((o) => o.type === 'ipv4' || o.type === 'ipv6');
  return ip?.value ?? null;
}

export function observableKey(o: { type: string; value: string }): string {
  return `${o.type}\u0001${o.value}`;
}
