function escape(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** /docs: the OpenAPI document rendered as one static page, no scripts, no external assets. */
export function renderApiDocs(doc: Record<string, unknown>): string {
  const paths = doc.paths as Record<
    string,
    Record<
      string,
      {
        summary?: string;
        description?: string;
        tags?: string[];
        parameters?: { name: string; in: string; required: boolean }[];
      }
    >
  >;
  const byTag = new Map<string, string[]>();
  for (const [url, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags?.[0] ?? 'other';
      const params = (op.parameters ?? [])
        .map((p) => `<code>${escape(p.name)}</code> (${p.in}${p.required ? ', required' : ''})`)
        .join(', ');
      const html = `<section><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escape(url)}</code></h3>
<p>${escape(op.summary)}</p><p class="d">${escape(op.description).replace(/\n\n/g, '<br>')}</p>${params ? `<p>Parameters: ${params}</p>` : ''}</section>`;
      byTag.set(tag, [...(byTag.get(tag) ?? []), html]);
    }
  }
  const info = doc.info as { title: string; version: string; description: string };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
code{background:#f2f4f7;padding:0 .25rem;border-radius:3px}.m{font:600 12px monospace;padding:2px 6px;border-radius:3px;color:#fff;background:#555}
.get{background:#2b6cb0}.post{background:#2f855a}.patch,.put{background:#b7791f}.delete{background:#c53030}.d{color:#555}
@media (prefers-color-scheme:dark){body{background:#111418;color:#e6e8eb}code{background:#222831}.d{color:#aaa}}</style></head><body>
<h1>${escape(info.title)} <small>${escape(info.version)}</small></h1><p>${escape(info.description)}</p>
<p>The machine-readable document is at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>
${[...byTag.entries()].map(([tag, ops]) => `<h2>${escape(tag)}</h2>${ops.join('\n')}`).join('\n')}
</body></html>`;
}
