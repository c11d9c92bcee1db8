import assert from 'node:assert/strict';
import { test } from 'node:test';
import { neededScope, scopeProblem, scopesAllow } from './token-scope.ts';

test('a scope names an area and an access; write covers read; * covers all', () => {
  assert.equal(neededScope('cases', 'GET'), 'cases:read');
  assert.equal(neededScope('cases', 'PATCH'), 'cases:write');
  assert.equal(scopesAllow(['cases:read'], 'cases:read'), true);
  assert.equal(scopesAllow(['cases:read'], 'cases:write'), false);
  assert.equal(scopesAllow(['cases:write'], 'cases:read'), true);
  assert.equal(scopesAllow(['cases:*'], 'cases:write'), true);
  assert.equal(scopesAllow(['*:read'], 'alerts:read'), true);
  assert.equal(scopesAllow(['*:read'], 'alerts:write'), false);
  assert.equal(scopesAllow(['alerts:write'], 'cases:read'), false);
  assert.equal(scopesAllow([], 'cases:read'), false);
});

test('malformed scopes are named', () => {
  assert.equal(scopeProblem('cases:read'), null);
  assert.equal(scopeProblem('*:*'), null);
  assert.match(scopeProblem('cases')!, /not <area>:<read\|write\|\*>/);
  assert.match(scopeProblem('case:read')!, /"case" is not an area/);
  assert.match(scopeProblem('cases:delete')!, /not <area>/);
  assert.match(scopeProblem(3)!, /a scope is a string/);
});
