/**
 * CACAO 2.0 writes the conditions of if-condition and while-condition steps in the STIX patterning
 * grammar, with playbook variables as operands (`__severity__:value = 'high'`). A CACAO playbook
 * runs on its variables, not on observed STIX objects, so this reads the part of the grammar that
 * compares variables and literals — `=`, `!=`, `<`, `<=`, `>`, `>=`, `IN (…)`, `LIKE`, `MATCHES`,
 * `AND`, `OR`, `NOT`, parentheses and the brackets of an observation expression — and writes the
 * same test as a CEL expression. An object path (`ipv4-addr:value`) names something a playbook run
 * cannot observe and is refused with a message saying so.
 */

export class StixConditionError extends Error {
  override readonly name = 'StixConditionError';
  /** Where in the condition text the problem is (0-based). */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

type Token =
  | { kind: 'variable'; name: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'number'; value: number; at: number }
  | { kind: 'boolean'; value: boolean; at: number }
  | { kind: 'path'; text: string; at: number }
  | { kind: 'word'; value: string; at: number }
  | { kind: 'symbol'; value: string; at: number };

const VARIABLE = /__([A-Za-z][A-Za-z0-9_-]{0,199}?)__:value/y;
const NUMBER = /-?\d+(\.\d+)?/y;
const WORD = /[A-Za-z_][A-Za-z0-9_-]*(:[A-Za-z0-9_.\-[\]*']+)?/y;
const SYMBOLS = ['<=', '>=', '!=', '==', '=', '<', '>', '(', ')', '[', ']', ','];
const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'LIKE', 'MATCHES']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const char = text[at]!;
    if (/\s/.test(char)) {
      at++;
      continue;
    }
    VARIABLE.lastIndex = at;
    const variable = VARIABLE.exec(text);
    if (variable) {
      tokens.push({ kind: 'variable', name: variable[1]!, at });
      at = VARIABLE.lastIndex;
      continue;
    }
    if (char === "'") {
      const { value, end } = readString(text, at);
      tokens.push({ kind: 'string', value, at });
      at = end;
      continue;
    }
    NUMBER.lastIndex = at;
    const number = /[-\d]/.test(char) ? NUMBER.exec(text) : null;
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]), at });
      at = NUMBER.lastIndex;
      continue;
    }
    const symbol = SYMBOLS.find((s) => text.startsWith(s, at));
    if (symbol) {
      tokens.push({ kind: 'symbol', value: symbol, at });
      at += symbol.length;
      continue;
    }
    WORD.lastIndex = at;
    const word = WORD.exec(text);
    if (!word) throw new StixConditionError(`unexpected character "${char}"`, at);
    const upper = word[0].toUpperCase();
    if (word[1] !== undefined) tokens.push({ kind: 'path', text: word[0], at });
    else if (upper === 'TRUE' || upper === 'FALSE')
      tokens.push({ kind: 'boolean', value: upper === 'TRUE', at });
    else if (KEYWORDS.has(upper)) tokens.push({ kind: 'word', value: upper, at });
    else
      throw new StixConditionError(
        `"${word[0]}" is not a variable reference (write __${word[0]}__:value), a literal or an operator`,
        at,
      );
    at = WORD.lastIndex;
  }
  return tokens;
}

function readString(text: string, start: number): { value: string; end: number } {
  let value = '';
  let at = start + 1;
  while (at < text.length) {
    const char = text[at]!;
    if (char === '\\' && at + 1 < text.length) {
      value += text[at + 1];
      at += 2;
      continue;
    }
    if (char === "'") return { value, end: at + 1 };
    value += char;
    at++;
  }
  throw new StixConditionError('the string is not closed by a quote', start);
}

/** How a variable reference is written in CEL (`vars.severity`), or null when it is not declared. */
export type VariableResolver = (name: string) => string | null;

type Operand = Extract<Token, { kind: 'variable' | 'string' | 'number' | 'boolean' }>;

class Parser {
  #index = 0;
  readonly #tokens: Token[];
  readonly #resolve: VariableResolver;
  readonly #end: number;

  constructor(tokens: Token[], resolve: VariableResolver, end: number) {
    this.#tokens = tokens;
    this.#resolve = resolve;
    this.#end = end;
  }

  parse(): string {
    const cel = this.#or();
    const extra = this.#tokens[this.#index];
    if (extra) throw new StixConditionError(`unexpected ${describe(extra)}`, extra.at);
    return cel;
  }

