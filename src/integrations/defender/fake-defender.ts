import { randomUUID } from 'node:crypto';
import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';
import { DEFENDER_SCOPE } from './defender-machines.ts';
import { fakeEntraTokens } from '../sdk/fake-entra-token.ts';
import { fakeAlertList, type FakeAlertList, type FakeDefenderAlert } from './fake-defender-alerts.ts';

export interface FakeMachine {
  id: string;
  computerDnsName: string;
  lastSeen?: string;
}

export interface FakeMachineAction {
  id: string;
  type: 'Isolate' | 'Unisolate' | 'StopAndQuarantineFile';
  scope: string | null;
  requestor: string;
  requestorComment: string;
  status: 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'TimeOut' | 'Cancelled';
  machineId: string;
  computerDnsName: string;
  creationDateTimeUtc: string;
  lastUpdateDateTimeUtc: string;
  relatedFileInfo: { fileIdentifier: string; fileIdentifierType: 'Sha1' } | null;
}

export type FakeDefenderFault = 'server_error' | 'html';

export interface FakeDefenderOptions {
  machines?: FakeMachine[];
  /** Actions that happened before the test (a failed isolation, an old release). */
  actions?: Omit<FakeMachineAction, 'id' | 'lastUpdateDateTimeUtc' | 'requestor' | 'computerDnsName'>[];
  /** API calls before 429 (Defender: 100 a minute per API). */
  requestLimit?: number;
  retryAfterSeconds?: number;
  /** Machine names whose lookup misbehaves. */
  faults?: Record<string, FakeDefenderFault>;
  /** Machine ids that saw a file, by SHA-1. */
  files?: Record<string, string[]>;
  /** Alerts `GET /api/alerts` lists. */
  alerts?: FakeDefenderAlert[];
}

export interface FakeDefender extends FakeServer {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  tokenUrl: string;
  actions: FakeMachineAction[];
  /** The alert list: add or update alerts, make it misbehave, turn `@odata.nextLink` off. */
  alertList: FakeAlertList;
  revokeTokens(): void;
}

/** Defender's error body: `{error: {code, message, target}}` (target: the correlation id). */
const defenderError = (
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): FakeReply => ({
  status,
  json: { error: { code, message, target: randomUUID() } },
  ...(headers ? { headers } : {}),
});

/** `prop eq 'value'` with OData's doubled quotes, the one filter shape these fakes accept. */
function eqFilter(filter: string | null, property: string): string | null | undefined {
  if (filter === null) return undefined;
  const match = new RegExp(`^${property} eq '((?:[^']|'')*)'$`).exec(filter);
  return match ? match[1]!.replace(/''/g, "'") : null;
}

/**
 * A stand-in for Defender for Endpoint's machines and machine actions (isolate, unisolate, stop and
 * quarantine file, list machine actions) and its alert list behind a fake Entra ID token endpoint. Actions are
 * created Pending and succeed after the next listing of machine actions.
 */
