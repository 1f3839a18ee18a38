// The catalog port on the AWS Glue Data Catalog.
//
// A landed file becomes a one-column (`line string`) text table without copying it: Athena reads
// every object under a table's LOCATION, and a landed key is a file, not a folder. So the table
// uses SymlinkTextInputFormat: its LOCATION is a work folder holding one manifest that lists the
// landed object's URI, and Athena reads exactly that object (a `.dat.gz` is decompressed by its
// extension). LazySimpleSerDe hands the whole line to the one column:
// `serialization.last.column.takes.rest` makes the field delimiter irrelevant (a line may hold
// any byte), `serialization.null.format` is a line feed, which never occurs inside a line, so a
// line reading `\N` stays text (the silver SELECT judges it) instead of turning NULL. No header
// skip: the silver SELECT recognises header lines itself. Lines end at LF, CR LF or CR.
//
// A landed key Athena cannot read as is (hidden base name, upper-case `.GZ`; see
// athena-readable-key.ts) is first copied server-side under the silver bucket's LANDED_COPY_PREFIX
// with a safe lower-case name, and the manifest lists the copy; the copy goes with its work table.
//
// Partitions are the commit: a batch's partition of a lake table is registered with the lake
// table's own storage descriptor (Parquet, Snappy) pointing at the batch's location.
// Glue actions called: CreateTable, DeleteTable, GetTable, CreatePartition, GetPartition; and
// by the batch operations (batch-operations.ts, an operator's CLI): GetPartitions, DeletePartition.
import {
  CreatePartitionCommand,
  CreateTableCommand,
  DeletePartitionCommand,
  DeleteTableCommand,
  GetPartitionCommand,
  GetPartitionsCommand,
  GetTableCommand,
  type GlueClient,
  type PartitionInput,
  type StorageDescriptor,
} from '@aws-sdk/client-glue';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { cutLongLines } from './long-line-cut.ts';
import type { Catalog, CommittedBatchRecord, LakeTable, ObjectRef, ObjectStore } from '../core/ports.ts';
import type { IdRange } from '../core/id-range.ts';
import { GOLD_LOCATION_PARAMETER } from '../core/batch-figures.ts';
import { identifier } from '../core/sql-template.ts';
import { LANDED_COPY_PREFIX, LANDED_MANIFEST_PREFIX } from '../core/lake-prefixes.ts';
import { TABLE_LAYER } from '../core/tables.ts';
import { copyExtension, unreadableKeyReason } from './athena-readable-key.ts';
import { isAlreadyExists, isNotFound } from './aws-errors.ts';
import type { PipelineLog } from '../core/pipeline-log.ts';
import { silentLog } from '../core/pipeline-log.ts';

/** Server-side copies (S3ObjectStore.copy). */
export interface ObjectCopier {
  copy(from: ObjectRef, to: ObjectRef, size: number): Promise<void>;
}

export interface GlueCatalogOptions {
  client: GlueClient;
  /** Writes the symlink manifests. */
  store: ObjectStore;
  database: string;
  buckets: { silver: string; gold: string };
  /** Where landed-file manifests live (default `s3://<silver>/_work/landed/`); expire it by lifecycle. */
  manifestRoot?: string;
  /** Makes the safe copies of keys Athena cannot read as is (without one, such keys are refused). */
  copier?: ObjectCopier;
  log?: PipelineLog;
}

export const SYMLINK_INPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat';
export const TEXT_OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';
export const LAZY_SIMPLE_SERDE = 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe';

/** SerDe parameters that give every line, whole and never NULL, to the single `line` column. */
export const LINE_SERDE_PARAMETERS: Record<string, string> = {
  'field.delim': '\u0001',
  'serialization.format': '\u0001',
  'serialization.last.column.takes.rest': 'true',
  'serialization.null.format': '\n',
};

/** The manifest line for an object; Athena resolves it as a path. */
export function manifestBody(ref: ObjectRef): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(ref.key)) throw new Error(`s3://${ref.bucket}/${ref.key}: a key with a control character cannot be listed in a manifest`);
  return `s3://${ref.bucket}/${ref.key}\n`;
}

