import type { DirectoryEntry } from './directory-entry.ts';

export const ACCOUNT_STATUSES = ['enabled', 'disabled', 'locked'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/** The attributes the status is read from; servers ignore the ones their schema does not know. */
export const ACCOUNT_STATUS_ATTRIBUTES = [
  'pwdAccountLockedTime',
  'pwdEndTime',
  'pwdChangedTime',
  'shadowExpire',
  'shadowLastChange',
  'nsAccountLock',
  'userAccountControl',
  'lockoutTime',
  'pwdLastSet',
];

/** ppolicy's value for "locked by an administrator, until unlocked by one" (draft-behera 5.3.3). */
export const ADMIN_LOCK = '000001010000Z';
const UAC_ACCOUNTDISABLE = 0x2;
const UAC_LOCKOUT = 0x10;
const DAY_MS = 86_400_000;
/** Milliseconds between 1601-01-01 (Windows FILETIME epoch) and 1970-01-01. */
const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n;

/** LDAP GeneralizedTime (`20250101120000Z`, `20250101120000.5+0100`) → Date, or null. */
export function parseGeneralizedTime(text: string | null): Date | null {
  const m = text?.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{4})$/);
  if (!m) return null;
  const [, y, mo, d, h, mi = '00', s = '00', frac = '0', zone] = m;
  const ms = Math.round(Number(`0.${frac}`) * 1000);
  let at = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (zone !== 'Z') {
    const sign = zone!.startsWith('-') ? -1 : 1;
    at -= sign * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(3, 5))) * 60_000;
  }
  return Number.isNaN(at) ? null : new Date(at);
}

/** Date → GeneralizedTime to the second (`20250101120000Z`). */
export function formatGeneralizedTime(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace(/[-T:]/g, '')}Z`;
}

/** Active Directory's 100-ns intervals since 1601 (`pwdLastSet`, `lockoutTime`); 0 means never. */
export function parseFileTime(text: string | null): Date | null {
  if (!text || !/^\d+$/.test(text) || /^0+$/.test(text)) return null;
  return new Date(Number(BigInt(text) / 10_000n - FILETIME_EPOCH_OFFSET_MS));
}

function shadowDays(text: string | null): Date | null {
  if (!text || !/^-?\d+$/.test(text) || Number(text) < 0) return null;
  return new Date(Number(text) * DAY_MS);
}

/** Whether ppolicy's `pwdEndTime` (OpenLDAP 2.5+: no bind after it) has passed. */
export function endTimePassed(entry: DirectoryEntry, now: Date): Date | null {
  const end = parseGeneralizedTime(entry.first('pwdEndTime'));
  return end && end.getTime() <= now.getTime() ? end : null;
}

/**
 * Enabled, disabled (by an administrator, until re-enabled) or locked (by failed logins or by an
 * administrator, until unlocked or, for a failure lockout, until it expires), from whichever of
 * OpenLDAP ppolicy, the NIS shadow attributes, 389-DS or Active Directory's attributes the entry
 * carries. Disabled wins over locked.
 */
export function accountStatus(
  entry: DirectoryEntry,
  now: Date,
): { status: AccountStatus; reason: string | null } {
  const uac = Number(entry.first('userAccountControl') ?? '0');
  if (uac & UAC_ACCOUNTDISABLE)
    return { status: 'disabled', reason: 'userAccountControl has ACCOUNTDISABLE (0x2)' };
  const ended = endTimePassed(entry, now);
  if (ended) return { status: 'disabled', reason: `disabled since ${ended.toISOString()} (pwdEndTime)` };
  if (entry.first('nsAccountLock')?.toLowerCase() === 'true')
    return { status: 'disabled', reason: 'nsAccountLock is TRUE' };
  const expired = shadowDays(entry.first('shadowExpire'));
  if (expired && expired.getTime() <= now.getTime())
    return {
      status: 'disabled',
      reason: `account expired on ${expired.toISOString().slice(0, 10)} (shadowExpire)`,
    };
  const lockedTime = entry.first('pwdAccountLockedTime');
  if (lockedTime === ADMIN_LOCK)
    return { status: 'locked', reason: `locked by an administrator (pwdAccountLockedTime ${ADMIN_LOCK})` };
  if (lockedTime !== null) {
    const since = parseGeneralizedTime(lockedTime);
    return {
      status: 'locked',
      reason: `locked since ${since?.toISOString() ?? lockedTime} (pwdAccountLockedTime)`,
    };
  }
  const lockout = parseFileTime(entry.first('lockoutTime'));
  if (lockout) return { status: 'locked', reason: `locked out since ${lockout.toISOString()} (lockoutTime)` };
  if (uac & UAC_LOCKOUT) return { status: 'locked', reason: 'userAccountControl has LOCKOUT (0x10)' };
  return { status: 'enabled', reason: null };
}

/** When the password was last set, from ppolicy, AD or the shadow attributes; null when unknown. */
export function lastPasswordChange(entry: DirectoryEntry): string | null {
  const at =
    parseGeneralizedTime(entry.first('pwdChangedTime')) ??
    parseFileTime(entry.first('pwdLastSet')) ??
    shadowDays(entry.first('shadowLastChange'));
  return at?.toISOString() ?? null;
}
