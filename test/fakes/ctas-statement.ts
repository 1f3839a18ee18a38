// Reads the parts of a CREATE TABLE ... WITH (...) AS SELECT that Athena acts on. The statement
// has already passed Trino's grammar (trino-grammar.ts); this only splits it.

export interface CtasStatement {
  table: string;
  /** Table properties by lower-case name; string literals unquoted. */
  properties: Record<string, string>;
  partitionedBy: string[];
  select: string;
}

/** Index of the parenthesis closing the one at `open`, skipping quoted text. */
function closingParen(sql: string, open: number): number {
  let depth = 0;
  for (let index = open; index < sql.length; index++) {
    const char = sql[index];
    if (char === "'") {
      index = sql.indexOf("'", index + 1);
      while (sql[index + 1] === "'") index = sql.indexOf("'", index + 2);
      if (index < 0) return -1;
    } else if (char === '(') depth++;
    else if (char === ')' && --depth === 0) return index;
  }
  return -1;
}

/** Splits `a = 'x', b = ARRAY['p', 'q']` at top-level commas. */
function splitProperties(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const char of text) {
    if (char === "'") quoted = !quoted;
    if (!quoted && (char === '(' || char === '[')) depth++;
    if (!quoted && (char === ')' || char === ']')) depth--;
    if (!quoted && depth === 0 && char === ',') {
      parts.push(current);
      current = '';
    } else current += char;
  }
  if (current.trim()) parts.push(current);
  return parts;
}

const unquote = (value: string) => value.trim().replace(/^'(.*)'$/s, '$1').replaceAll("''", "'");

export function parseCtas(sql: string): CtasStatement | undefined {
  const head = /^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([A-Za-z0-9_."]+)\s+/i.exec(sql);
  if (!head) return undefined;
  let rest = head[0].length;
  const properties: Record<string, string> = {};
  let partitionedBy: string[] = [];
  const withClause = /^WITH\s*\(/i.exec(sql.slice(rest));
  if (withClause) {
    const open = rest + withClause[0].length - 1;
    const close = closingParen(sql, open);
    if (close < 0) return undefined;
    for (const part of splitProperties(sql.slice(open + 1, close))) {
      const eq = part.indexOf('=');
      const name = part.slice(0, eq).trim().toLowerCase();
      const value = part.slice(eq + 1).trim();
      if (name === 'partitioned_by') partitionedBy = [...value.matchAll(/'([^']*)'/g)].map((match) => (match[1] ?? '').toLowerCase());
      else properties[name] = unquote(value);
    }
    rest = close + 1;
  }
  const as = /^\s*AS\s+/i.exec(sql.slice(rest));
  if (!as) return undefined;
  return { table: (head[1] ?? '').replaceAll('"', '').toLowerCase(), properties, partitionedBy, select: sql.slice(rest + as[0].length).trim() };
}
