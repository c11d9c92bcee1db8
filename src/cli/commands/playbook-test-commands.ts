import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { offlineCatalog } from '../../connections/offline-catalog.ts';
import { formatIssues } from '../../playbooks/compile-playbook.ts';
import { backtest, type BacktestReport } from '../../runs/backtest.ts';
import { runGoldenFile, type GoldenFileReport } from '../../runs/golden-tests.ts';
import { UsageError, withRiposte, type Io } from '../cli-context.ts';

/** A directory stands for every `*.test.yaml` under it. */
function testFiles(targets: string[]): string[] {
  return targets.flatMap((target) => {
    let isDirectory = false;
    try {
      isDirectory = statSync(target).isDirectory();
    } catch {
      return [target]; // reported as unreadable by the runner
    }
    if (!isDirectory) return [target];
    return readdirSync(target, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.test.yaml') || name.endsWith('.test.yml'))
      .sort()
      .map((name) => path.join(target, name));
  });
}

/** `riposte playbook test FILE|DIR… [--json]` — golden tests; exit 1 if a case fails or a file is invalid. */
export async function playbookTestCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' } },
  });
  if (positionals.length === 0)
    throw new UsageError('playbook test needs at least one test FILE or directory');
  const files = testFiles(positionals);
  if (files.length === 0) throw new UsageError(`no *.test.yaml file in ${positionals.join(', ')}`);
  const catalog = offlineCatalog();
  const reports: GoldenFileReport[] = [];
  for (const file of files) {
    const report = await runGoldenFile(file, catalog);
    reports.push(report);
    if (!values.json) io.stdout(formatFileReport(report));
  }
  const cases = reports.flatMap((r) => r.cases);
  const passed = cases.filter((c) => c.ok).length;
  const invalid = reports.filter((r) => r.errors.length > 0).length;
  const ok = reports.every((r) => r.ok);
  if (values.json) {
    io.stdout(
      `${JSON.stringify({ ok, passed, failed: cases.length - passed, invalid, files: reports }, null, 2)}\n`,
    );
  } else {
    const parts = [`${passed} passed`, `${cases.length - passed} failed`];
    if (invalid > 0) parts.push(`${invalid} invalid file${invalid === 1 ? '' : 's'}`);
    io.stdout(`\n${parts.join(', ')}\n`);
  }
  return ok ? 0 : 1;
}

function formatFileReport(report: GoldenFileReport): string {
  if (report.errors.length > 0)
    return `✖ ${report.file}: the test file or its playbook is invalid\n${indent(formatIssues(report.errors))}\n`;
  return report.cases
    .map((c) =>
      c.ok
        ? `✔ ${report.file} › ${c.name}\n`
        : `✖ ${report.file} › ${c.name} (line ${c.line})\n${c.failures.map((f) => `${indent(f)}\n`).join('')}`,
    )
    .join('');
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');

/**
 * `riposte playbook backtest ID --since DATE [--until DATE] [--limit N] [--all] [--no-reads]
 * [--assume approve|deny] [--json]` — what the playbook would have done on stored alerts.
 */
export async function playbookBacktestCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
      all: { type: 'boolean' },
      'no-reads': { type: 'boolean' },
      assume: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const [id] = positionals;
  if (!id || positionals.length > 1) throw new UsageError('playbook backtest needs exactly one playbook ID');
  if (!values.since) throw new UsageError('playbook backtest needs --since DATE (e.g. --since 2026-11-01)');
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !Number.isInteger(limit)) throw new UsageError('--limit must be a whole number');
  const assume = values.assume;
  if (assume !== undefined && assume !== 'approve' && assume !== 'deny')
    throw new UsageError('--assume must be approve or deny');
  const report = await withRiposte((riposte) =>
    backtest(
      {
        db: riposte.database.db,
        playbooks: riposte.playbooks,
        actions: riposte.actions,
        secrets: () => riposte.secrets.values(),
      },
      {
        playbookId: id,
        since: values.since!,
        ...(values.until === undefined ? {} : { until: values.until }),
        ...(limit === undefined ? {} : { limit }),
        all: values.all === true,
        reads: values['no-reads'] !== true,
        ...(assume === undefined ? {} : { assume }),
      },
    ),
  );
  io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatBacktest(report));
  return 0;
}

export function formatBacktest(report: BacktestReport): string {
  const rows = report.alerts.map((a) => [
    a.alertId,
    a.status,
    cut(a.title, 40),
    cut(a.path.join(' → '), 60),
    a.wouldDo.map((w) => w.action).join(', ') || '-',
    a.wouldAsk.map((w) => w.step).join(', ') || '-',
  ]);
  const header = ['alert', 'status', 'title', 'path', 'would do', 'would ask'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const counts = (record: Record<string, number>) =>
    Object.entries(record)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([k, n]) => `${k} ×${n}`)
      .join(', ') || 'nothing';
  const reads = report.reads === 'executed' ? 'read actions executed' : 'read actions returned null';
  const assume =
    report.assume === null ? 'stopped where a person would be asked' : `assumed ${report.assume}`;
  return [
    `Backtest of ${report.playbookId} v${report.version} on alerts stored ${report.since} – ${report.until} (${reads}; ${assume})`,
    '',
    ...(rows.length > 0 ? [line(header), ...rows.map(line)] : ['(no alert matched)']),
    '',
    `Alerts considered: ${report.considered}, matched: ${report.matched}`,
    `By status: ${counts(report.byStatus)}`,
    `Would do: ${counts(report.wouldDo)}`,
    `Would ask: ${counts(report.wouldAsk)}`,
    '',
  ].join('\n');
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