export async function startFakeDefender(options: FakeDefenderOptions = {}): Promise<FakeDefender> {
  const entra = fakeEntraTokens(DEFENDER_SCOPE);
  const machines = options.machines ?? [];
  // A clock that always moves: creation times order the actions.
  let tick = Date.parse('2024-05-01T12:00:00Z');
  const now = () => new Date((tick += 1000)).toISOString();
  const actions: FakeMachineAction[] = (options.actions ?? []).map((a) => ({
    ...a,
    id: randomUUID(),
    requestor: 'analyst@contoso.com',
    computerDnsName: machines.find((m) => m.id === a.machineId)?.computerDnsName ?? '',
    lastUpdateDateTimeUtc: a.creationDateTimeUtc,
  }));
  let used = 0;
  const alertList = fakeAlertList(options.alerts);

  const api =
    (handler: (request: FakeRequest) => FakeReply) =>
    (request: FakeRequest): FakeReply => {
      if (!entra.valid(request.headers['authorization']))
        return defenderError(401, 'Unauthorized', 'Unauthorized (invalid or expired authorization header).');
      if (used >= (options.requestLimit ?? Infinity))
        return defenderError(
          429,
          'TooManyRequests',
          'Response represents reaching quota limit either by number of requests or by CPU.',
          {
            'retry-after': String(options.retryAfterSeconds ?? 60),
          },
        );
      used++;
      return handler(request);
    };

  const listMachines = (request: FakeRequest): FakeReply => {
    const name = eqFilter(request.query.get('$filter'), 'computerDnsName');
    if (name === null)
      return defenderError(400, 'ODataError', `Invalid OData URI query: ${request.query.get('$filter')}`);
    const fault = name ? options.faults?.[name] : undefined;
    if (fault === 'server_error')
      return {
        status: 500,
        text: '<html><body>Internal Server Error</body></html>',
        headers: { 'content-type': 'text/html' },
      };
    if (fault === 'html')
      return {
        text: '<!DOCTYPE html><html><body>Sign in to Microsoft</body></html>',
        headers: { 'content-type': 'text/html' },
      };
    const value = machines
      .filter((m) => name === undefined || m.computerDnsName.toLowerCase() === name.toLowerCase())
      .map(machineJson);
    return {
      json: { '@odata.context': 'https://api.securitycenter.microsoft.com/api/$metadata#Machines', value },
    };
  };

  const machineJson = (m: FakeMachine) => ({
    id: m.id,
    computerDnsName: m.computerDnsName,
    firstSeen: '2023-08-02T14:55:03.7791856Z',
    lastSeen: m.lastSeen ?? '2024-05-01T11:55:03.7791856Z',
    osPlatform: 'Windows11',
    healthStatus: 'Active',
    riskScore: 'Low',
    exposureLevel: 'Medium',
    machineTags: [],
  });

  const machineNotFound = (id: string) =>
    defenderError(404, 'ResourceNotFound', `Machine ${id} was not found`);

  const getMachine = (request: FakeRequest): FakeReply => {
    const machine = machines.find((m) => m.id === request.params['id']);
    return machine ? { json: machineJson(machine) } : machineNotFound(request.params['id']!);
  };

  const listActions = (request: FakeRequest): FakeReply => {
    const machineId = eqFilter(request.query.get('$filter'), 'machineId');
    if (machineId === null)
      return defenderError(400, 'ODataError', `Invalid OData URI query: ${request.query.get('$filter')}`);
    const value = actions
      .filter((a) => machineId === undefined || a.machineId === machineId)
      .sort((a, b) => b.creationDateTimeUtc.localeCompare(a.creationDateTimeUtc))
      .map((a) => ({ ...a }));
    // The device picks its pending actions up once they have been seen.
    for (const a of actions)
      if (a.status === 'Pending') Object.assign(a, { status: 'Succeeded', lastUpdateDateTimeUtc: now() });
    return {
      json: {
        '@odata.context': 'https://api.securitycenter.microsoft.com/api/$metadata#MachineActions',
        value,
      },
    };
  };

  const machineAction = (request: FakeRequest): FakeReply => {
    const machine = machines.find((m) => m.id === request.params['id']);
    if (!machine) return machineNotFound(request.params['id']!);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      return defenderError(400, 'InvalidRequestBody', 'Request body is incorrect');
    }
    // Body parameters are case-sensitive (documented).
    if (typeof body['Comment'] !== 'string')
      return defenderError(400, 'MissingRequiredParameter', 'Parameter Comment is missing.');
    const verb = request.params['action'];
    const type =
      verb === 'isolate'
        ? 'Isolate'
        : verb === 'unisolate'
          ? 'Unisolate'
          : verb === 'StopAndQuarantineFile'
            ? 'StopAndQuarantineFile'
            : null;
    if (!type) return defenderError(404, 'NotFound', 'General Not Found error message.');
    let scope: string | null = null;
    let relatedFileInfo: FakeMachineAction['relatedFileInfo'] = null;
    if (type === 'Isolate') {
      scope = String(body['IsolationType'] ?? 'Full');
      if (!['Full', 'Selective', 'UnManagedDevice'].includes(scope))
        return defenderError(400, 'InvalidInput', `Invalid input ${scope}.`);
    }
    if (type === 'StopAndQuarantineFile') {
      const sha1 = body['Sha1'];
      if (typeof sha1 !== 'string')
        return defenderError(400, 'MissingRequiredParameter', 'Parameter Sha1 is missing.');
      if (!/^[0-9a-f]{40}$/i.test(sha1))
        return defenderError(400, 'InvalidHashValue', `Hash value ${sha1} is invalid.`);
      relatedFileInfo = { fileIdentifier: sha1, fileIdentifierType: 'Sha1' };
    }
    const pending = actions.some(
      (a) =>
        a.machineId === machine.id &&
        a.type === type &&
        a.status === 'Pending' &&
        a.relatedFileInfo?.fileIdentifier === relatedFileInfo?.fileIdentifier,
    );
    if (pending) return defenderError(400, 'ActiveRequestAlreadyExists', 'Action is already in progress');
    const created = now();
    const action: FakeMachineAction = {
      id: randomUUID(),
      type,
      scope,
      requestor: entra.clientId,
      requestorComment: body['Comment'],
      status: 'Pending',
      machineId: machine.id,
      computerDnsName: machine.computerDnsName,
      creationDateTimeUtc: created,
      lastUpdateDateTimeUtc: created,
      relatedFileInfo,
    };
    actions.push(action);
    return {
      status: 201,
      json: {
        '@odata.context': 'https://api.securitycenter.microsoft.com/api/$metadata#MachineActions/$entity',
        ...action,
      },
    };
  };

  /** Documented: SHA-1 only; an unknown file is an empty list. */
  const fileMachines = (request: FakeRequest): FakeReply => {
    const id = request.params['id']!.toLowerCase();
    if (!/^[0-9a-f]{40}$/.test(id))
      return defenderError(400, 'InvalidInput', `Invalid file identifier ${id}.`);
    const ids = options.files?.[id] ?? [];
    const value = machines.filter((m) => ids.includes(m.id)).map(machineJson);
    return {
      json: { '@odata.context': 'https://api.securitycenter.microsoft.com/api/$metadata#Machines', value },
    };
  };

  const server = await startFakeServer([
    ['GET', '/api/files/:id/machines', api(fileMachines)],
    ['GET', '/api/alerts', api((r) => alertList.handle(r))],
    ['POST', '/:tenant/oauth2/v2.0/token', (r) => entra.handle(r)],
    ['GET', '/api/machines', api(listMachines)],
    ['GET', '/api/machines/:id', api(getMachine)],
    ['GET', '/api/machineactions', api(listActions)],
    ['POST', '/api/machines/:id/:action', api(machineAction)],
  ]);
  return Object.assign(server, {
    tenantId: entra.tenantId,
    clientId: entra.clientId,
    clientSecret: entra.clientSecret,
    tokenUrl: `${server.url}/${entra.tenantId}/oauth2/v2.0/token`,
    actions,
    alertList,
    revokeTokens: () => entra.revokeAll(),
  });
}
