import { Type } from '@sinclair/typebox';
import {
  defineAction,
  defineIntegration,
  type IntegrationAction,
} from '../../src/integrations/sdk/integration.ts';
import { startFakeServer, type FakeServer } from '../../src/integrations/sdk/fake-server.ts';
import type { HttpClient } from '../../src/integrations/sdk/http-client.ts';

/**
 * A small containment target for the guardrail tests: blocks IPs, isolates hosts, locks accounts,
 * keeping state (and a count of state changes) the tests read back.
 */
export interface ContainmentState {
  blocked: Set<string>;
  isolated: Set<string>;
  locked: Set<string>;
  changes: number;
}

export async function startContainmentTarget(): Promise<FakeServer & { state: ContainmentState }> {
  const state: ContainmentState = { blocked: new Set(), isolated: new Set(), locked: new Set(), changes: 0 };
  const sets = { ip: state.blocked, host: state.isolated, user: state.locked } as const;
  const server = await startFakeServer([
    [
      'GET',
      '/:kind/:value',
      (r) => ({
        json: { active: sets[r.params['kind'] as keyof typeof sets]?.has(r.params['value']!) ?? false },
      }),
    ],
    [
      'PUT',
      '/:kind/:value',
      (r) => {
        const set = sets[r.params['kind'] as keyof typeof sets];
        if (!set) return { status: 404, json: { error: 'no such kind' } };
        if (!set.has(r.params['value']!)) state.changes++;
        set.add(r.params['value']!);
        return { json: { active: true } };
      },
    ],
    [
      'DELETE',
      '/:kind/:value',
      (r) => {
        const set = sets[r.params['kind'] as keyof typeof sets];
        if (!set) return { status: 404, json: { error: 'no such kind' } };
        if (set.has(r.params['value']!)) state.changes++;
        set.delete(r.params['value']!);
        return { json: { active: false } };
      },
    ],
  ]);
  return Object.assign(server, { state });
}

function pair(
  kind: 'ip' | 'host' | 'user',
  field: string,
  targetType: 'ipv4' | 'host' | 'user',
  apply: string,
  undo: string,
  react: string,
): IntegrationAction[] {
  const input = Type.Object({ [field]: Type.String() }, { additionalProperties: false });
  const output = Type.Object({ active: Type.Boolean() });
  const call =
    (method: 'PUT' | 'DELETE') =>
    async (i: Record<string, string>, { http }: { http: HttpClient }) =>
      (await http.request({ method, path: `/${kind}/${encodeURIComponent(i[field]!)}` })).json<{
        active: boolean;
      }>();
  const state = async (i: Record<string, string>, { http }: { http: HttpClient }) =>
    (await http.getJson<{ active: boolean }>(`/${kind}/${encodeURIComponent(i[field]!)}`)).body.active;
  return [
    defineAction({
      name: apply,
      title: apply,
      description: `${apply} (test target)`,
      effect: 'destructive',
      react,
      input,
      output,
      inverse: undo,
      target: (i) => ({ type: targetType, value: String(i[field]) }),
      alreadyApplied: (i, context) => state(i as Record<string, string>, context),
      run: (i, context) => call('PUT')(i as Record<string, string>, context),
    }),
    defineAction({
      name: undo,
      title: undo,
      description: `${undo} (test target)`,
      effect: 'write',
      input,
      output,
      target: (i) => ({ type: targetType, value: String(i[field]) }),
      alreadyApplied: async (i, context) => !(await state(i as Record<string, string>, context)),
      run: (i, context) => call('DELETE')(i as Record<string, string>, context),
    }),
  ];
}

export const containment = defineIntegration({
  id: 'contain',
  name: 'Test containment target',
  version: '1.0.0',
  categories: ['response'],
  docs: 'https://example.invalid',
  baseUrl: 'https://contain.example.invalid',
  credentials: [],
  auth: { kind: 'none' },
  actions: [
    ...pair('ip', 'ip', 'ipv4', 'block_ip', 'unblock_ip', 'RA3101'),
    ...pair('host', 'host', 'host', 'isolate_host', 'release_host', 'RA3201'),
    ...pair('user', 'username', 'user', 'lock_account', 'unlock_account', 'RA3601'),
  ],
});
