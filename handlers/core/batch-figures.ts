// What a batch did, as recorded on its commit, logged and counted; and the queries that count it.
import { type IdRange, idRangeOf } from './id-range.ts';
import { identifier, literal, renderValue, type SqlValue } from './sql-template.ts';

export interface BatchFigures {
  batchId: string;
  sourceFile: string;
  /** Data lines in the file = silver rows of the batch. */
  lines: number;
  /** Rows of the batch's gold stage. */
  loaded: number;
  /** duplicatesInBatch + duplicatesInGold. */
  duplicates: number;
  /** Valid lines that lost the in-batch tie-break: valid silver rows − distinct valid ids. */
  duplicatesInBatch: number;
  /** Distinct valid ids of the batch already in gold from an earlier batch (first write wins). */
  duplicatesInGold: number;
  /** Rows of the batch's rejects stage. */
  rejected: number;
  rejectsByReason: Record<string, number>;
  bytesIn: number;
  bytesOut: { silver: number; gold: number; rejects: number };
  seconds: number;
  /**
   * The smallest and greatest transaction_id loaded into gold by this batch; null when it loaded
   * none. The local catalog reads only the gold of batches whose range overlaps a new batch's ids.
   * Absent on batches committed before it was recorded: they are read for every batch.
   */
  goldIds?: IdRange | null;
}

/** The work tables one file's own figures are counted from. */
export interface FigureSources {
  silverStage: string;
  rejectsStage: string;
}

/**
 * The counts that need this file alone, in ONE query (Athena's fixed cost per query dominates small
 * files, and each query in flight counts against the DML quota): a UNION ALL of one aggregate row
 * over the silver stage (`part = 'silver'`: lines, in-batch duplicates, the range of the valid ids,
 * id-range.ts, and the earliest valid transaction date, dedupe-horizon.ts) and one row per reason over the rejects stage (`part = 'rejects'`). Each count still
 * comes from its own source, so that no figure is derived from the others and the balance can
 * fail: a rejects stage that lost a line, or a gold stage that lost or gained a row (counted by
 * groupFigureQueries), no longer adds up to the silver line count. Conditional aggregates are
 * plain CASE inside count/min/max: the same SQL on Trino and DuckDB.
 */
export function figureQueries(sources: FigureSources) {
  const silver = renderValue(identifier(sources.silverStage));
  const rejects = renderValue(identifier(sources.rejectsStage));
  const valid = (expression: string) => `CASE WHEN reject_reason IS NULL THEN ${expression} END`;
  return {
    file:
      `SELECT 'silver' AS part, CAST(NULL AS varchar) AS reason, count(*) AS n,` +
      ` count(${valid('1')}) - count(DISTINCT ${valid('transaction_id')}) AS duplicates,` +
      ` min(${valid('transaction_id')}) AS min_id, max(${valid('transaction_id')}) AS max_id,` +
      // As text (YYYY-MM-DD on both engines), so the answer reads the same from Athena and DuckDB.
      ` CAST(min(${valid('CAST(transaction_ts AS DATE)')}) AS varchar) AS min_date FROM ${silver}` +
      ` UNION ALL SELECT 'rejects' AS part, reason, count(*) AS n, NULL AS duplicates, NULL AS min_id, NULL AS max_id, NULL AS min_date FROM ${rejects} GROUP BY reason`,
  };
}

/** The answer of figureQueries' `file` query: the silver row's counts and the rejects per reason. */
export function fileFiguresOf(rows: Record<string, unknown>[]): {
  lines: number;
  duplicatesInBatch: number;
  idRange: IdRange | undefined;
  earliestDate: string | undefined;
  rejectsByReason: Record<string, number>;
} {
  const silverRows = rows.filter((row) => row.part === 'silver');
  // One aggregate row without GROUP BY, always: anything else is a wrong answer, not zero.
  if (silverRows.length !== 1) throw new Error(`the file figures query gave ${silverRows.length} silver rows, expected 1`);
  const [silver] = silverRows as [Record<string, unknown>];
  const rejectsByReason = Object.fromEntries(rows.filter((row) => row.part === 'rejects').map((row) => [String(row.reason), Number(row.n)]));
  const earliestDate = silver.min_date === null || silver.min_date === undefined ? undefined : String(silver.min_date);
  return { lines: Number(silver.n ?? Number.NaN), duplicatesInBatch: Number(silver.duplicates ?? Number.NaN), idRange: idRangeOf(silver), earliestDate, rejectsByReason };
}

/** What a group's figures are counted from (process-group.ts). */
export interface GroupFigureSources {
  /** The group's silver rows with batch_id and landing_ordinal (sql-template.ts unionOf). */
  silverGroup: SqlValue;
  /** The gold statement's work table, or the union of them when the turn wrote gold in slices. */
  goldStage: string | SqlValue;
  /** The gold relation for the group's range (Catalog.goldTableFor). */
  goldTable: string;
  idRange: IdRange;
  /** The first transaction_date of gold read (dedupe-horizon.ts horizonStart; no horizon: 0001-01-01). */
  horizonStart: SqlValue;
  /** More than one batch: an id may then also have been written by an earlier file of the group. */
  manyBatches: boolean;
}

