// The transaction_id range of a batch, and the one comparison both engines agree on.
//
// First write wins reads gold for the batch's ids; with ids that grow with time, only the gold
// written for nearby ids can hold them. The core passes the range of the batch's valid ids to the
// gold SQL as literals (`transaction_id BETWEEN {{min_id}} AND {{max_id}}`), so Athena skips the
// Parquet row groups whose min/max statistics lie outside it, and asks the catalog for the gold
// relation restricted to it (Catalog.goldTableFor), which the local catalog narrows to the
// committed batches whose recorded gold range overlaps.

export interface IdRange {
  min: string;
  max: string;
}

/**
 * Byte order of the UTF-8 encodings: how Trino compares varchar and how DuckDB compares VARCHAR
 * under its default binary collation. (JavaScript's `<` compares UTF-16 code units, which differs
 * for characters beyond U+FFFF.)
 */
export function compareIds(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Whether two closed ranges share at least one id. */
export function rangesOverlap(a: IdRange, b: IdRange): boolean {
  return compareIds(a.min, b.max) <= 0 && compareIds(b.min, a.max) <= 0;
}

/**
 * The range to read gold for when a batch has no valid line: nothing can be a duplicate, and
 * `BETWEEN '' AND ''` matches no id (a transaction_id is never empty: it is trimmed and required).
 */
export const EMPTY_ID_RANGE: IdRange = { min: '', max: '' };

/** A range from a min/max query row; undefined when the batch had no id (both NULL). */
export function idRangeOf(row: Record<string, unknown> | undefined): IdRange | undefined {
  const min = row?.min_id;
  const max = row?.max_id;
  if (min === null || min === undefined || max === null || max === undefined) return undefined;
  return { min: String(min), max: String(max) };
}
