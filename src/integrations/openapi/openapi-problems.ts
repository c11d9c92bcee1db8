/** One thing wrong with an OpenAPI description, located by a JSON pointer (RFC 6901) into it. */
export interface OpenApiProblem {
  pointer: string;
  message: string;
}

/** `pointer('paths', '/tickets/{id}', 'get')` → `/paths/~1tickets~1{id}/get`. */
export function pointer(...tokens: (string | number)[]): string {
  return tokens.map((t) => `/${String(t).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Collects every problem of a description, so one import attempt reports them all. */
export class OpenApiProblems {
  readonly list: OpenApiProblem[] = [];

  readonly #seen = new Set<string>();

  /** A problem in a part several operations share (a component schema) is reported once. */
  add(at: string, message: string): void {
    const key = `${at}\n${message}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.list.push({ pointer: at, message });
  }
}

/**
 * The target of a local `$ref` (`#/components/schemas/Ticket`) and its pointer; undefined when it
 * names nothing. Tokens are URI-fragment encoded, then JSON-pointer escaped.
 */
export function resolveLocalRef(doc: unknown, ref: string): { value: unknown; at: string } | undefined {
  if (ref !== '#' && !ref.startsWith('#/')) return undefined;
  let at = '';
  let value = doc;
  for (const raw of ref === '#' ? [] : ref.slice(2).split('/')) {
    let token: string;
    try {
      token = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    } catch {
      return undefined;
    }
    if (Array.isArray(value) && /^\d+$/.test(token)) value = value[Number(token)];
    else if (isObject(value) && Object.hasOwn(value, token)) value = value[token];
    else return undefined;
    at += pointer(token);
  }
  return { value, at };
}

/**
 * Follows `$ref`s from a value (a parameter, a request body, a path item) to what they name, reporting
 * an external, dangling or circular chain at the `$ref` that breaks it.
 */
export function followRefs(
  doc: unknown,
  value: unknown,
  at: string,
  problems: OpenApiProblems,
): { value: unknown; at: string } | undefined {
  const seen = new Set<string>();
  let current = { value, at };
  while (isObject(current.value) && typeof current.value['$ref'] === 'string') {
    const ref = current.value['$ref'];
    const where = `${current.at}/$ref`;
    if (!ref.startsWith('#')) {
      problems.add(where, `only local references (#/…) can be resolved, not "${ref}"`);
      return undefined;
    }
    const target = resolveLocalRef(doc, ref);
    if (!target) {
      problems.add(where, `"${ref}" names nothing in this document`);
      return undefined;
    }
    if (seen.has(target.at)) {
      problems.add(where, `"${ref}" leads back to itself`);
      return undefined;
    }
    seen.add(target.at);
    current = target;
  }
  return current;
}
