import type { MitreRef } from '../../core/alert.ts';
import { dedupeObservables, observable } from '../../core/observable.ts';
import { RiposteError } from '../../core/riposte-error.ts';
import type { Normalizer } from '../normalizer.ts';
import { splitJson, type Unwrap } from '../split-body.ts';
import {
  asRecord,
  firstTime,
  isObject,
  severityFromWord,
  str,
  strings,
  techniqueIds,
  type Json,
} from './record-reader.ts';
import { entityList, microsoftEntity, spacedTactic } from './microsoft-entities.ts';

/** Azure REST envelopes: a recorded example `{parameters, responses:{200:{body}}}` and lists `{value:[…]}`. */
export const unwrapAzure: Unwrap = (v) => {
  const body = isObject(v.responses) && isObject(v.responses['200']) ? v.responses['200'].body : undefined;
  if (body !== undefined) return unwrapAzure(body as Json) ?? [body];
  if (Array.isArray(v.value) && v.id === undefined) return v.value as unknown[];
  return undefined;
};

function tactics(value: unknown): string[] {
  if (typeof value === 'string')
    return value
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  return strings({ v: value }, 'v');
}

function mitre(tacticNames: string[], techniques: string[]): MitreRef[] {
  const spaced = tacticNames.map(spacedTactic);
  if (techniques.length > 0)
    return techniques.map((technique) => (spaced[0] ? { technique, tactic: spaced[0] } : { technique }));
  return spaced.map((tactic) => ({ tactic }));
}

/** The last segment of an Azure resource id (an analytic rule's GUID). */
function resourceName(id: string | undefined): string | undefined {
  return id?.split('/').filter(Boolean).at(-1);
}

/**
 * Microsoft Sentinel: incidents (REST), SecurityAlert entities (REST), and SecurityAlert rows from Log
 * Analytics (AlertName, AlertSeverity, Entities …).
 */
export const sentinel: Normalizer = {
  format: 'sentinel',
  split: (body) => splitJson(body, unwrapAzure),
  normalize(record, ctx) {
    const r = asRecord(record, 'Microsoft Sentinel');
    const p = isObject(r.properties) ? r.properties : r;
    const isIncident =
      str(r, 'type')?.toLowerCase().endsWith('/incidents') === true || p.incidentNumber !== undefined;
    const title = str(p, 'title', 'alertDisplayName', 'AlertName', 'DisplayName', 'friendlyName');
    if (!title) {
      throw new RiposteError(
        'invalid_record',
        'Sentinel record has no properties.title (incident), properties.alertDisplayName (alert) or AlertName (SecurityAlert row)',
        { path: '/properties/title' },
      );
    }
    const techniques = [...strings(p, 'techniques'), ...techniqueIds(str(p, 'Techniques'))];
    const tacticNames = [
      ...tactics(p.tactics ?? p.Tactics),
      ...tactics((p.additionalData as Json | undefined)?.tactics),
    ];
    const ruleId =
      resourceName(strings(p, 'relatedAnalyticRuleIds')[0]) ?? str(p, 'alertType', 'AlertType', 'AlertName');
    const ref = str(r, 'name', 'SystemAlertId') ?? str(p, 'systemAlertId', 'SystemAlertId');
    const entities = [...entityList(p.Entities), ...entityList(p.entities), ...entityList(r.entities)];
    return {
      ...(ref ? { sourceRef: ref } : {}),
      title:
        isIncident && str(p, 'incidentNumber') ? `${title} (incident ${str(p, 'incidentNumber')})` : title,
      ...(str(p, 'description', 'Description') ? { description: str(p, 'description', 'Description') } : {}),
      severity: severityFromWord(str(p, 'severity', 'AlertSeverity', 'Severity')) ?? 'unknown',
      category: isIncident ? 'incident' : 'suspicious-activity',
      rule: { ...(ruleId ? { id: ruleId } : {}), name: str(p, 'alertType', 'AlertType') ?? title },
      eventTime:
        firstTime(
          p,
          'firstActivityTimeUtc',
          'startTimeUtc',
          'StartTime',
          'timeGenerated',
          'TimeGenerated',
          'createdTimeUtc',
        ) ?? ctx.receivedAt,
      observables: dedupeObservables([
        ...entities.flatMap(microsoftEntity),
        observable('host', str(p, 'compromisedEntity', 'CompromisedEntity'), 'target'),
      ]),
      mitre: mitre(tacticNames, techniques),
      raw: record,
    };
  },
};
