import { parse, YAMLParseError } from 'yaml';
import { RiposteError } from '../../core/riposte-error.ts';

/** A description given as JSON or YAML text; a document already parsed passes through. */
export function parseOpenApiText(spec: unknown): unknown {
  if (typeof spec !== 'string') return spec;
  const text = spec.trim();
  try {
    if (text.startsWith('{')) return JSON.parse(text) as unknown;
    // `maxAliasCount` bounds alias expansion (a "billion laughs" document).
    return parse(text, { maxAliasCount: 100, uniqueKeys: true }) as unknown;
  } catch (error) {
    const where =
      error instanceof YAMLParseError && error.linePos
        ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}`
        : '';
    const message = `the description is not valid ${text.startsWith('{') ? 'JSON' : 'YAML'}${where}: ${(error as Error).message.split('\n')[0]}`;
    throw new RiposteError('invalid_openapi', message, {
      path: '',
      extra: { errors: [{ pointer: '', message }] },
    });
  }
}
