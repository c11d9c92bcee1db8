import { ActionError } from '../../core/action.ts';
import type { HttpRequest, HttpResponse } from '../sdk/http-client.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { entraRequest } from '../sdk/entra-session.ts';

/** App-only Defender for Endpoint permissions are granted on this resource. */
export const DEFENDER_SCOPE = 'https://api.securitycenter.microsoft.com/.default';

/** `ResourceNotFound: Machine … was not found` from Defender's `{error: {code, message, target}}`. */
export function defenderReason(response: HttpResponse): string {
  try {
    const error = (JSON.parse(response.text()) as { error?: { code?: unknown; message?: unknown } }).error;
    const code = typeof error?.code === 'string' ? error.code : `status ${response.status}`;
    return typeof error?.message === 'string' ? `${code}: ${error.message}` : code;
  } catch {
    return `status ${response.status}`;
  }
}

/** A Defender API request: 401 (after one fresh token), 403 and 404 reported with Defender's reason. */
export async function defenderRequest(
  context: IntegrationContext,
  request: HttpRequest,
): Promise<HttpResponse> {
  const response = await entraRequest(context, DEFENDER_SCOPE, {
    ...request,
    accept: [...(request.accept ?? []), 403, 404],
  });
  if (request.accept?.includes(response.status)) return response;
  if (response.status === 401 || response.status === 403)
    throw new ActionError(
      'unauthorized',
      `Defender refused ${request.path} (${response.status}): ${defenderReason(response)}`,
      {
        retryable: false,
      },
    );
  if (response.status === 404)
    throw new ActionError('not_found', `Defender: ${defenderReason(response)}`, { retryable: false });
  return response;
}

export interface Machine {
  id: string;
  computerDnsName: string | null;
  lastSeen: string | null;
}

export interface MachineRef {
  machine?: string | undefined;
  machineId?: string | undefined;
}

interface RawMachine {
  id?: unknown;
  computerDnsName?: unknown;
  lastSeen?: unknown;
}

function toMachine(raw: RawMachine): Machine | null {
  if (typeof raw?.id !== 'string') return null;
  return {
    id: raw.id,
    computerDnsName: typeof raw.computerDnsName === 'string' ? raw.computerDnsName : null,
    lastSeen: typeof raw.lastSeen === 'string' ? raw.lastSeen : null,
  };
}

function valueOf(response: HttpResponse): unknown[] {
  const value = response.json<{ value?: unknown } | null>()?.value;
  if (!Array.isArray(value))
    throw new ActionError('invalid_response', 'Defender answered a collection without "value"', {
      retryable: false,
    });
  return value;
}

/** OData string literal: a quote is doubled. */
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

export const machineLabel = (ref: MachineRef) => ref.machine ?? ref.machineId ?? '?';

/**
 * The machine an input names. A name several machines share (re-onboarded devices) resolves to the
 * one seen last; the others no longer report.
 */
export async function findMachine(context: IntegrationContext, ref: MachineRef): Promise<Machine> {
  if (!ref.machine === !ref.machineId)
    throw new ActionError('invalid_input', 'name the machine by exactly one of machine or machineId', {
      retryable: false,
    });
  const notFound = new ActionError('not_found', `Defender knows no machine ${machineLabel(ref)}`, {
    retryable: false,
  });
  if (ref.machineId) {
    const response = await defenderRequest(context, {
      path: `/api/machines/${ref.machineId}`,
      accept: [404],
    });
    const machine = response.status === 404 ? null : toMachine(response.json<RawMachine>());
    if (!machine) throw notFound;
    return machine;
  }
  // List machines answers 404 when it has none to return.
  const response = await defenderRequest(context, {
    path: '/api/machines',
    query: { $filter: `computerDnsName eq ${literal(ref.machine!)}` },
    accept: [404],
  });
  const machines =
    response.status === 404 ? [] : valueOf(response).flatMap((m) => toMachine(m as RawMachine) ?? []);
  const latest = machines.sort((a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? ''))[0];
  if (!latest) throw notFound;
  return latest;
}

export interface MachineAction {
  id: string;
  type: string;
  status: string;
  created: string;
  fileSha1: string | null;
}

/** Actions still under way or done; failed, timed-out and cancelled ones changed nothing. */
const EFFECTIVE = ['Pending', 'InProgress', 'Succeeded'];

/** The machine's effective actions, newest first (`GET /api/machineactions?$filter=machineId eq …`). */
export async function machineActions(
  context: IntegrationContext,
  machineId: string,
): Promise<MachineAction[]> {
  const response = await defenderRequest(context, {
    path: '/api/machineactions',
    query: { $filter: `machineId eq ${literal(machineId)}` },
  });
  return valueOf(response)
    .map((raw) => {
      const a = raw as {
        id?: unknown;
        type?: unknown;
        status?: unknown;
        creationDateTimeUtc?: unknown;
        relatedFileInfo?: { fileIdentifier?: unknown } | null;
      };
      return {
        id: String(a?.id ?? ''),
        type: String(a?.type ?? ''),
        status: String(a?.status ?? ''),
        created: String(a?.creationDateTimeUtc ?? ''),
        fileSha1:
          typeof a?.relatedFileInfo?.fileIdentifier === 'string'
            ? a.relatedFileInfo.fileIdentifier.toLowerCase()
            : null,
      };
    })
    .filter((a) => EFFECTIVE.includes(a.status))
    .sort((a, b) => b.created.localeCompare(a.created));
}

/** Isolated when the newest effective Isolate/Unisolate action is an Isolate (the machine entity has no flag). */
export function isIsolated(actions: MachineAction[]): boolean {
  return actions.find((a) => a.type === 'Isolate' || a.type === 'Unisolate')?.type === 'Isolate';
}

export function quarantined(actions: MachineAction[], sha1: string): boolean {
  return actions.some((a) => a.type === 'StopAndQuarantineFile' && a.fileSha1 === sha1.toLowerCase());
}

/**
 * Posts a machine action. Defender refuses a second one of a kind while the first is pending (400,
 * "Action is already in progress"): that is the state asked for, answered as null.
 */
export async function postMachineAction(
  context: IntegrationContext,
  machine: Machine,
  action: 'isolate' | 'unisolate' | 'StopAndQuarantineFile',
  body: Record<string, string>,
): Promise<{ id: string; status: string } | null> {
  const response = await defenderRequest(context, {
    method: 'POST',
    path: `/api/machines/${machine.id}/${action}`,
    json: body,
    accept: [400],
  });
  if (response.status === 400) {
    const reason = defenderReason(response);
    if (/already in progress/i.test(reason)) return null;
    throw new ActionError('bad_request', `Defender refused ${action} on ${machine.id}: ${reason}`, {
      retryable: false,
    });
  }
  const created = response.json<{ id?: unknown; status?: unknown } | null>();
  if (typeof created?.id !== 'string')
    throw new ActionError('invalid_response', `Defender answered ${action} without a machine action id`, {
      retryable: false,
    });
  return { id: created.id, status: String(created.status ?? 'Pending') };
}
