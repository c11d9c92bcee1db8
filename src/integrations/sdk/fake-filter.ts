/**
 * For fake vendor servers: the shape the filter languages of several vendors share (OData `$filter`,
 * SCIM): three-token comparisons joined by `and` (binding first) and `or`, grouped by parentheses.
 * The vendor's own comparisons are `comparison`'s business; anything else is no filter (null).
 */
export type Predicate<T> = (item: T) => boolean;

export function parseBooleanFilter<T>(
  tokens: readonly string[],
  comparison: (property: string, operator: string, value: string) => Predicate<T> | null,
): Predicate<T> | null {
  let i = 0;
  const term = (): Predicate<T> | null => {
    if (tokens[i] === '(') {
      i++;
      const inner = or();
      if (!inner || tokens[i++] !== ')') return null;
      return inner;
    }
    const [property, operator, value] = [tokens[i], tokens[i + 1], tokens[i + 2]];
    i += 3;
    if (!property || !operator || !value) return null;
    return comparison(property, operator, value);
  };
  const joined = (word: 'and' | 'or', next: () => Predicate<T> | null): Predicate<T> | null => {
    let left = next();
    while (left && tokens[i] === word) {
      i++;
      const right = next();
      if (!right) return null;
      const l = left;
      left = word === 'and' ? (item) => l(item) && right(item) : (item) => l(item) || right(item);
    }
    return left;
  };
  const and = () => joined('and', term);
  const or = (): Predicate<T> | null => joined('or', and);
  const condition = or();
  return condition && i === tokens.length ? condition : null;
}
