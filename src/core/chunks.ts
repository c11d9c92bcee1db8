/**
 * `items` in consecutive slices of at most `size`: the lists of ids or values a query binds, kept well
 * under SQLite's bound-parameter limit (32,766) and PostgreSQL's (65,535).
 */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
