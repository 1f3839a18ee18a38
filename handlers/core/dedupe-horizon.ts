// The dedupe horizon (README "Cost against a growing gold", docs/data-contract.md): an optional
// bound, by transaction date, on the gold that first write wins reads. For sources whose ids are
// random the id range cannot skip old gold; with a horizon of N days, only gold rows dated on or
// after the group's earliest valid transaction date minus N days are looked up, so the read stops
// growing with history. The price is in the contract: an id already in gold from a transaction
// dated more than N days earlier is loaded again.
import { dateLiteral, type SqlValue } from './sql-template.ts';

/** No horizon: a date before every transaction, so the SQL text stays the same with or without one. */
export const NO_HORIZON_START = '0001-01-01';

const DAY_MS = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The first transaction_date of gold that the lookup reads, as a DATE literal: the group's earliest
 * valid transaction date minus `days`. No horizon (undefined or 0), no valid line, or a date that
 * does not parse all read the whole gold (NO_HORIZON_START): reading more never loses a duplicate.
 */
export function horizonStart(earliestDate: string | undefined, days: number | undefined): SqlValue {
  if (!days || earliestDate === undefined || !ISO_DATE.test(earliestDate)) return dateLiteral(NO_HORIZON_START);
  const earliest = Date.parse(`${earliestDate}T00:00:00Z`);
  if (Number.isNaN(earliest)) return dateLiteral(NO_HORIZON_START);
  const start = new Date(earliest - days * DAY_MS).toISOString().slice(0, 10);
  // Years before 1 (or beyond 9999) do not print as YYYY-MM-DD: the whole gold is read then.
  return dateLiteral(ISO_DATE.test(start) && start > NO_HORIZON_START ? start : NO_HORIZON_START);
}

/** The earliest of the given dates (YYYY-MM-DD compares as text); undefined when there is none. */
export function earliestOf(dates: Array<string | undefined>): string | undefined {
  return dates.filter((date): date is string => date !== undefined).sort()[0];
}
