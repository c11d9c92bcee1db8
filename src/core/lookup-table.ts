/**
 * A constant table that is read with keys from outside — a vendor's field, a feed's column, a
 * playbook's word, a command line. Only the table's own entries answer: a plain object literal would
 * also answer "constructor", "toString" or "__proto__" with what it inherits from `Object.prototype`
 * (a function, an object), and `key in table` would say yes to them. Frozen, so nothing adds to it.
 */
export function lookupTable<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}
