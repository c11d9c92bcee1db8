import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { offlineCatalog } from '../../connections/offline-catalog.ts';
import { formatIssues } from '../../playbooks/compile-playbook.ts';
import { compilePlaybook } from '../../playbooks/compile-playbook.ts';
import { RiposteError } from '../../core/riposte-error.ts';
import { interceptedActions } from '../../runs/dry-run.ts';
import { CLI_ACTOR, UsageError, withRiposte, type Io } from '../cli-context.ts';

function readSource(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** `riposte playbook validate FILE…` — every error of every file, `file:line:column: message`; exit 1 if any. */
export async function playbookValidateCommand(args: string[], io: Io): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length === 0) throw new UsageError('playbook validate needs at least one FILE');
  const catalog = offlineCatalog();
  let failed = 0;
  for (const file of positionals) {
    const result = compilePlaybook(readSource(file), { file, catalog });
    if (result.warnings.length > 0) io.stderr(`${formatIssues(result.warnings)}\n`);
    if (result.ok) {
      io.stdout(`${file}: ok (${result.plan.id}, ${Object.keys(result.plan.steps).length} steps)\n`);
    } else {
      failed++;
      io.stdout(`${formatIssues(result.errors)}\n`);
    }
  }
  return failed === 0 ? 0 : 1;
}

/** `riposte playbook save FILE…` — stores each playbook as its next version (refused when invalid). */
export async function playbookSaveCommand(args: string[], io: Io): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length === 0) throw new UsageError('playbook save needs at least one FILE');
  return withRiposte(async (riposte) => {
    let failed = 0;
    for (const file of positionals) {
      try {
        const saved = await riposte.playbooks.save(readSource(file), CLI_ACTOR, file);
        io.stdout(
          `${file}: ${saved.playbook.id} version ${saved.playbook.version}${saved.changed ? '' : ' (unchanged)'}\n`,
        );
      } catch (error) {
        if (!(error instanceof RiposteError) || error.code !== 'invalid_playbook') throw error;
        failed++;
        io.stdout(`${formatIssues((error.extra?.['errors'] ?? []) as Parameters<typeof formatIssues>[0])}\n`);
      }
    }
    return failed === 0 ? 0 : 1;
  });
}

/** `riposte playbook list` */
export async function playbookListCommand(args: string[], io: Io): Promise<number> {
  parseArgs({ args, options: {} });
  const playbooks = await withRiposte((riposte) => riposte.playbooks.list());
  for (const p of playbooks) {
    const triggers = [
      p.triggers.alert ? (p.triggers.fallback ? 'alert(fallback)' : 'alert') : null,
      p.triggers.case.length ? `case(${p.triggers.case.join(',')})` : null,
      p.triggers.schedule.length ? `schedule(${p.triggers.schedule.join(',')})` : null,
      p.triggers.manual ? 'manual' : null,
    ].filter(Boolean);
    io.stdout(
      `${p.id}\tv${p.version}\t${p.enabled ? 'enabled' : 'disabled'}\t${triggers.join(' ')}\t${p.name}\n`,
    );
  }
  return 0;
}

/**
 * `riposte playbook run ID [--alert ID] [--case ID] [--inputs JSON] [--dry-run] [--wait SECONDS]` — runs
 * the playbook in this process and prints the run; a dry run intercepts every write or destructive
 * action and lists what it would have done.
 */
export async function playbookRunCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      alert: { type: 'string' },
      case: { type: 'string' },
      inputs: { type: 'string' },
      'dry-run': { type: 'boolean' },
      wait: { type: 'string', default: '60' },
    },
  });
  const [id] = positionals;
  if (!id || positionals.length > 1) throw new UsageError('playbook run needs exactly one playbook ID');
  let inputs: unknown = {};
  if (values.inputs) {
    try {
      inputs = JSON.parse(values.inputs);
    } catch (error) {
      throw new UsageError(`--inputs is not valid JSON: ${(error as Error).message}`);
    }
  }
  const waitMs = Number(values.wait) * 1000;
  if (!Number.isFinite(waitMs) || waitMs < 0) throw new UsageError('--wait must be a number of seconds');
  return withRiposte(async (riposte) => {
    const scope = new Set<string>();
    await riposte.startWorker({ only: scope });
    const run = await riposte.runs.start({
      playbookId: id,
      alertId: values.alert ?? null,
      caseId: values.case ?? null,
      inputs,
      dryRun: values['dry-run'] === true,
      startedBy: CLI_ACTOR.id,
      actor: CLI_ACTOR,
    });
    scope.add(run.id);
    const detail = await riposte.runs.settle(run.id, waitMs);
    const intercepted = interceptedActions(detail);
    io.stdout(
      `${JSON.stringify({ ...detail, ...(detail.dryRun ? { wouldHaveDone: intercepted } : {}) }, null, 2)}\n`,
    );
    if (detail.status === 'waiting')
      io.stderr(`run ${run.id} is waiting for a person (a task or an approval)\n`);
    return detail.status === 'failed' ? 1 : 0;
  });
}

/** `riposte secret set NAME` (value from stdin) and `riposte secret list`. */
export async function secretSetCommand(args: string[], io: Io): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const [name] = positionals;
  if (!name) throw new UsageError('secret set needs a NAME; the value is read from stdin');
  const value = (await io.readStdin()).replace(/\r?\n$/, '');
  await withRiposte((riposte) => riposte.secrets.set(name, value, CLI_ACTOR));
  io.stderr(`secret "${name}" set\n`);
  return 0;
}

export async function secretListCommand(args: string[], io: Io): Promise<number> {
  parseArgs({ args, options: {} });
  for (const s of await withRiposte((riposte) => riposte.secrets.list()))
    io.stdout(`${s.name}\t${s.updatedAt}\t${s.updatedBy}\n`);
  return 0;
}
