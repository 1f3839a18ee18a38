// The three ports of the pipeline core. The cloud (S3, Glue, Athena) and the local run
// (filesystem, DuckDB) differ only in the adapters handed to the same core.
import type { Readable } from 'node:stream';

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
  /** Makes a batch's partition of a lake table visible to readers; registering twice is a no-op. */
  registerPartition(table: LakeTable, batchId: string, parameters?: Record<string, string>): Promise<void>;
  /** The parameters of a registered partition, or undefined when the partition is not registered. */
  partitionParameters(table: LakeTable, batchId: string): Promise<Record<string, string> | undefined>;
}

export interface StepContext {
  batchId: string;
  step: string;
}

/** Who runs SQL. */
export interface QueryEngine {
  /** Writes the rows of a SELECT as Snappy Parquet to an empty location and exposes them as `tableName`. */
  materialize(tableName: string, select: string, location: string, context: StepContext): Promise<void>;
  /** Runs a SELECT and returns its rows as plain objects (numbers for counts). */
  query(select: string, context: StepContext): Promise<Record<string, unknown>[]>;
}
