import type { Observable } from '../../core/alert.ts';
import { hashObservable, ipObservable, observable, urlObservables } from '../../core/observable.ts';
import { isObject, str } from './record-reader.ts';

/**
 * Microsoft's security entities, shared by Sentinel (the SecurityAlert `Entities` column and the
 * REST `entities` list) and Defender evidence: `{Type|kind, …properties}` with PascalCase or camelCase
 * members. Each becomes the observables a person reading it would name.
 */
export function microsoftEntity(entity: unknown): (Observable | null)[] {
  if (!isObject(entity)) return [];
  const e = isObject(entity.properties) ? { ...entity.properties, kind: entity.kind } : entity;
  const kind = (str(e, 'Type', 'type', 'kind', 'entityType') ?? '').toLowerCase();
  const pick = (...names: string[]) => str(e, ...names.flatMap(spellings));
  switch (kind) {
    case 'ip':
      return [ipObservable(pick('Address', 'IpAddress'), 'related')];
    case 'host':
    case 'machine': {
      const host = pick('HostName', 'DeviceName', 'ComputerDnsName');
      const domain = pick('DnsDomain');
      return [
        observable('host', host && domain && !host.includes('.') ? `${host}.${domain}` : host, 'target'),
      ];
    }
    case 'account':
    case 'user': {
      // The sign-in name a person would use: the UPN, else name@suffix; the directory object id
      // only when neither is there.
      const name = pick('Name', 'AccountName');
      const suffix = pick('UPNSuffix');
      const upn =
        pick('UserPrincipalName') ?? (name && suffix && !name.includes('@') ? `${name}@${suffix}` : null);
      return [observable('user', upn ?? pick('AadUserId') ?? name, 'target')];
    }
    case 'url':
      return urlObservables(pick('Url'), 'related');
    case 'dns':
      return [observable('domain', pick('DomainName'), 'query')];
    case 'filehash':
      return [hashObservable(pick('Value', 'HashValue'), 'file')];
    case 'file':
      return [
        observable('filename', pick('Name', 'FileName'), 'file'),
        hashObservable(pick('Sha256'), 'file'),
        hashObservable(pick('Sha1'), 'file'),
      ];
    case 'process':
      return [observable('process', pick('ImageFile', 'ProcessName', 'CommandLine'), 'related')];
    case 'mailbox':
      return [observable('email', pick('MailboxPrimaryAddress', 'Upn'), 'recipient')];
    case 'mailmessage':
      return [
        observable('email', pick('Sender', 'P1Sender', 'P2Sender'), 'sender'),
        observable('email', pick('Recipient'), 'recipient'),
      ];
    case 'registry-key':
    case 'registrykey':
      return [observable('registry', pick('Key', 'RegistryKey'), 'related')];
    default:
      return [];
  }
}

/**
 * A member's names as the shapes spell it: PascalCase in Log Analytics rows (`UPNSuffix`), camelCase
 * in the REST API (`upnSuffix`: a leading acronym is lowered whole, `hostName`: one letter).
 */
function spellings(name: string): string[] {
  const camel = name.replace(/^[A-Z]+(?=[A-Z][a-z])|^[A-Z]/, (head) => head.toLowerCase());
  return camel === name ? [name] : [name, camel];
}

/** Entities arrive as a list, or (in Log Analytics rows) as a JSON string holding the list. */
export function entityList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string' && value.trim().startsWith('[')) {
    try {
      const parsed = JSON.parse(value) as unknown;
      return Array.isArray(parsed) ? parsed : [];
    } catch {
      return [];
    }
  }
  return [];
}

/** "InitialAccess" → "Initial Access" (Sentinel spells tactics without spaces). */
export function spacedTactic(tactic: string): string {
  return tactic.replace(/([a-z])([A-Z])/g, '$1 $2');
}
