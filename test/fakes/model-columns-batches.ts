// The cloud bench's per-batch figure (issue 8: "bytes scanned per batch ≤ 2× the batch's own
// bytes"): every modelled statement is charged to the batches it serves (StatementRecord.batches,
// model-athena.ts): its own batch for silver, rejects and the file's figures; for a group's gold
// statement and figures, each batch of the group in proportion to its landed bytes. So the
// charges of all batches add up to the bytes all statements scanned, whatever the design, and the
// workers design, whose statements interleave across invocations, is judged like the others.
import type { StatementRecord } from './model-athena.ts';

export interface BatchScan {
  /** The batch's landed bytes (its own bytes). */
  bytes: number;
  /** Column-aware bytes scanned on its behalf, of them from committed gold, and the upper bound. */
  scanned: number;
  history: number;
  upperBound: number;
}

export function scanPerBatch(records: readonly StatementRecord[]): Map<string, BatchScan> {
  const batches = new Map<string, BatchScan>();
  for (const record of records) {
    const total = record.batches.reduce((sum, batch) => sum + batch.bytes, 0);
    for (const batch of record.batches) {
      const part = total > 0 ? batch.bytes / total : 1 / record.batches.length;
      const scan = batches.get(batch.batchId) ?? { bytes: batch.bytes, scanned: 0, history: 0, upperBound: 0 };
      scan.scanned += record.scannedBytes * part;
      scan.history += record.historyBytes * part;
      scan.upperBound += record.upperBoundBytes * part;
      batches.set(batch.batchId, scan);
    }
  }
  return batches;
}

/** The largest ratio of a batch's scan (column-aware, history, upper bound) to its own bytes. */
export function worstBatchRatios(batches: Map<string, BatchScan>): { scanned: number; history: number; upperBound: number } {
  let scanned = 0;
  let history = 0;
  let upperBound = 0;
  for (const batch of batches.values()) {
    scanned = Math.max(scanned, batch.scanned / batch.bytes);
    history = Math.max(history, batch.history / batch.bytes);
    upperBound = Math.max(upperBound, batch.upperBound / batch.bytes);
  }
  return { scanned, history, upperBound };
}
