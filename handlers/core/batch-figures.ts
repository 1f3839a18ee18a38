// What a batch did, as recorded on its commit, logged and counted; and the queries that count it.
import type { IdRange } from './id-range.ts';
import { identifier, literal, renderValue } from './sql-template.ts';

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

/** The work tables and names a batch's figures are counted from. */
export interface FigureSources {
  silverStage: string;
  goldStage: string;
  rejectsStage: string;
  /** The lake's gold table, schema-qualified. */
  goldTable: string;
  batchId: string;
  /** The range of the batch's valid ids: only gold rows in it can be duplicates. */
  idRange: IdRange;
}

/**
 * One query per count, each from its own source, so that no figure is derived from the others
 * and the balance can fail: a gold stage that lost or gained a row, or a rejects stage that lost
 * a line, no longer adds up to the silver line count.
 */
export function figureQueries(sources: FigureSources) {
  const silver = renderValue(identifier(sources.silverStage));
  const gold = renderValue(identifier(sources.goldStage));
  const rejects = renderValue(identifier(sources.rejectsStage));
  const goldTable = renderValue(identifier(sources.goldTable));
  const batchId = renderValue(literal(sources.batchId));
  const minId = renderValue(literal(sources.idRange.min));
  const maxId = renderValue(literal(sources.idRange.max));
  return {
    lines: `SELECT count(*) AS lines FROM ${silver}`,
    // The loaded ids' range is recorded with the commit (BatchFigures.goldIds).
    loaded: `SELECT count(*) AS loaded, min(transaction_id) AS min_id, max(transaction_id) AS max_id FROM ${gold}`,
    duplicatesInBatch: `SELECT count(*) - count(DISTINCT transaction_id) AS duplicates FROM ${silver} WHERE reject_reason IS NULL`,
    duplicatesInGold:
      `SELECT count(DISTINCT transaction_id) AS duplicates FROM ${silver} WHERE reject_reason IS NULL` +
      ` AND transaction_id IN (SELECT transaction_id FROM ${goldTable} WHERE batch_id <> ${batchId}` +
      ` AND transaction_id BETWEEN ${minId} AND ${maxId})`,
    rejectsByReason: `SELECT reason, count(*) AS n FROM ${rejects} GROUP BY reason`,
  };
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

/** Partition parameters carry the figures, so the commit and its record are one registration. */
export function figuresToParameters(figures: BatchFigures): Record<string, string> {
  return { procureflow_figures: JSON.stringify(figures) };
}

export function figuresFromParameters(parameters: Record<string, string> | undefined): BatchFigures | undefined {
  const text = parameters?.procureflow_figures;
  return text ? (JSON.parse(text) as BatchFigures) : undefined;
}
