import { isIP } from 'node:net';
import { Type, type Static } from '@sinclair/typebox';
import type { EnrichmentFinding } from '../sdk/integration.ts';

/**
 * What Riposte keeps of a CAPE report (`report.json`, or `lite.json`): the malscore (0–10), family
 * detections, signatures and the network indicators the sample contacted. The verdict is Riposte's
 * convention — CAPE reports a score, not a verdict.
 */

const MAX_SIGNATURES = 25;
const MAX_INDICATORS = 50;
/** Malscore from which a report is suspicious (malicious is the action's threshold, default 7). */
export const SUSPICIOUS_MALSCORE = 3;
export const DEFAULT_MALICIOUS_MALSCORE = 7;

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const ReportSummary = Type.Object({
  malscore: Type.Number({ minimum: 0, maximum: 10, description: "CAPE's malscore, 0–10" }),
  score: Type.Integer({ minimum: 0, maximum: 100, description: 'malscore × 10' }),
  verdict: Type.Union([Type.Literal('malicious'), Type.Literal('suspicious'), Type.Literal('benign')]),
  families: Type.Array(Type.String(), { description: 'malware families CAPE detected (config, YARA …)' }),
  signatures: Type.Array(
    Type.Object({
      name: Type.String(),
      description: Type.String(),
      severity: Type.Integer(),
      confidence: nullable(Type.Integer()),
    }),
  ),
  network: Type.Object({
    ips: Type.Array(Type.String(), { description: 'public addresses contacted' }),
    domains: Type.Array(Type.String()),
    urls: Type.Array(Type.String()),
  }),
  target: Type.Object({
    category: Type.String(),
    sha256: nullable(Type.String()),
    name: nullable(Type.String()),
    url: nullable(Type.String()),
  }),
});
export type ReportSummary = Static<typeof ReportSummary>;

type Json = Record<string, unknown>;
const record = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const unique = (values: (string | null)[]) =>
  [...new Set(values.filter((v): v is string => v !== null))].slice(0, MAX_INDICATORS);

/** Addresses that say nothing about command and control: the sandbox's own network and reserved ranges. */
function isPublic(ip: string): boolean {
  const family = isIP(ip);
  if (family === 6) return !/^(::1?$|fe[89ab]|f[cd]|ff)/i.test(ip);
  if (family !== 4) return false;
  const [a = 0, b = 0] = ip.split('.').map(Number);
  return !(
    a === 0 ||
    a === 10 ||
    a === 127 ||
    a >= 224 ||
    (a === 100 && b >= 64 && b < 128) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b < 32) ||
    (a === 192 && b === 168)
  );
}

/** `detections` is `[{family, details}]` in CAPEv2; older reports carry a string or `malfamily`. */
function families(report: Json): string[] {
  const detections = report['detections'];
  const named = Array.isArray(detections)
    ? detections.map((d) => (typeof d === 'string' ? d : text(record(d)['family'])))
    : [text(detections)];
  return unique([...named, text(report['malfamily'])]);
}

function signatures(report: Json): ReportSummary['signatures'] {
  return list(report['signatures'])
    .map(record)
    .filter((s) => text(s['name']) !== null)
    .map((s) => ({
      name: String(s['name']),
      description: text(s['description']) ?? '',
      severity: Number.isInteger(s['severity']) ? (s['severity'] as number) : 0,
      confidence: Number.isInteger(s['confidence']) ? (s['confidence'] as number) : null,
    }))
    .sort((a, b) => b.severity - a.severity)
    .slice(0, MAX_SIGNATURES);
}

function network(report: Json): ReportSummary['network'] {
  const net = record(report['network']);
  // hosts: [{ip, country_name, hostname, …}] in CAPEv2, plain addresses in older reports.
  const hosts = list(net['hosts']).map((h) => (typeof h === 'string' ? h : text(record(h)['ip'])));
  const resolved = list(net['domains']).map((d) => text(record(d)['ip']));
  const ips = unique([...hosts, ...resolved].filter((ip) => ip !== null && isPublic(ip)));
  const domains = unique(list(net['domains']).map((d) => text(record(d)['domain'])?.toLowerCase() ?? null));
  const urls = unique(list(net['http']).map((h) => text(record(h)['uri'])));
  return { ips, domains, urls };
}

function target(report: Json): ReportSummary['target'] {
  const t = record(report['target']);
  const file = record(t['file']);
  const category = text(t['category']) ?? text(record(report['info'])['category']) ?? 'file';
  return {
    category,
    sha256: text(file['sha256'])?.toLowerCase() ?? null,
    name: text(file['name']),
    url: category === 'url' ? (text(t['url']) ?? text(file['name'])) : null,
  };
}

export function summarizeReport(raw: unknown, maliciousAt = DEFAULT_MALICIOUS_MALSCORE): ReportSummary {
  const report = record(raw);
  const malscore = Math.min(10, Math.max(0, Number(report['malscore']) || 0));
  const found = families(report);
  const verdict =
    found.length > 0 || malscore >= maliciousAt
      ? 'malicious'
      : malscore >= SUSPICIOUS_MALSCORE
        ? 'suspicious'
        : 'benign';
  return {
    malscore,
    score: Math.round(malscore * 10),
    verdict,
    families: found,
    signatures: signatures(report),
    network: network(report),
    target: target(report),
  };
}

export function reportFinding(summary: ReportSummary): EnrichmentFinding {
  const family = summary.families.length ? `, ${summary.families.join(', ')}` : '';
  return {
    verdict: summary.verdict,
    score: summary.score,
    summary: `CAPE malscore ${summary.malscore.toFixed(1)}${family}, ${summary.signatures.length} signature(s)`,
  };
}
