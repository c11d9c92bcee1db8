/**
 * RFC 4515 escaping of an assertion value: `*`, `(`, `)`, `\` and NUL become `\2a`, `\28`, `\29`,
 * `\5c`, `\00`, so a value typed by a user (or taken from an alert) can never widen or restructure
 * the filter it is put into — `*)(uid=*` matches the literal string, not every entry.
 */
export function escapeFilterValue(value: string): string {
  let out = '';
  for (const ch of value) {
    switch (ch) {
      case '*':
        out += '\\2a';
        break;
      case '(':
        out += '\\28';
        break;
      case ')':
        out += '\\29';
        break;
      case '\\':
        out += '\\5c';
        break;
      case '\0':
        out += '\\00';
        break;
      default:
        out += ch;
    }
  }
  return out;
}

/** Puts the escaped value in place of every `{placeholder}` of a configured filter template. */
export function fillFilter(template: string, placeholder: string, value: string): string {
  return template.split(`{${placeholder}}`).join(escapeFilterValue(value));
}

/** `(&(a)(b)…)`, or the only one, for filters that are already well-formed. */
export function andFilter(...filters: string[]): string {
  return filters.length === 1 ? filters[0]! : `(&${filters.join('')})`;
}

/** `(|(a)(b)…)`. */
export function orFilter(...filters: string[]): string {
  return filters.length === 1 ? filters[0]! : `(|${filters.join('')})`;
}
