import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RiposteError } from '../../core/riposte-error.ts';
import type { ParseIssue } from '../../intel/indicator.ts';
import { CLI_ACTOR, UsageError, withRiposte, type Io } from '../cli-context.ts';

function lines(issues: readonly ParseIssue[], prefix: string): string {
  return issues.map((i) => `${prefix}${i.record} ${i.field}: ${i.problem}\n`).join('');
}

/** `riposte intel import FILE [--format F] [--source NAME] [--ttl 30d] [--partial]` — one transaction. */
export async function intelImportCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      source: { type: 'string' },
      ttl: { type: 'string' },
      partial: { type: 'boolean' },
    },
  });
  const file = positionals[0];
  if (!file) throw new UsageError('intel import needs a FILE');
  let text: string;
  try {
    text = file === '-' ? await io.readStdin() : readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  return withRiposte(async (riposte) => {
    try {
      const result = await riposte.intel.indicators.import(
        text,
        {
          ...(values.format ? { format: values.format } : {}),
          ...(values.source ? { source: values.source } : {}),
          ...(values.ttl ? { ttl: values.ttl } : {}),
          partial: values.partial === true,
        },
        CLI_ACTOR,
      );
      io.stderr(lines(result.skipped, 'skipped: ') + lines(result.warnings, 'warning: '));
      io.stdout(`${JSON.stringify({ ...result, skipped: undefined, warnings: undefined })}\n`);
      return 0;
    } catch (error) {
      if (!(error instanceof RiposteError) || error.code !== 'invalid_intel_file') throw error;
      const errors = (error.extra?.['errors'] as ParseIssue[] | undefined) ?? [];
      io.stderr(`${lines(errors, 'error: ')}riposte: ${error.message}\n`);
      return 1;
    }
  });
}
