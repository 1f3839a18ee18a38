// Operations on committed batches, the same on the local lake and on a deployed stack: list them
// with their figures, drop one from silver, gold and rejects, and reprocess one from its bronze
// object with today's SQL. Only the ports differ (local-lake.ts, aws-lake.ts).
//
// First write wins, after a drop or a reprocess (docs/deploy.md, "Operating batches"): a drop removes exactly the rows the batch wrote, nothing else. The ids
// it had loaded into gold are free again: any later landing, or the reprocess of the batch, loads
// them. Ids that later batches skipped as duplicates of the dropped batch do NOT come back: those
// batches committed without them (their figures count them in duplicatesInGold), and no batch is
// rewritten by another's drop. They stay absent from gold until their own file is reprocessed.
import { batchIdFor } from './batch-identity.ts';
import { type BatchFigures, figuresFromParameters, GOLD_LOCATION_PARAMETER } from './batch-figures.ts';
import { type BatchPorts, type BatchResult, processBatch } from './process-batch.ts';
import type { Catalog, LakeTable, ObjectRef, ObjectStore } from './ports.ts';
import { LAKE_TABLES } from './tables.ts';

/** One row of the `batches` table: a committed batch's figures as columns. */
export interface BatchRow {
  batch_id: string;
  source_file: string | null;
  lines: number | null;
  loaded: number | null;
  duplicates_in_batch: number | null;
  duplicates_in_gold: number | null;
  rejected: number | null;
  /** `{"reason": count}` as JSON text, reasons sorted. */
  rejects_by_reason: string | null;
  bytes_in: number | null;
  bytes_out_silver: number | null;
  bytes_out_gold: number | null;
  bytes_out_rejects: number | null;
  committed_at: string | null;
  seconds: number | null;
}

/** The columns of the `batches` table, in order, with the SQL type each holds. */
export const BATCH_COLUMNS: ReadonlyArray<{ name: keyof BatchRow; type: 'VARCHAR' | 'BIGINT' | 'DOUBLE' | 'TIMESTAMP' }> = [
  { name: 'batch_id', type: 'VARCHAR' },
  { name: 'source_file', type: 'VARCHAR' },
  { name: 'lines', type: 'BIGINT' },
  { name: 'loaded', type: 'BIGINT' },
  { name: 'duplicates_in_batch', type: 'BIGINT' },
  { name: 'duplicates_in_gold', type: 'BIGINT' },
  { name: 'rejected', type: 'BIGINT' },
  { name: 'rejects_by_reason', type: 'VARCHAR' },
  { name: 'bytes_in', type: 'BIGINT' },
  { name: 'bytes_out_silver', type: 'BIGINT' },
  { name: 'bytes_out_gold', type: 'BIGINT' },
  { name: 'bytes_out_rejects', type: 'BIGINT' },
  { name: 'committed_at', type: 'TIMESTAMP' },
  { name: 'seconds', type: 'DOUBLE' },
];

const sortedJson = (counts: Record<string, number>) => JSON.stringify(Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));

/** A committed batch's row; a commit without figures (an old or foreign entry) keeps nulls. */
export function batchRow(batchId: string, parameters: Record<string, string>, committedAt: string | undefined): BatchRow {
  const f: BatchFigures | undefined = figuresFromParameters(parameters);
  return {
    batch_id: batchId,
    source_file: f?.sourceFile ?? null,
    lines: f?.lines ?? null,
    loaded: f?.loaded ?? null,
    duplicates_in_batch: f?.duplicatesInBatch ?? null,
    duplicates_in_gold: f?.duplicatesInGold ?? null,
    rejected: f?.rejected ?? null,
    rejects_by_reason: f ? sortedJson(f.rejectsByReason) : null,
    bytes_in: f?.bytesIn ?? null,
    bytes_out_silver: f?.bytesOut.silver ?? null,
    bytes_out_gold: f?.bytesOut.gold ?? null,
    bytes_out_rejects: f?.bytesOut.rejects ?? null,
    committed_at: committedAt ?? null,
    seconds: f?.seconds ?? null,
  };
}

/** Every committed batch as a row, in commit order. */
export async function listBatches(catalog: Catalog): Promise<BatchRow[]> {
  const committed = await catalog.listCommitted();
  return committed.map((batch) => batchRow(batch.batchId, batch.parameters, batch.committedAt));
}

export interface DropResult {
  batchId: string;
  /** False when nothing of the batch was registered (an unknown id, or a drop already done). */
  dropped: boolean;
  /** The figures the batch had, when it was committed. */
  figures: BatchFigures | undefined;
}

/**
 * Removes one batch from silver, gold and rejects: first from the catalog (readers stop seeing
 * it at once), then its three partition folders. A crash in between leaves folders that no
 * commit names; running the drop again (or `repair` locally) removes them.
 */
export async function dropBatch(ports: { catalog: Catalog; store: ObjectStore }, batchId: string, reason = 'dropped by procureflow drop'): Promise<DropResult> {
  const { catalog, store } = ports;
  const parameters = await catalog.committedBatch(batchId);
  const figures = figuresFromParameters(parameters);
  const dropped = await catalog.dropBatch(batchId, reason);
  if (dropped || figures) {
    for (const table of ['cleaned_transactions', ...LAKE_TABLES.filter((t) => t !== 'cleaned_transactions')] as LakeTable[]) {
      await store.clearLocation(catalog.partitionLocation(table, batchId));
      // A group commit's gold lives where its group statement wrote it (process-group.ts).
      const goldLocation = parameters?.[GOLD_LOCATION_PARAMETER];
      if (table === 'cleaned_transactions' && goldLocation) await store.clearLocation(goldLocation);
    }
  }
  return { batchId, dropped, figures };
}

/** `bucket/key` (a batch's sourceFile) → the bronze object. */
export function sourceRef(sourceFile: string): ObjectRef {
  const slash = sourceFile.indexOf('/');
  if (slash <= 0 || slash === sourceFile.length - 1) throw new Error(`'${sourceFile}' is not a bucket/key source file`);
  return { bucket: sourceFile.slice(0, slash), key: sourceFile.slice(slash + 1) };
}

export interface ReprocessResult {
  before: BatchFigures;
  result: BatchResult;
}

/**
 * Runs a committed batch again from its bronze object with today's SQL, under the same batch id:
 * checks that the bronze object still has the content the batch was made from (same id), drops
 * the batch, then processes the landing again. Between the drop and the new commit the batch is
 * not visible to readers.
 */
export async function reprocessBatch(ports: BatchPorts, batchId: string): Promise<ReprocessResult> {
  const parameters = await ports.catalog.committedBatch(batchId);
  const before = figuresFromParameters(parameters);
  if (!before) throw new Error(`batch ${batchId} is not committed (see \`procureflow batches\`); land its file to process it`);
  const ref = sourceRef(before.sourceFile);
  const info = await ports.store.head(ref);
  if (!info) throw new Error(`batch ${batchId}: its bronze object ${before.sourceFile} no longer exists; nothing dropped`);
  if (batchIdFor(ref, info.etag) !== batchId) {
    throw new Error(`batch ${batchId}: ${before.sourceFile} has changed since the batch was made (it is now another batch); nothing dropped. Drop the batch if it must go; the new content is a landing of its own`);
  }
  await dropBatch(ports, batchId, 'dropped by procureflow reprocess');
  const result = await processBatch({ ref, size: info.size, etag: info.etag }, ports);
  return { before, result };
}
