import type { Issue } from './types.ts';

/** Problems as a list; each one is a button that moves the cursor to it. */
export function IssueList({
  issues,
  onSelect,
  label,
  severity = 'error',
  showFile = false,
}: {
  issues: readonly Issue[];
  onSelect?: (issue: Issue) => void;
  label: string;
  severity?: 'error' | 'warning';
  /** Name the file of each problem (a test run reports problems of two files). */
  showFile?: boolean;
}) {
  if (issues.length === 0) return null;
  return (
    <ul className={`issues ${severity}`} aria-label={label}>
      {issues.map((issue, i) => {
        const where = `${showFile && issue.file ? `${issue.file}, ` : ''}line ${issue.line}, column ${issue.column}`;
        const text = `${where}: ${issue.message}`;
        return (
          <li key={`${i}:${text}`}>
            {onSelect ? (
              <button type="button" className="link" onClick={() => onSelect(issue)}>
                {text}
              </button>
            ) : (
              text
            )}
          </li>
        );
      })}
    </ul>
  );
}
