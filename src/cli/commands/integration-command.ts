import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RiposteError } from '../../core/riposte-error.ts';
import type { OpenApiProblem } from '../../integrations/openapi/openapi-problems.ts';
import { CLI_ACTOR, UsageError, withRiposte, type Io } from '../cli-context.ts';

const listed = (problems: readonly OpenApiProblem[], prefix: string) =>
  problems.map((p) => `${prefix}${p.pointer || '(root)'}: ${p.message}\n`).join('');

/**
 * `riposte integration import-openapi FILE --id ID [--name NAME]` — stores the description; the
 * server registers it at its next start (or import it through the API to register it at once).
 */
export async function integrationImportOpenApiCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { id: { type: 'string' }, name: { type: 'string' } },
  });
  const file = positionals[0];
  if (!file) throw new UsageError('integration import-openapi needs a FILE (JSON or YAML, - for stdin)');
  if (!values.id) throw new UsageError('integration import-openapi needs --id ID');
  let spec: string;
  try {
    spec = file === '-' ? await io.readStdin() : readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  return withRiposte(async (riposte) => {
    try {
      const { integration, warnings } = await riposte.openapiSpecs.import(
        { id: values.id!, ...(values.name ? { name: values.name } : {}), spec },
        CLI_ACTOR,
      );
      io.stdout(
        integration.actions.map((a) => `${integration.id}.${a.name}\t${a.effect}\t${a.title}\n`).join(''),
      );
      io.stderr(listed(warnings, 'warning: '));
      io.stderr(
        `imported ${integration.id} (${integration.actions.length} actions); running servers register it at their next start\n`,
      );
      return 0;
    } catch (error) {
      if (!(error instanceof RiposteError) || error.code !== 'invalid_openapi') throw error;
      io.stderr(listed((error.extra?.['errors'] ?? []) as OpenApiProblem[], `${file}: `));
      return 1;
    }
  });
}
