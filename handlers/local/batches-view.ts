// The local `batches` view: one row per committed batch, its figures as columns, built from the
// commit log the catalog already holds in memory (no file is read or written, so a reader can
// build it). The rows are literals: the view changes with every commit, as the table views do.
import { BATCH_COLUMNS, type BatchRow } from '../core/batch-operations.ts';
import { literal, renderValue } from '../core/sql-template.ts';

function sqlValue(value: string | number | null, type: (typeof BATCH_COLUMNS)[number]['type']): string {
  if (value === null) return `CAST(NULL AS ${type})`;
  if (typeof value === 'number') return Number.isFinite(value) ? `CAST(${value} AS ${type})` : `CAST(NULL AS ${type})`;
  // An ISO instant (`…T…Z`, UTC) as the plain UTC timestamp DuckDB's TIMESTAMP reads.
  const text = type === 'TIMESTAMP' ? value.replace('T', ' ').replace(/Z$/, '') : value;
  return `CAST(${renderValue(literal(text))} AS ${type})`;
}

/** The SELECT of the view over `rows`; typed and empty when there are none. */
export function batchesViewSelect(rows: BatchRow[]): string {
  const typedNulls = BATCH_COLUMNS.map((column) => `CAST(NULL AS ${column.type}) AS ${column.name}`).join(', ');
  const parts = [`SELECT ${typedNulls} WHERE false`];
  if (rows.length > 0) {
    const values = rows.map((row) => `(${BATCH_COLUMNS.map((column) => sqlValue(row[column.name], column.type)).join(', ')})`);
    parts.push(`SELECT * FROM (VALUES ${values.join(',\n')}) AS committed(${BATCH_COLUMNS.map((column) => column.name).join(', ')})`);
  }
  return parts.join('\nUNION ALL ');
}
