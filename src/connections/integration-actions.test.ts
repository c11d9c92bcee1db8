import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type, type TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { offlineCatalog } from './offline-catalog.ts';
import { rateLimitOf, withRuntimeInputs } from './integration-actions.ts';

describe('the runtime inputs every integration action takes', () => {
  it('an object input takes instance, and ttl when the action can be undone', () => {
    const input = Type.Object({ host: Type.String() }, { additionalProperties: false });
    assert.ok(Value.Check(withRuntimeInputs(input, false), { host: 'a', instance: 'edr' }));
    assert.ok(!Value.Check(withRuntimeInputs(input, false), { host: 'a', ttl: '1h' }));
    assert.ok(Value.Check(withRuntimeInputs(input, true), { host: 'a', instance: 'edr', ttl: '1h' }));
    assert.ok(!Value.Check(withRuntimeInputs(input, true), { host: 'a', other: 1 }));
  });

  it('a union of closed objects takes them in each member, and still refuses unknown inputs', () => {
    const members = [
      Type.Object({ username: Type.String() }, { additionalProperties: false }),
      Type.Object({ email: Type.String() }, { additionalProperties: false }),
    ];
    const schema = withRuntimeInputs(Type.Union(members), true);
    assert.ok(Value.Check(schema, { username: 'alice', instance: 'ldap' }));
    assert.ok(Value.Check(schema, { email: 'a@corp.example', instance: 'ldap', ttl: '30m' }));
    assert.ok(!Value.Check(schema, { username: 'alice', other: 'x' }));
    assert.ok(!Value.Check(schema, { instance: 'ldap' }));
    // A plain JSON Schema oneOf (an integration package may declare one) gets them the same way.
    const oneOf = withRuntimeInputs({ oneOf: members } as never, false) as unknown as { oneOf: TObject[] };
    assert.deepEqual(
      oneOf.oneOf.map((m) => Object.keys(m.properties)),
      [
        ['username', 'instance'],
        ['email', 'instance'],
      ],
    );
  });

  it('ldap.lookup_user (a username or an e-mail) accepts the instance it is told to use', () => {
    const action = offlineCatalog().get('ldap.lookup_user')!;
    assert.ok(Value.Check(action.input, { username: 'alice', instance: 'ldap' }));
    assert.ok(Value.Check(action.input, { email: 'alice@corp.example', instance: 'ldap' }));
    assert.ok(!Value.Check(action.input, { username: 'alice', email: 'alice@corp.example' }));
  });
});

describe("an instance's rate limit", () => {
  const vt = { id: 'virustotal', rateLimit: { requests: 4, perSeconds: 60 } } as never;
  it('is the integration’s declared one unless the instance sets requests_per_minute', () => {
    assert.deepEqual(rateLimitOf(vt, { integration: 'virustotal', name: 'vt', fields: {} }), {
      requests: 4,
      perSeconds: 60,
    });
    assert.deepEqual(
      rateLimitOf(vt, { integration: 'virustotal', name: 'vt', fields: { requests_per_minute: '1000' } }),
      { requests: 1000, perSeconds: 60 },
    );
  });
});
