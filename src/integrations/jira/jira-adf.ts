/**
 * Atlassian Document Format: Jira Cloud REST v3 takes rich text (issue descriptions, comment bodies)
 * only as an ADF document, never as a plain string.
 */
export interface AdfNode {
  type: string;
  text?: string;
  attrs?: Record<string, unknown>;
  marks?: { type: string }[];
  content?: AdfNode[];
}

export interface AdfDocument {
  type: 'doc';
  version: 1;
  content: AdfNode[];
}

/** Plain text to ADF: blank lines separate paragraphs, single newlines become hard breaks. */
export function textToAdf(text: string): AdfDocument {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  return {
    type: 'doc',
    version: 1,
    content: paragraphs.map((p) => ({
      type: 'paragraph',
      content: p
        .split('\n')
        .flatMap((line, i): AdfNode[] => [
          ...(i > 0 ? [{ type: 'hardBreak' }] : []),
          ...(line ? [{ type: 'text', text: line }] : []),
        ]),
    })),
  };
}

/** Every text node of a document, in order (to find a marker in a comment Jira sends back). */
export function adfText(node: unknown): string {
  if (!node || typeof node !== 'object') return '';
  const { text, content } = node as AdfNode;
  return (
    (typeof text === 'string' ? text : '') + (Array.isArray(content) ? content.map(adfText).join(' ') : '')
  );
}
