/** One problem found in a playbook, pointing at the exact place in the YAML. */
export interface PlaybookIssue {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Where in the document, e.g. `steps[2].with.ip`; empty for the document itself. */
  path: string;
  message: string;
  /** What would have been accepted, when that is short to say (`a duration such as 30s`). */
  expected?: string;
}

/** `file:line:column: message` lines, in document order, as compilers print them. */
export function formatIssues(issues: readonly PlaybookIssue[]): string {
  return [...issues]
    .sort((a, b) => a.line - b.line || a.column - b.column)
    .map((issue) => {
      const shown = issue.expected === undefined || issue.message.includes(issue.expected);
      const expected = shown ? '' : ` (expected ${issue.expected})`;
      return `${issue.file}:${issue.line}:${issue.column}: ${issue.message}${expected}`;
    })
    .join('\n');
}
