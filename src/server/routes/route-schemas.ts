/** JSON Schema fragments shared by route declarations. */
/** A route keyed by a name (a source); the service checks the name's own rules. */
export const nameParams = {
  type: 'object',
  properties: { name: { type: 'string' } },
  required: ['name'],
} as const;

export const idParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 200 } },
  required: ['id'],
} as const;

export function pageQuery(extra: Record<string, unknown>) {
  return {
    type: 'object',
    properties: {
      ...extra,
      cursor: { type: 'string', maxLength: 200, description: 'nextCursor from the previous page' },
      limit: { type: 'string', pattern: '^[0-9]{1,3}$', description: '1–500, default 50' },
    },
  } as const;
}

export function jsonObjectBody(properties: Record<string, unknown>, required: string[] = []) {
  return { type: 'object', properties, required } as const;
}