export class GlueCatalog implements Catalog {
  private readonly database: string;
  private readonly manifestRoot: string;
  /** Lake tables' storage descriptors, read once per container. */
  private readonly descriptors = new Map<LakeTable, StorageDescriptor>();
  /** Batches whose silver and rejects partitions this process registered ahead of their commit. */
  private readonly staged = new Set<string>();
  /** Work tables whose landed file was copied in this container: their copy goes when they are dropped. */
  private readonly copied = new Set<string>();
  /** Landed files registered in this container, by work table: what a repair pass reads. */
  private readonly landed = new Map<string, ObjectRef>();

  constructor(private readonly options: GlueCatalogOptions) {
    identifier(options.database);
    this.database = options.database;
    this.manifestRoot = options.manifestRoot ?? `s3://${options.buckets.silver}/${LANDED_MANIFEST_PREFIX}`;
    if (!/^s3:\/\/[^/]+\/(.+\/)?$/.test(this.manifestRoot)) throw new Error(`manifestRoot must be an s3:// folder ending in '/': ${this.manifestRoot}`);
  }

  tableName(table: LakeTable): string {
    return `${this.database}.${table}`;
  }

  partitionLocation(table: LakeTable, batchId: string): string {
    identifier(batchId);
    const bucket = this.options.buckets[TABLE_LAYER[table]];
    return `s3://${bucket}/${table}/batch_id=${batchId}/`;
  }

  /** The folder whose one manifest lists a landed file. */
  manifestLocation(tableName: string): string {
    return `${this.manifestRoot}${this.bareName(tableName)}/`;
  }

  /** The folder (silver bucket, LANDED_COPY_PREFIX) holding a work table's safe copy, if any. */
  copyLocation(tableName: string): string {
    return `s3://${this.options.buckets.silver}/${LANDED_COPY_PREFIX}${this.bareName(tableName)}/`;
  }

  /** The object Athena reads for a landed file: the file itself, or a safe copy made now. */
  async readableRef(tableName: string, ref: ObjectRef): Promise<ObjectRef> {
    const reason = unreadableKeyReason(ref.key);
    if (!reason) return ref;
    const { copier, store } = this.options;
    if (!copier) throw new Error(`s3://${ref.bucket}/${ref.key}: Athena cannot read this key (${reason}) and no copier is configured`);
    const info = await store.head(ref);
    if (!info) throw new Error(`s3://${ref.bucket}/${ref.key}: the landed object does not exist`);
    const name = this.bareName(tableName);
    const copy = { bucket: this.options.buckets.silver, key: `${LANDED_COPY_PREFIX}${name}/${name}${copyExtension(ref.key)}` };
    await copier.copy(ref, copy, info.size);
    this.copied.add(name);
    (this.options.log ?? silentLog).info('landed key copied under a name Athena reads', { sourceFile: `${ref.bucket}/${ref.key}`, reason, copy: `s3://${copy.bucket}/${copy.key}` });
    return copy;
  }

