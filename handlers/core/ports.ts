// The three ports of the pipeline core. The cloud (S3, Glue, Athena) and the local run
// (filesystem, DuckDB) differ only in the adapters handed to the same core.
import type { Readable } from 'node:stream';
import type { IdRange } from './id-range.ts';

/** An object in a bucket; locally the bucket is a folder of the lake. */
export interface ObjectRef {
  bucket: string;
  key: string;
}

export interface ObjectInfo {
  size: number;
  etag: string;
}

/** Where objects live. Locations are engine URIs (`s3://bucket/prefix/` or an absolute folder). */
export interface ObjectStore {
  head(ref: ObjectRef): Promise<ObjectInfo | undefined>;
  read(ref: ObjectRef): Promise<Readable>;
  write(ref: ObjectRef, body: Readable): Promise<ObjectInfo>;
  /** Removes every object under a location, so a retried step starts from nothing. */
  clearLocation(location: string): Promise<void>;
  /** Total bytes stored under a location. */
  sizeOfLocation(location: string): Promise<number>;
}

/** Tables that make up the lake. */
export type LakeTable = 'raw_transactions' | 'cleaned_transactions' | 'rejected_transactions';

/** Where tables are registered. */
export interface Catalog {
  /** Fully qualified name of a lake table, e.g. `procureflow_db.cleaned_transactions`. */
  tableName(table: LakeTable): string;
  /** Location of one batch's partition of a lake table; empty until written. */
  partitionLocation(table: LakeTable, batchId: string): string;
  /** Registers a landed text file as a one-column (`line`) external table. */
  registerLandedFile(tableName: string, ref: ObjectRef): Promise<void>;
  /** Drops a work table (metadata only; its data is cleared separately). */
  dropWorkTable(tableName: string): Promise<void>;
  /**
   * The commit: makes the batch's silver, rejects and gold partitions visible to readers, with
   * `parameters` (the batch figures) on the gold partition. Committing twice is a no-op.
   * Locally the three become visible in one atomic step; on Glue, which has no multi-table
   * transaction, gold is registered last and is the commit that readers and re-deliveries see.
   */
  commitBatch(batchId: string, parameters: Record<string, string>, goldLocation?: string): Promise<void>;
  /**
   * Optional: registers what a catalog without multi-table commits registers before a batch's
   * commit (Glue: its silver and rejects partitions), so that a gold turn can do it for the next
   * batch while the previous batch's commit runs. The batch is not committed by it; commitBatch
   * then registers only what is left (gold, the commit). Idempotent.
   */
  stageCommit?(batchId: string): Promise<void>;
  /**
   * Where a group's gold statement writes, partitioned by batch_id (`<location>batch_id=<id>/`);
   * empty until written. A committed batch's gold is found there (commitBatch's `goldLocation`):
   * Glue registers the partition at that folder, the local catalog moves the file into the
   * batch's own partition folder.
   */
  groupLocation(groupId: string): string;
  /** The parameters of a committed batch, or undefined when the batch is not committed. */
  committedBatch(batchId: string): Promise<Record<string, string> | undefined>;
  /**
   * Runs the steps that read gold and then commit as the lake's only gold writer, on the
   * catalog's latest state: first-write-wins dedupe is only right if no other batch commits gold
   * between the read and the commit. Locally a lake-wide lock; in the cloud the FIFO queue's one
   * message group already gives one writer at a time, so it just runs.
   */
  withGoldTurn<T>(run: () => Promise<T>): Promise<T>;
  /**
   * The gold relation that first-write-wins dedupe reads for a batch whose valid ids lie in
   * `range` (id-range.ts): every committed gold row with an id in the range is in it. Glue: the
   * gold table itself (Athena prunes row groups by the SQL's range predicate). Locally: a view over
   * only the committed batches whose recorded gold range overlaps, since DuckDB would otherwise
   * open every file to read its statistics.
   */
  goldTableFor(range: IdRange): Promise<string>;
  /**
   * The greatest transaction_id in committed gold, when the catalog knows it (locally: from the
   * ranges its commits record; undefined when a commit has none, or on Glue). No id above it can
   * be a duplicate, so the dedupe checks only the batch's ids up to it: for ids that grow with
   * time, only the few resent old ones.
   */
  goldIdCeiling?(): Promise<string | undefined>;
  /** Every committed batch with its commit parameters, in commit order (batch-operations.ts). */
  listCommitted(): Promise<CommittedBatchRecord[]>;
  /**
   * Takes a batch out of the lake's tables (metadata only; its files are cleared by the caller).
   * Locally one `drop` entry in the commit log hides silver, rejects and gold at once; on Glue
   * the gold partition (the commit) goes first, then silver and rejects. Returns false when
   * nothing of the batch was registered.
   */
  dropBatch(batchId: string, reason: string): Promise<boolean>;
}

/** A committed batch as the catalog records it. */
export interface CommittedBatchRecord {
  batchId: string;
  /** The commit's parameters: the figures (batch-figures.ts) under `procureflow_figures`. */
  parameters: Record<string, string>;
  /** When the commit was made (ISO 8601), where the catalog knows it. */
  committedAt: string | undefined;
}

export interface StepContext {
  batchId: string;
  step: string;
  /**
   * How many times this step's output was reset after a StaleQueryError (fresh-output.ts); 0 or
   * none the first time. The cloud engine puts it in its idempotency token.
   */
  generation?: number;
}

/** Who runs SQL. */
export interface QueryEngine {
  /** Writes the rows of a SELECT as Snappy Parquet to an empty location and exposes them as `tableName`. */
  materialize(tableName: string, select: string, location: string, context: StepContext): Promise<void>;
  /**
   * Writes the rows of a SELECT whose last column is `batch_id` as Snappy Parquet, one folder per
   * batch (`<location>batch_id=<id>/`), to an empty location, and exposes them as `tableName`
   * (batch_id included). A batch without rows gets no folder.
   */
  materializePartitioned(tableName: string, select: string, location: string, context: StepContext): Promise<void>;
  /** Runs a SELECT and returns its rows as plain objects (numbers for counts). */
  query(select: string, context: StepContext): Promise<Record<string, unknown>[]>;
}
