import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  accountStatus,
  formatGeneralizedTime,
  lastPasswordChange,
  parseGeneralizedTime,
} from './account-status.ts';
import { directoryEntry } from './directory-entry.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const entry = (attributes: Record<string, string>) =>
  directoryEntry({ dn: 'cn=x,dc=example,dc=org', ...attributes });
const status = (attributes: Record<string, string>) => accountStatus(entry(attributes), NOW).status;

/** Active Directory is not available as a real server here; its attributes are mapped by the same code. */
describe('account status', () => {
  it('maps Active Directory userAccountControl and lockoutTime', () => {
    assert.equal(status({ userAccountControl: '512' }), 'enabled'); // NORMAL_ACCOUNT
    assert.equal(status({ userAccountControl: '514' }), 'disabled'); // NORMAL_ACCOUNT | ACCOUNTDISABLE
    assert.equal(status({ userAccountControl: '66050' }), 'disabled'); // … | DONT_EXPIRE_PASSWORD
    assert.equal(status({ userAccountControl: '512', lockoutTime: '0' }), 'enabled');
    assert.equal(status({ userAccountControl: '512', lockoutTime: '134000000000000000' }), 'locked');
    assert.equal(status({ userAccountControl: '514', lockoutTime: '134000000000000000' }), 'disabled');
  });

  it('maps ppolicy: an administrative or failure lock is locked, a passed pwdEndTime disabled', () => {
    assert.equal(status({ pwdAccountLockedTime: '000001010000Z' }), 'locked');
    assert.equal(status({ pwdAccountLockedTime: '20250101000000Z' }), 'locked');
    assert.equal(status({ pwdEndTime: '20250101000000Z' }), 'disabled');
    assert.equal(status({ pwdEndTime: '20270101000000Z' }), 'enabled'); // a future end date
    assert.equal(
      status({ pwdEndTime: '20250101000000Z', pwdAccountLockedTime: '000001010000Z' }),
      'disabled',
    );
  });

  it('maps the NIS shadowExpire date and 389-DS nsAccountLock', () => {
    assert.equal(status({ shadowExpire: '20000' }), 'disabled'); // 2024-10-04, before NOW
    assert.equal(status({ shadowExpire: '30000' }), 'enabled');
    assert.equal(status({ shadowExpire: '-1' }), 'enabled');
    assert.equal(status({ nsAccountLock: 'TRUE' }), 'disabled');
  });

  it('reads the last password change from ppolicy, AD or shadow attributes', () => {
    assert.equal(
      lastPasswordChange(entry({ pwdChangedTime: '20250102030405Z' })),
      '2025-01-02T03:04:05.000Z',
    );
    // 2025-01-01T00:00:00Z as a Windows FILETIME.
    assert.equal(lastPasswordChange(entry({ pwdLastSet: '133801632000000000' })), '2025-01-01T00:00:00.000Z');
    assert.equal(lastPasswordChange(entry({ pwdLastSet: '0' })), null); // "must change at next logon"
    assert.equal(lastPasswordChange(entry({ shadowLastChange: '20089' })), '2025-01-01T00:00:00.000Z');
  });

  it('parses GeneralizedTime with fractions and offsets', () => {
    assert.equal(parseGeneralizedTime('20250101120000.5+0100')?.toISOString(), '2025-01-01T11:00:00.500Z');
    assert.equal(parseGeneralizedTime('not a time'), null);
    assert.equal(formatGeneralizedTime(new Date('2025-01-02T03:04:05.678Z')), '20250102030405Z');
  });
});
