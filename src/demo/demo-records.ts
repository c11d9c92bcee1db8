import { ADDRESSES, PEOPLE } from './demo-world.ts';

/** Vendor records several sample alerts share the shape of, with event times around `now`. */

export const ago = (now: Date, minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();
export const json = (value: unknown) => JSON.stringify(value);

export function suricata(now: Date, src: string, sid: number, signature: string, port: number): string {
  return json({
    timestamp: ago(now, 1),
    flow_id: 1_500_000 + sid,
    in_iface: 'eth1',
    event_type: 'alert',
    src_ip: src,
    src_port: 51_234,
    dest_ip: ADDRESSES.internalDb,
    dest_port: port,
    proto: 'TCP',
    alert: {
      action: 'allowed',
      gid: 1,
      signature_id: sid,
      rev: 3,
      signature,
      category: 'Attempted Information Leak',
      severity: 2,
    },
  });
}

export function falcon(
  now: Date,
  id: string,
  host: string,
  ip: string,
  user: string,
  detection: Record<string, unknown>,
): string {
  return json({
    metadata: { eventType: 'DetectionSummaryEvent', eventCreationTime: Date.parse(ago(now, 1)), offset: 1 },
    event: {
      DetectId: id,
      ComputerName: host,
      LocalIP: ip,
      UserName: user,
      MachineDomain: 'CONTOSO',
      UTCTimestamp: Date.parse(ago(now, 2)),
      ...detection,
    },
  });
}

export function oktaSignIn(
  now: Date,
  uuid: string,
  minutesAgo: number,
  ip: string,
  place: { city: string; country: string; lat: number; lon: number; asn: number; asOrg: string },
): string {
  return json({
    uuid,
    published: ago(now, minutesAgo),
    eventType: 'user.session.start',
    displayMessage: 'User login to Okta',
    severity: 'INFO',
    actor: { id: PEOPLE.jane.oktaId, type: 'User', alternateId: PEOPLE.jane.login, displayName: 'Jane Doe' },
    client: {
      ipAddress: ip,
      userAgent: { os: 'Windows 10', browser: 'FIREFOX' },
      geographicalContext: {
        city: place.city,
        country: place.country,
        geolocation: { lat: place.lat, lon: place.lon },
      },
    },
    outcome: { result: 'SUCCESS', reason: null },
    securityContext: { asNumber: place.asn, asOrg: place.asOrg, isProxy: false },
  });
}

export function wazuhVulnerability(
  now: Date,
  id: string,
  agent: string,
  ip: string,
  cve: string,
  pkg: string,
  level: number,
) {
  return json({
    timestamp: ago(now, 3),
    id,
    rule: {
      level,
      description: `${cve} affects ${pkg}`,
      id: level >= 10 ? '23506' : '23504',
      groups: ['vulnerability-detector'],
    },
    agent: { id: '004', name: agent, ip },
    data: { vulnerability: { cve, package: { name: pkg }, severity: level >= 10 ? 'Critical' : 'Low' } },
  });
}

/**
 * A Sentinel SecurityAlert as the REST API returns it (`incidents/{id}/alerts`), with the entities
 * `incidents/{id}/entities` lists for it: kind + camelCase properties (`accountName`, `upnSuffix`).
 */
export function sentinelAlert(now: Date, alertId: string, title: string, type: string, from: string): string {
  const [accountName, upnSuffix] = PEOPLE.adele.upn.split('@') as [string, string];
  const entity = (n: number, kind: string, properties: Record<string, unknown>) => ({
    id: `/subscriptions/0000/resourceGroups/soc/providers/Microsoft.OperationalInsights/workspaces/soc/providers/Microsoft.SecurityInsights/Entities/${alertId.slice(0, -1)}${n}`,
    name: `${alertId.slice(0, -1)}${n}`,
    type: 'Microsoft.SecurityInsights/Entities',
    kind,
    properties,
  });
  return json({
    id: `/subscriptions/0000/resourceGroups/soc/providers/Microsoft.OperationalInsights/workspaces/soc/providers/Microsoft.SecurityInsights/Entities/${alertId}`,
    name: alertId,
    type: 'Microsoft.SecurityInsights/Entities',
    kind: 'SecurityAlert',
    properties: {
      systemAlertId: alertId,
      alertDisplayName: title,
      alertType: type,
      description: "Sign-in from an atypical location based on the user's recent sign-ins.",
      severity: 'Medium',
      vendorName: 'Microsoft',
      productName: 'Azure Active Directory Identity Protection',
      status: 'New',
      tactics: ['InitialAccess'],
      techniques: ['T1078'],
      startTimeUtc: ago(now, 4),
      endTimeUtc: ago(now, 4),
      timeGenerated: ago(now, 3),
      friendlyName: title,
    },
    entities: [
      entity(1, 'Account', {
        accountName,
        upnSuffix,
        aadUserId: PEOPLE.adele.graphId,
        displayName: 'Adele Vance',
        friendlyName: accountName,
      }),
      entity(2, 'Ip', { address: from, friendlyName: from }),
    ],
  });
}