  #peek(): Token | undefined {
    return this.#tokens[this.#index];
  }

  #isWord(value: string): boolean {
    const token = this.#peek();
    return token?.kind === 'word' && token.value === value;
  }

  #isSymbol(value: string): boolean {
    const token = this.#peek();
    return token?.kind === 'symbol' && token.value === value;
  }

  #expectSymbol(value: string): void {
    if (!this.#isSymbol(value)) throw this.#unexpected(`"${value}"`);
    this.#index++;
  }

  #unexpected(expected: string): StixConditionError {
    const token = this.#peek();
    return token
      ? new StixConditionError(`expected ${expected}, found ${describe(token)}`, token.at)
      : new StixConditionError(`expected ${expected} at the end of the condition`, this.#end);
  }

  #or(): string {
    const parts = [this.#and()];
    while (this.#isWord('OR')) {
      this.#index++;
      parts.push(this.#and());
    }
    return parts.length === 1 ? parts[0]! : parts.join(' || ');
  }

  #and(): string {
    const parts = [this.#not()];
    while (this.#isWord('AND')) {
      this.#index++;
      parts.push(this.#not());
    }
    return parts.length === 1 ? parts[0]! : parts.join(' && ');
  }

  #not(): string {
    if (this.#isWord('NOT')) {
      this.#index++;
      return `!(${this.#not()})`;
    }
    return this.#primary();
  }

  #primary(): string {
    for (const [open, close] of [
      ['(', ')'],
      ['[', ']'],
    ] as const) {
      if (this.#isSymbol(open)) {
        this.#index++;
        const inner = this.#or();
        this.#expectSymbol(close);
        return `(${inner})`;
      }
    }
    return this.#comparison();
  }

  #comparison(): string {
    const left = this.#operand();
    const negated = this.#isWord('NOT');
    if (negated) this.#index++;
    const token = this.#peek();
    let cel: string;
    if (token?.kind === 'symbol' && ['=', '==', '!=', '<', '<=', '>', '>='].includes(token.value)) {
      if (negated)
        throw new StixConditionError('NOT goes before a comparison, not before its operator', token.at);
      this.#index++;
      cel = this.#compare(left, token.value === '=' ? '==' : token.value, this.#operand());
    } else if (this.#isWord('IN')) {
      this.#index++;
      this.#expectSymbol('(');
      const items = [this.#operand()];
      while (this.#isSymbol(',')) {
        this.#index++;
        items.push(this.#operand());
      }
      this.#expectSymbol(')');
      cel = `${asString(this.#text(left), left)} in [${items.map((item) => asString(this.#text(item), item)).join(', ')}]`;
    } else if (this.#isWord('LIKE') || this.#isWord('MATCHES')) {
      const like = this.#isWord('LIKE');
      this.#index++;
      const pattern = this.#operand();
      if (pattern.kind !== 'string')
        throw new StixConditionError(`${like ? 'LIKE' : 'MATCHES'} needs a quoted pattern`, pattern.at);
      const regex = like ? likeToRegex(pattern.value) : pattern.value;
      cel = `${asString(this.#text(left), left)}.matches(${JSON.stringify(regex)})`;
    } else {
      throw this.#unexpected('a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES)');
    }
    return negated ? `!(${cel})` : cel;
  }

  #operand(): Operand {
    const token = this.#peek();
    if (token?.kind === 'path')
      throw new StixConditionError(
        `"${token.text}" is a STIX object path: a playbook run observes no STIX objects; compare a variable (__name__:value) instead`,
        token.at,
      );
    if (token === undefined || !['variable', 'string', 'number', 'boolean'].includes(token.kind))
      throw this.#unexpected('a variable (__name__:value) or a literal');
    this.#index++;
    if (token.kind === 'variable' && this.#resolve(token.name) === null)
      throw new StixConditionError(`variable __${token.name}__ is not declared`, token.at);
    return token as Operand;
  }

  #variable(operand: Extract<Operand, { kind: 'variable' }>): string {
    return this.#resolve(operand.name)!;
  }

  /** CACAO variables hold strings (numbers and booleans encoded as strings): compare as the other side's type. */
  #compare(left: Operand, operator: string, right: Operand): string {
    const side = (operand: Operand, other: Operand): string => {
      if (operand.kind !== 'variable') return this.#text(operand);
      const cel = this.#variable(operand);
      if (other.kind === 'number') return `double(${cel})`;
      if (other.kind === 'boolean' || other.kind === 'string') return `string(${cel})`;
      return `string(${cel})`;
    };
    if (left.kind === 'boolean' || right.kind === 'boolean') {
      if (operator !== '==' && operator !== '!=')
        throw new StixConditionError(`booleans compare with = or != only, not ${operator}`, right.at);
    }
    return `${side(left, right)} ${operator} ${side(right, left)}`;
  }

  #text(operand: Operand): string {
    switch (operand.kind) {
      case 'variable':
        return `string(${this.#variable(operand)})`;
      case 'string':
        return JSON.stringify(operand.value);
      case 'number':
        return Number.isInteger(operand.value) ? `${operand.value}.0` : String(operand.value);
      case 'boolean':
        return `"${String(operand.value)}"`;
    }
  }
}

/** Set membership and patterns work on the text of a value: CACAO variables hold strings. */
function asString(cel: string, operand: Operand): string {
  if (operand.kind === 'number') return JSON.stringify(String(operand.value));
  return cel;
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'variable':
      return `variable __${token.name}__`;
    case 'string':
      return `'${token.value}'`;
    case 'number':
    case 'boolean':
      return String(token.value);
    case 'path':
      return `"${token.text}"`;
    case 'word':
    case 'symbol':
      return `"${token.value}"`;
  }
}

/** SQL LIKE (`%` any run, `_` one character) as an anchored regular expression. */
function likeToRegex(pattern: string): string {
  let regex = '^';
  for (const char of pattern) {
    if (char === '%') regex += '.*';
    else if (char === '_') regex += '.';
    else regex += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return `${regex}$`;
}

/** The CEL expression for a CACAO condition; throws StixConditionError naming the place in the text. */
export function stixConditionToCel(condition: string, resolve: VariableResolver): string {
  const tokens = tokenize(condition);
  if (tokens.length === 0) throw new StixConditionError('the condition is empty', 0);
  return new Parser(tokens, resolve, condition.length).parse();
}
