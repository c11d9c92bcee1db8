import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RiposteError } from '../core/riposte-error.ts';

/** How long Chromium may take to print one report. */
const PRINT_TIMEOUT_MS = 60_000;

/**
 * Prints HTML to PDF with headless Chromium (`RIPOSTE_CHROMIUM_PATH`, or `chromium` on the PATH): the
 * page is written to a private temporary directory with a fresh browser profile beside it, printed
 * without header or footer, and the directory removed. One print at a time per process (each is a
 * whole browser); the others wait their turn. The page must be self-contained: Chromium is started
 * with networking features off and the report's own policy forbids any load.
 */
export class PdfPrinter {
  readonly #chromium: string | undefined;
  #turn: Promise<unknown> = Promise.resolve();

  constructor(chromium: string | undefined) {
    this.#chromium = chromium;
  }

  get available(): boolean {
    return this.#chromium !== undefined;
  }

  print(page: string): Promise<Buffer> {
    const chromium = this.#chromium;
    if (chromium === undefined)
      return Promise.reject(
        new RiposteError(
          'not_available',
          'PDF reports need Chromium on the server: install it (apt-get install chromium) or set RIPOSTE_CHROMIUM_PATH; the Markdown and HTML reports need nothing',
        ),
      );
    const printed = this.#turn.then(() => printOnce(chromium, page));
    this.#turn = printed.catch(() => undefined);
    return printed;
  }
}

async function printOnce(chromium: string, page: string): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'riposte-report-'));
  try {
    const input = path.join(dir, 'report.html');
    const output = path.join(dir, 'report.pdf');
    await writeFile(input, page, { mode: 0o600 });
    const args = [
      '--headless',
      '--disable-gpu',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-extensions',
      '--disable-background-networking',
      '--disable-sync',
      '--disable-component-update',
      '--metrics-recording-only',
      `--user-data-dir=${path.join(dir, 'profile')}`,
      '--no-pdf-header-footer',
      `--print-to-pdf=${output}`,
      // Chromium refuses to run as root with its sandbox: a server run as root prints without it.
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      `file://${input}`,
    ];
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(chromium, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 8192) stderr += chunk.toString('utf8');
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), PRINT_TIMEOUT_MS);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (exit) => {
        clearTimeout(timer);
        resolve({ code: exit, stderr });
      });
    });
    const pdf = await readFile(output).catch(() => undefined);
    if (code !== 0 || pdf === undefined || pdf.subarray(0, 5).toString('latin1') !== '%PDF-')
      throw new RiposteError(
        'internal',
        `Chromium did not print the report (exit ${String(code)}): ${stderr.trim().split('\n').slice(-3).join(' ')}`,
      );
    return pdf;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
