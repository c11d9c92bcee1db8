import { randomUUID } from 'node:crypto';
import type { FakeReply } from '../sdk/fake-server.ts';

/** Graph's error body: `{error: {code, message, innerError: {date, request-id, client-request-id}}}`. */
export const graphError = (
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): FakeReply => {
  const id = randomUUID();
  return {
    status,
    json: {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().slice(0, 19),
          'request-id': id,
          'client-request-id': id,
        },
      },
    },
    ...(headers ? { headers } : {}),
  };
};
