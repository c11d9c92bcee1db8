/**
 * `value` with one field somewhere in it deleted (`mode` 0) or replaced by `replacement`: `path`
 * picks a key at each level (modulo the keys there). A value with no keys is replaced whole.
 */
export function mutate(value: unknown, path: number[], replacement: unknown, mode: number): unknown {
  if (value === null || typeof value !== 'object') return replacement;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value)
    ? [...value]
    : { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0) return replacement;
  const key = keys[(path[0] ?? 0) % keys.length]!;
  const target = copy as Record<string, unknown>;
  if (path.length <= 1) {
    if (mode === 0) delete target[key];
    else target[key] = replacement;
  } else target[key] = mutate(target[key], path.slice(1), replacement, mode);
  return copy;
}
