import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { nowIso } from '../core/clock.ts';
import { invalidField } from '../core/riposte-error.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import {
  gatherReport,
  renderHtml,
  renderMarkdown,
  REPORT_FORMATS,
  type ReportFormat,
  type ReportReads,
} from './case-report.ts';
import type { PdfPrinter } from './pdf-render.ts';

export interface RenderedReport {
  body: string | Buffer;
  contentType: string;
  filename: string;
}

const CONTENT_TYPES: Record<ReportFormat, string> = {
  markdown: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
};
const EXTENSIONS: Record<ReportFormat, string> = { markdown: 'md', html: 'html', pdf: 'pdf' };

/** A case's incident report in a format, its export audited (`case.report`) like a view. */
export class CaseReports {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #audit: AuditLog;
  readonly #reads: ReportReads;
  readonly #printer: PdfPrinter;

  constructor(db: Kysely<DatabaseSchema>, audit: AuditLog, reads: ReportReads, printer: PdfPrinter) {
    this.#db = db;
    this.#audit = audit;
    this.#reads = reads;
    this.#printer = printer;
  }

  /** Whether PDF can be asked for (Chromium is there). */
  get pdf(): boolean {
    return this.#printer.available;
  }

  async render(id: string, format: unknown, actor: Actor): Promise<RenderedReport> {
    const chosen = format === undefined ? 'markdown' : format;
    if (typeof chosen !== 'string' || !(REPORT_FORMATS as readonly string[]).includes(chosen))
      throw invalidField('format', `format must be one of: ${REPORT_FORMATS.join(', ')}`);
    const kind = chosen as ReportFormat;
    const data = await gatherReport(this.#reads, id, actor.id, nowIso());
    const body =
      kind === 'markdown'
        ? renderMarkdown(data)
        : kind === 'html'
          ? renderHtml(data)
          : await this.#printer.print(renderHtml(data));
    await this.#audit.write(this.#db, [
      { actor, action: 'case.report', targetType: 'case', targetId: id, details: { format: kind } },
    ]);
    return { body, contentType: CONTENT_TYPES[kind], filename: `${id}-report.${EXTENSIONS[kind]}` };
  }
}
