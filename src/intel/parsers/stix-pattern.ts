/**
 * STIX 2.1 patterning, enough to read and map it: the whole grammar of observation and comparison
 * expressions is parsed (so a malformed pattern is an error with its position), and what can be
 * matched against one alert observable — an `=` or `IN` on a known object path, OR-joined — is
 * mapped to observable values. Everything else (AND, FOLLOWEDBY, MATCHES, qualifiers…) is reported.
 */
import type { IndicatorType } from '../indicator.ts';
import { lookupTable } from '../../core/lookup-table.ts';

export type StixValue = string | number | boolean | StixValue[];

export interface Comparison {
  kind: 'comparison';
  /** `ipv4-addr:value`, `file:hashes.'SHA-256'` — as written, whitespace removed. */
  path: string;
  negated: boolean;
  operator: string;
  value: StixValue;
}

export type Expression =
  | Comparison
  | { kind: 'and' | 'or'; left: Expression; right: Expression }
  /** An observation expression `[ … ]`, or several joined at the observation level. */
  | { kind: 'observation'; inner: Expression }
  | { kind: 'obs-and' | 'obs-or' | 'followedby'; left: Expression; right: Expression }
  | { kind: 'qualified'; inner: Expression; qualifier: string };

export class PatternError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`);
    this.position = position;
  }
}

interface Token {
  kind: 'word' | 'string' | 'number' | 'punct' | 'typed';
  text: string;
  value?: string;
  at: number;
}

const OPERATORS = ['=', '!=', '<>', '>=', '<=', '>', '<', 'IN', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET'];

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const readQuoted = (start: number): { value: string; end: number } => {
    let value = '';
    let j = start + 1;
    for (;;) {
      if (j >= pattern.length) throw new PatternError('unterminated string', start);
      const c = pattern[j]!;
      if (c === '\\') {
        const next = pattern[j + 1];
        if (next !== "'" && next !== '\\') throw new PatternError(`invalid escape \\${next ?? ''}`, j);
        value += next;
        j += 2;
      } else if (c === "'") return { value, end: j + 1 };
      else {
        value += c;
        j++;
      }
    }
  };
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      const { value, end } = readQuoted(i);
      tokens.push({ kind: 'string', text: pattern.slice(i, end), value, at: i });
      i = end;
    } else if (/[thb]/.test(c) && pattern[i + 1] === "'") {
      const { value, end } = readQuoted(i + 1);
      tokens.push({ kind: 'typed', text: pattern.slice(i, end), value, at: i });
      i = end;
    } else if (/[-\d]/.test(c) && /^-?\d/.test(pattern.slice(i, i + 2))) {
      const m = /^-?\d+(\.\d+)?/.exec(pattern.slice(i))!;
      tokens.push({ kind: 'number', text: m[0], at: i });
      i += m[0].length;
    } else if (/[[\]()=<>!,]/.test(c)) {
      const two = pattern.slice(i, i + 2);
      const text = ['!=', '<>', '>=', '<='].includes(two) ? two : c;
      tokens.push({ kind: 'punct', text, at: i });
      i += text.length;
    } else if (/[A-Za-z_]/.test(c)) {
      // An object path (`file:hashes.'SHA-256'`, `x:refs[*].name`) or a keyword.
      let j = i;
      while (j < pattern.length) {
        const d = pattern[j]!;
        if (/[A-Za-z0-9_:.\-*]/.test(d)) j++;
        else if (d === "'" && /[.:]$/.test(pattern.slice(i, j))) j = readQuoted(j).end;
        else if (
          d === '[' &&
          /[A-Za-z0-9_']$/.test(pattern.slice(i, j)) &&
          pattern.slice(i, j).includes(':')
        ) {
          const close = pattern.indexOf(']', j);
          if (close === -1) throw new PatternError('unclosed list index', j);
          j = close + 1;
        } else break;
      }
      tokens.push({ kind: 'word', text: pattern.slice(i, j), at: i });
      i = j;
    } else {
      throw new PatternError(`unexpected character ${JSON.stringify(c)}`, i);
    }
  }
  return tokens;
}

class Parser {
  readonly #tokens: Token[];
  readonly #end: number;
  #i = 0;

  constructor(tokens: Token[], end: number) {
    this.#tokens = tokens;
    this.#end = end;
  }

  parse(): Expression {
    const expression = this.#observationOr();
    const extra = this.#peek();
    if (extra) throw new PatternError(`unexpected ${JSON.stringify(extra.text)}`, extra.at);
    return expression;
  }

  #peek(): Token | undefined {
    return this.#tokens[this.#i];
  }

  #at(): number {
    return this.#peek()?.at ?? this.#end;
  }

  #keyword(word: string): boolean {
    const t = this.#peek();
    if (t?.kind === 'word' && t.text.toUpperCase() === word) {
      this.#i++;
      return true;
    }
    return false;
  }

  #punct(text: string): boolean {
    const t = this.#peek();
    if (t?.kind === 'punct' && t.text === text) {
      this.#i++;
      return true;
    }
    return false;
  }

  #expect(text: string): void {
    if (!this.#punct(text)) throw new PatternError(`expected "${text}"`, this.#at());
  }

  #observationOr(): Expression {
    let left = this.#observationAnd();
    while (this.#keyword('OR')) left = { kind: 'obs-or', left, right: this.#observationAnd() };
    return left;
  }

  #observationAnd(): Expression {
    let left = this.#followedBy();
    while (this.#keyword('AND')) left = { kind: 'obs-and', left, right: this.#followedBy() };
    return left;
  }

  #followedBy(): Expression {
    let left = this.#qualified();
    while (this.#keyword('FOLLOWEDBY')) left = { kind: 'followedby', left, right: this.#qualified() };
    return left;
  }

  #qualified(): Expression {
    let inner = this.#observation();
    for (;;) {
      if (this.#keyword('WITHIN')) {
        this.#number();
        if (!this.#keyword('SECONDS')) throw new PatternError('expected SECONDS', this.#at());
        inner = { kind: 'qualified', inner, qualifier: 'WITHIN' };
      } else if (this.#keyword('REPEATS')) {
        this.#number();
        if (!this.#keyword('TIMES')) throw new PatternError('expected TIMES', this.#at());
        inner = { kind: 'qualified', inner, qualifier: 'REPEATS' };
      } else if (this.#keyword('START')) {
        this.#timestamp();
        if (!this.#keyword('STOP')) throw new PatternError('expected STOP', this.#at());
        this.#timestamp();
        inner = { kind: 'qualified', inner, qualifier: 'START/STOP' };
      } else return inner;
    }
  }

  #number(): void {
    if (this.#peek()?.kind !== 'number') throw new PatternError('expected a number', this.#at());
    this.#i++;
  }

  #timestamp(): void {
    const t = this.#peek();
    if (t?.kind !== 'typed' || !t.text.startsWith('t'))
      throw new PatternError("expected t'timestamp'", this.#at());
    this.#i++;
  }

  #observation(): Expression {
    if (this.#punct('(')) {
      const inner = this.#observationOr();
      this.#expect(')');
      return inner;
    }
    if (!this.#punct('['))
      throw new PatternError('expected "[" to open an observation expression', this.#at());
    const inner = this.#comparisonOr();
    this.#expect(']');
    return { kind: 'observation', inner };
  }

  #comparisonOr(): Expression {
    let left = this.#comparisonAnd();
    while (this.#keyword('OR')) left = { kind: 'or', left, right: this.#comparisonAnd() };
    return left;
  }

  #comparisonAnd(): Expression {
    let left = this.#comparison();
    while (this.#keyword('AND')) left = { kind: 'and', left, right: this.#comparison() };
    return left;
  }

  #comparison(): Expression {
    if (this.#punct('(')) {
      const inner = this.#comparisonOr();
      this.#expect(')');
      return inner;
    }
    const path = this.#peek();
    if (path?.kind !== 'word' || !/^[a-z0-9-]+:[^\s]+$/i.test(path.text))
      throw new PatternError('expected an object path such as ipv4-addr:value', this.#at());
    this.#i++;
    const negated = this.#keyword('NOT');
    const op = this.#peek();
    const operator = op?.text.toUpperCase();
    if (!op || (op.kind !== 'punct' && op.kind !== 'word') || !OPERATORS.includes(operator!))
      throw new PatternError(`expected an operator (${OPERATORS.join(' ')})`, this.#at());
    this.#i++;
    return { kind: 'comparison', path: path.text, negated, operator: operator!, value: this.#value() };
  }

  #value(): StixValue {
    const t = this.#peek();
    if (!t) throw new PatternError('expected a value', this.#end);
    if (t.kind === 'punct' && t.text === '(') {
      this.#i++;
      const list: StixValue[] = [this.#value()];
      while (this.#punct(',')) list.push(this.#value());
      this.#expect(')');
      return list;
    }
    this.#i++;
    if (t.kind === 'string' || t.kind === 'typed') return t.value!;
    if (t.kind === 'number') return Number(t.text);
    if (t.kind === 'word' && /^(true|false)$/i.test(t.text)) return t.text.toLowerCase() === 'true';
    throw new PatternError(`expected a value, got ${JSON.stringify(t.text)}`, t.at);
  }
}

/** Parses a STIX pattern; throws PatternError with the position of the first problem. */
export function parsePattern(pattern: string): Expression {
  return new Parser(tokenize(pattern), pattern.length).parse();
}

/** Object paths that name one observable value Riposte knows. */
const PATHS = lookupTable<IndicatorType>({
  'ipv4-addr:value': 'ipv4',
  'ipv6-addr:value': 'ipv6',
  'domain-name:value': 'domain',
  'url:value': 'url',
  'email-addr:value': 'email',
  'email-message:from_ref.value': 'email',
  'email-message:sender_ref.value': 'email',
  'file:name': 'filename',
  "file:hashes.'sha-256'": 'sha256',
  'file:hashes.sha256': 'sha256',
  "file:hashes.'sha256'": 'sha256',
  "file:hashes.'sha-1'": 'sha1',
  'file:hashes.sha1': 'sha1',
  "file:hashes.'sha1'": 'sha1',
  "file:hashes.'md5'": 'md5',
  'file:hashes.md5': 'md5',
});

export interface MappedValue {
  type: IndicatorType;
  value: string;
}

export interface PatternMapping {
  values: MappedValue[];
  /** Why parts of the pattern were not mapped. */
  unmapped: string[];
}

function describe(c: Comparison): string {
  return `${c.path} ${c.negated ? 'NOT ' : ''}${c.operator}`;
}

/**
 * The observable values a pattern is satisfied by on its own: the `=`/`IN` comparisons on known
 * paths in an OR. A conjunction, a sequence or a qualified observation needs more than one value
 * (or a time window) to be true, so matching one observable would claim more than the pattern says.
 */
export function mapPattern(expression: Expression): PatternMapping {
  const out: PatternMapping = { values: [], unmapped: [] };
  const visit = (e: Expression): void => {
    switch (e.kind) {
      case 'observation':
        return visit(e.inner);
      case 'or':
      case 'obs-or':
        visit(e.left);
        return visit(e.right);
      case 'and':
      case 'obs-and':
        out.unmapped.push('an AND of comparisons needs several values at once');
        return;
      case 'followedby':
        out.unmapped.push('FOLLOWEDBY needs a sequence of observations');
        return;
      case 'qualified':
        out.unmapped.push(`the qualifier ${e.qualifier} needs repeated or timed observations`);
        return;
      case 'comparison': {
        const type = PATHS[e.path.toLowerCase()];
        if (!type) {
          out.unmapped.push(`${e.path} has no Riposte observable type`);
          return;
        }
        if (e.negated || (e.operator !== '=' && e.operator !== 'IN')) {
          out.unmapped.push(`${describe(e)} is not an equality`);
          return;
        }
        const values = Array.isArray(e.value) ? e.value : [e.value];
        for (const v of values) {
          if (typeof v !== 'string')
            out.unmapped.push(`${e.path} compared with a non-string ${JSON.stringify(v)}`);
          else out.values.push({ type, value: v });
        }
      }
    }
  };
  visit(expression);
  return out;
}
