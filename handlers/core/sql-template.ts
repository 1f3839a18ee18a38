// Fills the named placeholders of an analyst's SELECT. Identifiers are checked against a strict
// pattern and literals are escaped, so nothing from an S3 key reaches SQL unchecked.

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,127}(\.[a-z_][a-z0-9_]{0,127})?$/;
const PLACEHOLDER = /\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/g;

export type SqlValue = { kind: 'identifier'; text: string } | { kind: 'literal'; text: string } | { kind: 'relation'; text: string } | { kind: 'date'; text: string };

/** A table or column name, checked against `[a-z_][a-z0-9_]*` with one optional schema part. */
export function identifier(name: string): SqlValue {
  if (!IDENTIFIER.test(name)) throw new Error(`unsafe SQL identifier: ${JSON.stringify(name)}`);
  return { kind: 'identifier', text: name };
}

/** A string literal; quotes are doubled, control characters (line breaks included) refused. */
export function literal(value: string): SqlValue {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new Error(`unsafe SQL literal (control character): ${JSON.stringify(value)}`);
  }
  return { kind: 'literal', text: value };
}

/** A DATE literal (`DATE 'YYYY-MM-DD'`, the same text on Trino and DuckDB); the text is checked. */
export function dateLiteral(isoDate: string): SqlValue {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDate)) throw new Error(`not a YYYY-MM-DD date: ${JSON.stringify(isoDate)}`);
  return { kind: 'date', text: isoDate };
}

/**
 * A derived table: the UNION ALL of whole tables, each with extra constant columns. Built only
 * from checked identifiers and escaped literals or integers, so it is as safe as they are.
 */
export function unionOf(parts: Array<{ table: string; columns: Record<string, SqlValue | number> }>): SqlValue {
  if (parts.length === 0) throw new Error('unionOf: no tables');
  const branch = ({ table, columns }: (typeof parts)[number]) => {
    const extra = Object.entries(columns).map(([name, value]) => {
      identifier(name);
      if (typeof value === 'number') {
        if (!Number.isSafeInteger(value)) throw new Error(`unionOf: ${name} is not an integer`);
        return `${value} AS ${name}`;
      }
      return `${renderValue(value)} AS ${name}`;
    });
    return `SELECT *${extra.map((column) => `, ${column}`).join('')} FROM ${renderValue(identifier(table))}`;
  };
  return { kind: 'relation', text: `(${parts.map(branch).join(' UNION ALL ')})` };
}

/**
 * A derived table with the given varchar columns and no row: `(SELECT CAST(NULL AS varchar) AS a,
 * … WHERE false)`, which Trino and DuckDB both accept without a FROM and plan away.
 */
export function noRows(columns: string[]): SqlValue {
  if (columns.length === 0) throw new Error('noRows: no columns');
  const list = columns.map((name) => `CAST(NULL AS varchar) AS ${renderValue(identifier(name))}`).join(', ');
  return { kind: 'relation', text: `(SELECT ${list} WHERE false)` };
}

/** Renders a value as SQL text. */
export function renderValue(value: SqlValue): string {
  if (value.kind === 'literal') return `'${value.text.replaceAll("'", "''")}'`;
  if (value.kind === 'date') return `DATE '${value.text}'`;
  return value.text;
}

/** Drops whole-line `--` comments, which document placeholders rather than use them. */
export function stripLineComments(template: string): string {
  return template
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .trim();
}

/** Replaces every `{{name}}` in a template; throws on a missing or an unused value. */
export function fillTemplate(template: string, values: Record<string, SqlValue>, templateName = 'template'): string {
  const used = new Set<string>();
  const sql = stripLineComments(template).replace(PLACEHOLDER, (_match, name: string) => {
    const value = values[name];
    if (!value) throw new Error(`${templateName}: no value for placeholder {{${name}}}`);
    used.add(name);
    return renderValue(value);
  });
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (unused.length > 0) throw new Error(`${templateName}: unused values ${unused.join(', ')}`);
  return sql;
}
