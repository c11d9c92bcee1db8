/**
 * The part of urlscan's search syntax the fake understands: `field:value`, `field:"phrase"`,
 * `date:>now-7d`, bare words (matched against the URL), `*`, AND / OR (AND binds tighter; a space
 * means AND) and parentheses. Enough to answer the queries a connector sends; anything else matches nothing.
 */

export interface Searchable {
  taskUrl: string;
  pageUrl: string;
  domain: string;
  ip: string;
  country: string;
  uuid: string;
  timeMs: number;
}

type Matcher = (doc: Searchable) => boolean;

function tokenize(q: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '(' || c === ')') tokens.push(q[i++]!);
    else {
      let token = '';
      while (i < q.length && !/[\s()]/.test(q[i]!)) {
        if (q[i] === '"') {
          token += q[i++];
          while (i < q.length && q[i] !== '"') token += q[i] === '\\' ? q[i++]! + (q[i++] ?? '') : q[i++];
          token += q[i++] ?? '';
        } else token += q[i++];
      }
      tokens.push(token);
    }
  }
  return tokens;
}

const unquote = (v: string) =>
  v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;

const isUnder = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`);

function term(token: string, now: number): Matcher {
  if (token === '*') return () => true;
  const colon = token.indexOf(':');
  if (colon < 0) {
    const word = unquote(token).toLowerCase();
    return (d) => d.taskUrl.toLowerCase().includes(word) || d.pageUrl.toLowerCase().includes(word);
  }
  const field = token.slice(0, colon);
  const value = unquote(token.slice(colon + 1));
  switch (field) {
    case 'task.url':
      return (d) => d.taskUrl === value;
    case 'page.url':
      return (d) => d.pageUrl === value;
    case 'domain':
    case 'page.domain':
      return (d) => isUnder(d.domain, value.toLowerCase());
    case 'ip':
    case 'page.ip':
      return (d) => d.ip === value;
    case 'country':
    case 'page.country':
      return (d) => d.country.toLowerCase() === value.toLowerCase();
    case '_id':
    case 'task.uuid':
      return (d) => d.uuid === value;
    case 'date': {
      const m = /^>now-(\d+)([dhm])$/.exec(value);
      if (!m) return () => false;
      const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
      return (d) => d.timeMs > now - Number(m[1]) * unit;
    }
    default:
      return () => false;
  }
}

export function compileQuery(q: string, now = Date.now()): Matcher {
  const tokens = tokenize(q);
  let at = 0;
  const or = (): Matcher => {
    const parts = [and()];
    while (tokens[at] === 'OR') {
      at++;
      parts.push(and());
    }
    return (d) => parts.some((p) => p(d));
  };
  const and = (): Matcher => {
    const parts = [atom()];
    while (at < tokens.length && tokens[at] !== ')' && tokens[at] !== 'OR') {
      if (tokens[at] === 'AND') at++;
      parts.push(atom());
    }
    return (d) => parts.every((p) => p(d));
  };
  const atom = (): Matcher => {
    const token = tokens[at++];
    if (token === undefined) return () => false;
    if (token === '(') {
      const inner = or();
      if (tokens[at] === ')') at++;
      return inner;
    }
    return term(token, now);
  };
  return tokens.length === 0 ? () => true : or();
}
