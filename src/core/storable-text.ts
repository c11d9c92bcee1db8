/**
 * Text the databases keep exactly as given. PostgreSQL refuses a NUL character in text (SQLSTATE
 * 22021), and both databases store an unpaired UTF-16 surrogate (JSON allows `"\ud800"`) as U+FFFD,
 * so a value hashed or compared before it was stored would no longer match what was stored.
 */

/** What keeps `text` from being stored as it is, or undefined when nothing does. */
export function unstorable(text: string): string | undefined {
  const nul = text.indexOf('\u0000');
  if (nul >= 0) return `a NUL character (U+0000) at character ${nul + 1}`;
  if (text.isWellFormed()) return undefined;
  const lone = text.toWellFormed();
  for (let i = 0; i < text.length; i++)
    if (lone.charCodeAt(i) === 0xfffd && text.charCodeAt(i) !== 0xfffd)
      return `an unpaired UTF-16 surrogate at character ${i + 1} (not well-formed Unicode)`;
  return 'an unpaired UTF-16 surrogate (not well-formed Unicode)';
}

/** `text` as the databases keep it: unpaired surrogates and NUL characters become U+FFFD. */
export function storable(text: string): string {
  if (text.isWellFormed() && !text.includes('\u0000')) return text;
  return text.toWellFormed().replaceAll('\u0000', '\ufffd');
}

/**
 * The first string inside `value` (an API body, a query, path parameters) that cannot be stored as it
 * is, with its path inside it (`/comments/0`; '' for `value` itself) and why; keys count as well as
 * values.
 */
export function findUnstorable(
  value: unknown,
  path = '',
  depth = 0,
): { path: string; why: string } | undefined {
  if (typeof value === 'string') {
    const why = unstorable(value);
    return why === undefined ? undefined : { path, why };
  }
  if (value === null || typeof value !== 'object' || depth > 64 || ArrayBuffer.isView(value))
    return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorable(value[i], `${path}/${i}`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, inner] of Object.entries(value)) {
    const why = unstorable(key);
    if (why !== undefined) return { path: `${path}/${storable(key)}`, why: `a key with ${why}` };
    const found = findUnstorable(inner, `${path}/${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}
