// Evaluate a Kconfig dependency expression against a .config (tristate logic: n=0, m=1, y=2), to say
// which part of `depends on A && (B || C)` is the one that is off.
export type Values = ReadonlyMap<string, string>;

type Token = { kind: 'sym' | 'str' | 'op'; text: string };

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(&&|\|\||!=|<=|>=|[!()=<>])|"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_$.-]+))/y;
  while (re.lastIndex < expr.length) {
    const m = re.exec(expr);
    if (m === null) break;
    if (m[1] !== undefined) tokens.push({ kind: 'op', text: m[1] });
    else if (m[2] !== undefined) tokens.push({ kind: 'str', text: m[2] });
    else if (m[3] !== undefined) tokens.push({ kind: 'str', text: m[3] });
    else if (m[4] !== undefined) tokens.push({ kind: 'sym', text: m[4] });
    if (/^\s*$/.test(expr.slice(re.lastIndex))) break;
  }
  return tokens;
}

/** The value of a symbol as a string: 'y' / 'm' / 'n' for constants, the .config value, 'n' when unset. */
function symbolValue(tok: Token, values: Values): string {
  if (tok.kind === 'str') return tok.text;
  if (tok.text === 'y' || tok.text === 'm' || tok.text === 'n') return tok.text;
  const v = values.get(tok.text);
  if (v === undefined) return /^-?\d+$/.test(tok.text) || /^0x[0-9a-f]+$/i.test(tok.text) ? tok.text : 'n';
  return v.replace(/^"(.*)"$/, '$1');
}

const tri = (v: string): number => (v === 'y' ? 2 : v === 'm' ? 1 : 0);

/** Tristate value of the expression (0, 1, 2); unparsable input counts as off. */
export function evaluate(expr: string, values: Values): number {
  const tokens = tokenize(expr);
  let pos = 0;
  const peek = () => tokens[pos];
  function primary(): { tri: number; raw?: string } {
    const t = tokens[pos++];
    if (t === undefined) return { tri: 0 };
    if (t.kind === 'op' && t.text === '!') return { tri: 2 - primary().tri };
    if (t.kind === 'op' && t.text === '(') {
      const v = or();
      if (peek()?.text === ')') pos += 1;
      return { tri: v };
    }
    const raw = symbolValue(t, values);
    const op = peek();
    if (op?.kind === 'op' && ['=', '!=', '<', '>', '<=', '>='].includes(op.text)) {
      pos += 1;
      const rhsTok = tokens[pos++];
      const rhs = rhsTok === undefined ? '' : symbolValue(rhsTok, values);
      const num = (s: string) => Number(s);
      const both = !Number.isNaN(num(raw)) && !Number.isNaN(num(rhs)) && raw !== '' && rhs !== '';
      const cmp = both ? num(raw) - num(rhs) : raw < rhs ? -1 : raw > rhs ? 1 : 0;
      const res =
        op.text === '='
          ? cmp === 0
          : op.text === '!='
            ? cmp !== 0
            : op.text === '<'
              ? cmp < 0
              : op.text === '>'
                ? cmp > 0
                : op.text === '<='
                  ? cmp <= 0
                  : cmp >= 0;
      return { tri: res ? 2 : 0 };
    }
    return { tri: tri(raw), raw };
  }
  function and(): number {
    let v = primary().tri;
    while (peek()?.text === '&&') {
      pos += 1;
      v = Math.min(v, primary().tri);
    }
    return v;
  }
  function or(): number {
    let v = and();
    while (peek()?.text === '||') {
      pos += 1;
      v = Math.max(v, and());
    }
    return v;
  }
  return or();
}

/** Split on top-level `&&`: "A && (B || C) && !D" → ["A", "(B || C)", "!D"]. */
export function conjuncts(expr: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expr.length; i += 1) {
    const c = expr[i];
    if (c === '(') depth += 1;
    else if (c === ')') depth -= 1;
    else if (c === '&' && expr[i + 1] === '&' && depth === 0) {
      parts.push(expr.slice(start, i).trim());
      start = i + 2;
      i += 1;
    }
  }
  parts.push(expr.slice(start).trim());
  return parts.filter((p) => p !== '');
}

/** "A && (B || C)" → "A=y && (B=n || C=y)": every symbol with its current value. */
export function annotate(expr: string, values: Values): string {
  return expr.replace(/(?<![\w"'])([A-Z][A-Z0-9_]*)(?![\w"'])/g, (name: string) => `${name}=${values.get(name) ?? 'n'}`);
}
