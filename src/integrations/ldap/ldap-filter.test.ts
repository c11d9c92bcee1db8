import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeFilterValue, fillFilter } from './ldap-filter.ts';

describe('ldap filter values', () => {
  it('escapes the RFC 4515 metacharacters and nothing else', () => {
    assert.equal(escapeFilterValue('*)(uid=*'), '\\2a\\29\\28uid=\\2a');
    assert.equal(escapeFilterValue('C:\\dir\0'), 'C:\\5cdir\\00');
    assert.equal(escapeFilterValue('Zoë O’Brien'), 'Zoë O’Brien');
  });

  it('fills every placeholder of a template with the escaped value', () => {
    assert.equal(
      fillFilter('(|(mail={email})(userPrincipalName={email}))', 'email', 'a*@x'),
      '(|(mail=a\\2a@x)(userPrincipalName=a\\2a@x))',
    );
  });
});
