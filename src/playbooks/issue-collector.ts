/** Gathers every error and warning of one compilation, turning YAML offsets into line and column. */
import type { LineCounter } from 'yaml';
import type { PlaybookIssue } from './playbook-issue.ts';

export class IssueCollector {
  readonly file: string;
  readonly errors: PlaybookIssue[] = [];
  readonly warnings: PlaybookIssue[] = [];
  readonly #lines: LineCounter;

  constructor(file: string, lines: LineCounter) {
    this.file = file;
    this.#lines = lines;
  }

  error(offset: number, path: string, message: string, expected?: string): void {
    this.errors.push(this.#issue(offset, path, message, expected));
  }

  warn(offset: number, path: string, message: string): void {
    this.warnings.push(this.#issue(offset, path, message, undefined));
  }

  position(offset: number): { line: number; column: number } {
    const { line, col } = this.#lines.linePos(offset);
    return { line: Math.max(line, 1), column: Math.max(col, 1) };
  }

  #issue(offset: number, path: string, message: string, expected: string | undefined): PlaybookIssue {
    const { line, column } = this.position(offset);
    const issue: PlaybookIssue = { file: this.file, line, column, path, message };
    if (expected !== undefined) issue.expected = expected;
    return issue;
  }
}
