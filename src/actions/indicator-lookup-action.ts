import { Type } from '@sinclair/typebox';
import type { ActionDefinition } from '../core/action.ts';

/**
 * `riposte.lookup_indicator`: what Riposte's own threat-intelligence store says about a value —
 * the feeds imported or refreshed into it (MalwareBazaar or ThreatFox exports, MISP events, STIX
 * bundles …). The grouping stage already matches alert observables against it; this lets a playbook
 * ask about any value, at any step, and branch on the answer.
 */

/** The store's listing, as `IntelService.list` answers it (values are canonicalized there). */
export interface IndicatorLookup {
  list(query: { type: string; value: string; limit: number }): Promise<{
    items: { source: string; confidence: number; threat: string | null; labels: string[]; live: boolean }[];
  }>;
}

export interface IndicatorLookupDeps {
  indicators: () => IndicatorLookup;
}

const TYPES = ['ipv4', 'ipv6', 'domain', 'url', 'email', 'md5', 'sha1', 'sha256', 'filename'] as const;
/** Confidence from which a live indicator makes the value malicious (below: suspicious). */
export const MALICIOUS_CONFIDENCE = 75;
const MAX_SOURCES = 50;

export function indicatorLookupAction(deps: IndicatorLookupDeps): ActionDefinition {
  return {
    id: 'riposte.lookup_indicator',
    title: 'Look up a value in the threat-intelligence store',
    description:
      'The live indicators Riposte holds for a value (hash, address, domain, URL …) from its imported feeds: ' +
      `sources, threat, confidence. Confidence ≥ ${MALICIOUS_CONFIDENCE} is malicious, a lower one suspicious, none unknown.`,
    effect: 'read',
    input: Type.Object(
      {
        type: Type.Union(TYPES.map((t) => Type.Literal(t))),
        value: Type.String({ minLength: 1, maxLength: 4096 }),
      },
      { additionalProperties: false },
    ),
    output: Type.Object({
      found: Type.Boolean(),
      type: Type.String(),
      value: Type.String(),
      verdict: Type.Union([Type.Literal('malicious'), Type.Literal('suspicious'), Type.Literal('unknown')]),
      maxConfidence: Type.Union([Type.Integer(), Type.Null()]),
      threats: Type.Array(Type.String()),
      sources: Type.Array(
        Type.Object({
          source: Type.String(),
          confidence: Type.Integer(),
          threat: Type.Union([Type.String(), Type.Null()]),
          labels: Type.Array(Type.String()),
        }),
      ),
    }),
    timeoutMs: 10_000,
    retry: { attempts: 2, backoffMs: 500, factor: 2, maxDelayMs: 2_000, jitter: true },
    run: async (input) => {
      const type = String(input['type']);
      const value = String(input['value']);
      const page = await deps.indicators().list({ type, value, limit: MAX_SOURCES });
      const sources = page.items
        .filter((i) => i.live)
        .map((i) => ({ source: i.source, confidence: i.confidence, threat: i.threat, labels: i.labels }));
      const maxConfidence = sources.length ? Math.max(...sources.map((s) => s.confidence)) : null;
      return {
        found: sources.length > 0,
        type,
        value,
        verdict:
          maxConfidence === null
            ? 'unknown'
            : maxConfidence >= MALICIOUS_CONFIDENCE
              ? 'malicious'
              : 'suspicious',
        maxConfidence,
        threats: [...new Set(sources.flatMap((s) => (s.threat ? [s.threat] : [])))],
        sources,
      };
    },
  };
}