  async registerLandedFile(tableName: string, ref: ObjectRef): Promise<void> {
    const name = this.bareName(tableName);
    const location = this.manifestLocation(tableName);
    const [, bucket, prefix] = /^s3:\/\/([^/]+)\/(.*)$/.exec(location) as RegExpExecArray;
    const target = await this.readableRef(tableName, ref);
    this.landed.set(name, ref);
    await this.options.store.write({ bucket: bucket as string, key: `${prefix}manifest` }, Readable.from([manifestBody(target)]));
    try {
      await this.options.client.send(
        new CreateTableCommand({
          DatabaseName: this.database,
          TableInput: {
            Name: name,
            TableType: 'EXTERNAL_TABLE',
            Parameters: { EXTERNAL: 'TRUE', classification: 'text', procureflow_source: `s3://${ref.bucket}/${ref.key}` },
            StorageDescriptor: {
              Columns: [{ Name: 'line', Type: 'string' }],
              Location: location,
              InputFormat: SYMLINK_INPUT_FORMAT,
              OutputFormat: TEXT_OUTPUT_FORMAT,
              SerdeInfo: { SerializationLibrary: LAZY_SIMPLE_SERDE, Parameters: { ...LINE_SERDE_PARAMETERS } },
            },
          },
        }),
      );
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }

  /**
   * The repair pass for a landed file with a line over Athena's limit (long-line-cut.ts): streams
   * the landed object once (decompressing a `.gz`) through the line cutter into a plain `.dat`
   * copy under LANDED_COPY_PREFIX, and points the work table's manifest at it. Memory stays flat:
   * the read is a stream and the write a multipart upload of fixed-size parts.
   */
  async repairLongLines(batchId: string): Promise<{ copy: ObjectRef; cutLines: number }> {
    const names = [...this.landed.keys()].filter((name) => name.endsWith(`_${batchId}`));
    if (names.length !== 1) throw new Error(`batch ${batchId}: ${names.length} landed files registered in this container, cannot repair`);
    const name = names[0] as string;
    const ref = this.landed.get(name) as ObjectRef;
    const { store } = this.options;
    const copy = { bucket: this.options.buckets.silver, key: `${LANDED_COPY_PREFIX}${name}/${name}.dat` };
    const source = await store.read(ref);
    const cutter = cutLongLines();
    const plain = /\.gz$/i.test(ref.key) ? source.pipe(createGunzip()) : source;
    plain.on('error', (error) => cutter.destroy(error));
    source.on('error', (error) => cutter.destroy(error));
    await store.write(copy, plain.pipe(cutter));
    this.copied.add(name);
    const [, bucket, prefix] = /^s3:\/\/([^/]+)\/(.*)$/.exec(this.manifestLocation(name)) as RegExpExecArray;
    await store.write({ bucket: bucket as string, key: `${prefix}manifest` }, Readable.from([manifestBody(copy)]));
    return { copy, cutLines: cutter.cutLines() };
  }

  async dropWorkTable(tableName: string): Promise<void> {
    const name = this.bareName(tableName);
    try {
      await this.options.client.send(new DeleteTableCommand({ DatabaseName: this.database, Name: name }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    // A copy made by an earlier container is left to the lifecycle rule that expires LANDED_COPY_PREFIX.
    this.landed.delete(name);
    if (this.copied.delete(name)) await this.options.store.clearLocation(this.copyLocation(name));
  }

  /**
   * Silver and rejects first, gold last: the gold partition is the commit readers see. A group's
   * gold is registered where its statement wrote it (`goldLocation`, inside groupLocation).
   * Between the calls a reader may see the batch's silver or rejects without its gold; a
   * re-delivery sees the batch as not committed (gold absent) and redoes it, and CreatePartition
   * of an existing partition is tolerated.
   */
  async stageCommit(batchId: string): Promise<void> {
    await this.registerSilverAndRejects(batchId);
    this.staged.add(batchId);
  }

  async commitBatch(batchId: string, parameters: Record<string, string>, goldLocation?: string): Promise<void> {
    // Silver and rejects in parallel (unless stageCommit did it), gold after both: gold is the
    // commit readers and re-deliveries see.
    if (!this.staged.delete(batchId)) await this.registerSilverAndRejects(batchId);
    const recorded = goldLocation === undefined ? parameters : { ...parameters, [GOLD_LOCATION_PARAMETER]: goldLocation };
    await this.registerPartition('cleaned_transactions', batchId, recorded, goldLocation);
  }

  private async registerSilverAndRejects(batchId: string): Promise<void> {
    await Promise.all([this.registerPartition('raw_transactions', batchId), this.registerPartition('rejected_transactions', batchId)]);
  }

  /** A group's gold statement writes under the gold table's folder, one sub-folder per batch. */
  groupLocation(groupId: string): string {
    identifier(groupId);
    return `s3://${this.options.buckets.gold}/cleaned_transactions/groups/${groupId}/`;
  }

  async committedBatch(batchId: string): Promise<Record<string, string> | undefined> {
    return this.partitionParameters('cleaned_transactions', batchId);
  }

  /** The FIFO queue's single message group already makes the cleaner the only gold writer. */
  async withGoldTurn<T>(run: () => Promise<T>): Promise<T> {
    return run();
  }

  /**
   * The gold table itself: the gold SQL's `transaction_id BETWEEN` literals let Athena skip the
   * Parquet row groups whose min/max statistics lie outside the batch's range (predicate pushdown:
   * "Each block holds statistics for the block, such as max/min values. When a query is being
   * run, these statistics determine whether the block should be read or skipped", AWS Big Data
   * blog "Top 10 Performance Tuning Tips for Amazon Athena", Use columnar file formats).
   */
  async goldTableFor(_range: IdRange): Promise<string> {
    return this.tableName('cleaned_transactions');
  }

  /**
   * Every gold partition (a commit) with its parameters, through GetPartitions, page by page
   * (NextToken: "A continuation token, if the returned list of partitions does not include the
   * last one", GetPartitions in the Glue API reference). Athena's SQL cannot read partition
   * parameters, so this listing is how the figures reach an operator. Sorted by creation time.
   */
  async listCommitted(): Promise<CommittedBatchRecord[]> {
    const records: Array<CommittedBatchRecord & { created: number }> = [];
    let nextToken: string | undefined;
    do {
      const out = await this.options.client.send(
        new GetPartitionsCommand({ DatabaseName: this.database, TableName: 'cleaned_transactions', ...(nextToken ? { NextToken: nextToken } : {}) }),
      );
      for (const partition of out.Partitions ?? []) {
        const batchId = partition.Values?.[0];
        if (!batchId) continue;
        const created = partition.CreationTime;
        records.push({ batchId, parameters: { ...(partition.Parameters ?? {}) }, committedAt: created?.toISOString(), created: created?.getTime() ?? 0 });
      }
      nextToken = out.NextToken;
    } while (nextToken);
    return records.sort((a, b) => a.created - b.created || (a.batchId < b.batchId ? -1 : 1)).map(({ created: _created, ...record }) => record);
  }

  /**
   * Deletes the batch's partitions, gold first: gold is the commit, so once it is gone readers
   * and re-deliveries see the batch as not committed, and a crash before silver and rejects are
   * deleted leaves only partitions a second drop removes. A missing partition is skipped
   * (DeletePartition answers EntityNotFoundException, Glue API reference "Errors").
   */
  async dropBatch(batchId: string, _reason: string): Promise<boolean> {
    identifier(batchId);
    let found = false;
    for (const table of ['cleaned_transactions', 'raw_transactions', 'rejected_transactions'] as LakeTable[]) {
      try {
        await this.options.client.send(new DeletePartitionCommand({ DatabaseName: this.database, TableName: table, PartitionValues: [batchId] }));
        found = true;
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return found;
  }

  async registerPartition(table: LakeTable, batchId: string, parameters: Record<string, string> = {}, location?: string): Promise<void> {
    const input = await this.partitionInput(table, batchId, parameters, location);
    try {
      await this.options.client.send(new CreatePartitionCommand({ DatabaseName: this.database, TableName: table, PartitionInput: input }));
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }

  async partitionParameters(table: LakeTable, batchId: string): Promise<Record<string, string> | undefined> {
    identifier(batchId);
    try {
      const out = await this.options.client.send(
        new GetPartitionCommand({ DatabaseName: this.database, TableName: table, PartitionValues: [batchId] }),
      );
      return out.Partition ? { ...(out.Partition.Parameters ?? {}) } : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async partitionInput(table: LakeTable, batchId: string, parameters: Record<string, string>, location?: string): Promise<PartitionInput> {
    const descriptor = await this.storageDescriptor(table);
    return {
      Values: [batchId],
      StorageDescriptor: { ...descriptor, Location: location ?? this.partitionLocation(table, batchId) },
      Parameters: { ...parameters },
    };
  }

  private async storageDescriptor(table: LakeTable): Promise<StorageDescriptor> {
    const cached = this.descriptors.get(table);
    if (cached) return cached;
    const out = await this.options.client.send(new GetTableCommand({ DatabaseName: this.database, Name: table }));
    const descriptor = out.Table?.StorageDescriptor;
    if (!descriptor) throw new Error(`${this.tableName(table)} has no storage descriptor in Glue`);
    this.descriptors.set(table, descriptor);
    return descriptor;
  }

  /** `db.name` or `name` → `name`, refusing another database. */
  private bareName(tableName: string): string {
    identifier(tableName);
    const [first, second] = tableName.split('.');
    if (second === undefined) return first as string;
    if (first !== this.database) throw new Error(`table ${tableName} is not in database ${this.database}`);
    return second;
  }
}