/**
 * The counts that need the whole group, one query each, grouped by batch_id (a batch missing from
 * a result has 0). `duplicatesInGold` counts, on its own, each batch's distinct valid ids that an
 * earlier write holds: committed gold (from the dedupe horizon on), or an earlier landed file of the group (first write wins).
 */
export function groupFigureQueries(sources: GroupFigureSources) {
  const silver = renderValue(sources.silverGroup);
  const gold = renderValue(typeof sources.goldStage === 'string' ? identifier(sources.goldStage) : sources.goldStage);
  // The group's ids in committed gold, found from the group's side (few ids in the range) so that
  // no table of every gold id in the range is built; the same shape as the gold SQL's check.
  const inGold = `s.transaction_id IN (SELECT transaction_id ${groupRowsOfGold(sources)})`;
  const earlier = sources.manyBatches
    ? // Only an id on more than one valid line of the group can be an earlier file's: HAVING keeps
      // the join's build side to those few ids instead of every id of the group.
      ` LEFT JOIN (SELECT transaction_id, min(landing_ordinal) AS first_ordinal FROM ${silver} AS f0 WHERE reject_reason IS NULL GROUP BY transaction_id HAVING count(*) > 1) AS f` +
      ' ON f.transaction_id = s.transaction_id AND f.first_ordinal < s.landing_ordinal'
    : '';
  const condition = sources.manyBatches ? `(f.transaction_id IS NOT NULL OR ${inGold})` : inGold;
  return {
    loaded: `SELECT batch_id, count(*) AS loaded, min(transaction_id) AS min_id, max(transaction_id) AS max_id FROM ${gold} GROUP BY batch_id`,
    duplicatesInGold:
      `SELECT s.batch_id, count(DISTINCT s.transaction_id) AS duplicates FROM ${silver} AS s${earlier}` +
      ` WHERE s.reject_reason IS NULL AND ${condition} GROUP BY s.batch_id`,
  };
}

/**
 * The group's ids that committed gold holds (in the range, from the dedupe horizon on), with their
 * transaction_date: the part of {{gold_table}} that the gold statement and the duplicates figure
 * can match, read once. Written to a work table, it stands in for {{gold_table}} in both
 * (GoldTurnPorts.readGoldOnce), so the id column of committed gold is scanned once per turn, not
 * twice; the loaded and duplicates figures are still counted by their own queries.
 */
export function goldLookupQuery(sources: GoldLookupSources): string {
  return `SELECT DISTINCT transaction_id, transaction_date ${groupRowsOfGold(sources)}`;
}

type GoldLookupSources = Pick<GroupFigureSources, 'silverGroup' | 'goldTable' | 'idRange' | 'horizonStart'>;

/**
 * `FROM … WHERE …` of the committed gold rows that can hold the group's valid ids: in the id
 * range, from the dedupe horizon on, and one of the group's ids. Shared by the duplicates figure
 * and the lookup that stands in for gold (goldLookupQuery).
 */
function groupRowsOfGold(sources: GoldLookupSources): string {
  const silver = renderValue(sources.silverGroup);
  const goldTable = renderValue(identifier(sources.goldTable));
  const minId = renderValue(literal(sources.idRange.min));
  const maxId = renderValue(literal(sources.idRange.max));
  const horizon = renderValue(sources.horizonStart);
  return (
    `FROM ${goldTable} WHERE transaction_id BETWEEN ${minId} AND ${maxId}` +
    ` AND transaction_date >= ${horizon} AND transaction_id IN (SELECT transaction_id FROM ${silver} AS r WHERE reject_reason IS NULL AND transaction_id BETWEEN ${minId} AND ${maxId})`
  );
}

/** The contract's balance: lines = loaded + duplicates + rejects, none negative. */
export function balanceHolds(
  figures: Pick<BatchFigures, 'lines' | 'loaded' | 'duplicates' | 'duplicatesInBatch' | 'duplicatesInGold' | 'rejected'>,
): boolean {
  const { lines, loaded, duplicates, duplicatesInBatch, duplicatesInGold, rejected } = figures;
  return (
    loaded >= 0 &&
    duplicatesInBatch >= 0 &&
    duplicatesInGold >= 0 &&
    rejected >= 0 &&
    duplicates === duplicatesInBatch + duplicatesInGold &&
    lines === loaded + duplicates + rejected
  );
}

/**
 * The commit parameter naming where a batch's gold was registered when that is not its own
 * partition folder (Glue: inside its group's location), so a drop clears the right objects.
 */
export const GOLD_LOCATION_PARAMETER = 'procureflow_gold_location';

/** Partition parameters carry the figures, so the commit and its record are one registration. */
export function figuresToParameters(figures: BatchFigures): Record<string, string> {
  return { procureflow_figures: JSON.stringify(figures) };
}

export function figuresFromParameters(parameters: Record<string, string> | undefined): BatchFigures | undefined {
  const text = parameters?.procureflow_figures;
  return text ? (JSON.parse(text) as BatchFigures) : undefined;
}
