// The fake Athena in MODEL mode (bench/cloud.ts): the same three API operations as fake-athena.ts,
// on the same shared state, but statements are not executed. Each statement is modelled:
// - what it reads: every reference to a table in its text reads that table once (Trino scans a
//   table once per reference). Of a Parquet table (silver, rejects, gold and their work tables)
//   only the columns the statement reads, found from the statement itself by DuckDB's planner
//   (model-columns.ts), each at its measured share of the table's bytes (ModelShape.columnShares);
//   a landed text file is read whole (text has no columns to skip). A reference the planner cannot
//   attribute (no plan, no scan of that table, a column without a share) counts the whole table,
//   the former upper bound, and is counted (StatementRecord.fallbackReferences). The upper bound
//   (every reference reads the whole table) is kept beside it (upperBoundBytes). Bytes: a landed
//   file its declared size; a work table the declared size of what its CTAS wrote; the gold table
//   only the partitions its range can hold (pruning, below);
// - what it writes: a CTAS writes objects with declared sizes, fractions of the landed bytes
//   (ModelShape: silver, rejects, gold), and registers its table (and, partitioned, its partitions
//   as Trino's HiveMetadata.finishCreateTable does);
// - how long it runs: the latency model (latency-model.ts), in virtual time (virtual-clock.ts):
//   SUCCEEDED once virtual now ≥ start + modelled duration;
// - what it answers: the counts the core's figure queries ask for (batch-figures.ts), taken from
//   one profile per landed file (lines = bytes / bytesPerLine; rejects, in-batch and in-gold
//   duplicates as shares of the lines), so that every batch's balance holds.
//
// Pruning model: a gold partition is read whole when the id range recorded on its commit (the
// figures' goldIds, batch-figures.ts) overlaps the statement's `transaction_id BETWEEN a AND b`,
// and not at all otherwise (Athena skips row groups whose min/max statistics lie outside the
// predicate; a batch's gold spans its own ids, so a partition is all in or all out; footers are
// not counted). Without a BETWEEN, or for a partition without a recorded range, it is read whole.
//
// Rules shared with fake-athena.ts through athena-request-rules.ts: (d) the active DML quota
// (TooManyRequestsException, service-limits.html), (e) ClientRequestToken length and idempotency
// (API reference, StartQueryExecution). Kept from fake-athena.ts, with the same sources: CTAS into a non-empty location (b) or onto an existing
// table. Not checked here: Trino's grammar and function list (the DuckDB mode checks the same SQL).
import { InvalidRequestException } from '@aws-sdk/client-athena';
import { type CloudState, type GluePartition, type GlueTable, objectSize, type QueryResult, splitS3Uri } from './cloud-state.ts';
import { checkActiveDmlQuota, checkClientRequestToken, replayByToken } from './athena-request-rules.ts';
import { parseCtas } from './ctas-statement.ts';
import { trinoTypes } from './fake-athena.ts';
import { type LatencyModel, statementMs } from './latency-model.ts';
import { ColumnPlanner, schemaFromGlue, type StatementColumns, type TableSchema } from './model-columns.ts';
import { AthenaQueryFailure } from './trino-text-reader.ts';
import type { VirtualClock } from './virtual-clock.ts';

const $metadata = { httpStatusCode: 400 };

/** The shape of the modelled data: sizes as fractions of the landed `.dat`, counts as shares of its lines. */
export interface ModelShape {
  bytesPerLine: number;
  silverFraction: number;
  goldFraction: number;
  rejectsFraction: number;
  rejectShare: number;
  duplicateShare: number;
  /** Valid ids that an earlier batch already wrote to gold (they overlap the previous file's ids). */
  goldDuplicateShare: number;
  /** Each Parquet column's share of its table's bytes, by layer (a partition column is a folder: 0). */
  columnShares: Record<ParquetLayer, Record<string, number>>;
}

export type ParquetLayer = 'silver' | 'rejects' | 'gold';

/**
 * Measured, not guessed: total_compressed_size per column (DuckDB parquet_metadata) over the column
 * bytes of each table of a local lake built from the generator's default data. Command and output
 * (2026-12-01, this machine; the .dat bytes are 10^6):
 *   $ npx tsx bench/column-shares.ts 200MB
 *   lake of 209.1 MB of .dat (2 files, generator defaults, seed 11)
 *   raw_transactions: 20.66 % of the .dat in column data; shares {"transaction_id":0.232,"transaction_ts":0.0543,
 *     "store_id":0.0542,"customer_id":0.298,"product_id":0.0817,"product_category":0.024,"quantity":0.0227,
 *     "unit_price":0.0668,"discount":0.0268,"total_amount":0.0952,"payment_method":0.0176,"currency":0.00456,
 *     "raw_line":0.0208,"reject_reason":0.00172,"source_file":0.0000338}
 *   cleaned_transactions: 19.53 % of the .dat in column data; shares {"transaction_id":0.243,"transaction_ts":0.0427,
 *     "store_id":0.0558,"customer_id":0.309,"product_id":0.0844,"product_category":0.0246,"quantity":0.023,
 *     "unit_price":0.0688,"discount":0.0276,"total_amount":0.0985,"payment_method":0.0179,"currency":0.00447,
 *     "source_file":0.0000357,"transaction_date":0.0000234}
 *   rejected_transactions: 0.39 % of the .dat in column data; shares {"raw_line":0.988,"reason":0.0119,"source_file":0.000199}
 * (The layer totals agree with silverFraction, goldFraction and rejectsFraction below.)
 */
export const MEASURED_COLUMN_SHARES = {
  silver: {
    transaction_id: 0.232,
    transaction_ts: 0.0543,
    store_id: 0.0542,
    customer_id: 0.298,
    product_id: 0.0817,
    product_category: 0.024,
    quantity: 0.0227,
    unit_price: 0.0668,
    discount: 0.0268,
    total_amount: 0.0952,
    payment_method: 0.0176,
    currency: 0.00456,
    raw_line: 0.0208,
    reject_reason: 0.00172,
    source_file: 0.0000338,
  },
  gold: {
    transaction_id: 0.243,
    transaction_ts: 0.0427,
    store_id: 0.0558,
    customer_id: 0.309,
    product_id: 0.0844,
    product_category: 0.0246,
    quantity: 0.023,
    unit_price: 0.0688,
    discount: 0.0276,
    total_amount: 0.0985,
    payment_method: 0.0179,
    currency: 0.00447,
    source_file: 0.0000357,
    transaction_date: 0.0000234,
  },
  rejects: { raw_line: 0.988, reason: 0.0119, source_file: 0.000199 },
} as const satisfies Record<ParquetLayer, Record<string, number>>;

/** Silver, gold and rejects as README measures them under data contract revision 2 (see the bench). */
export const DEFAULT_SHAPE: ModelShape = {
  bytesPerLine: 100,
  silverFraction: 0.2,
  goldFraction: 0.19,
  rejectsFraction: 0.004,
  rejectShare: 0.01,
  duplicateShare: 0.01,
  goldDuplicateShare: 0.001,
  columnShares: MEASURED_COLUMN_SHARES,
};

/** One landed file as the model knows it. */
export interface LandingProfile {
  bytes: number;
  lines: number;
  rejected: number;
  duplicatesInBatch: number;
  duplicatesInGold: number;
  loaded: number;
  /** Range of the valid ids (includes the ids also in earlier gold). */
  idMin: string;
  idMax: string;
  /** Range of the ids this batch loads into gold. */
  loadedMin: string;
  loadedMax: string;
}

/** Ids as the generator's grow: fixed width, so that byte order is number order. */
export function modelId(n: number): string {
  return `T${String(n).padStart(15, '0')}`;
}

/** What one statement did, for the bench's totals. */
export interface StatementRecord {
  kind: string;
  /** Column-aware bytes scanned (header); the statement's duration is modelled from these. */
  scannedBytes: number;
  /** Of scannedBytes, what came from the committed gold table (the history). */
  historyBytes: number;
  /** The former model: every table reference scans its whole table. */
  upperBoundBytes: number;
  historyUpperBoundBytes: number;
  /** Table references counted whole because the planner could not attribute them. */
  fallbackReferences: number;
  /** One entry per table reference: the columns it reads (sorted), or 'whole' (a fallback). */
  reads: Array<{ table: string; columns: string[] | 'whole' }>;
  /** The batches the statement serves, with their landed bytes (the bench shares its scan among them). */
  batches: Array<{ batchId: string; bytes: number }>;
  writtenBytes: number;
  ms: number;
}

interface ModelExecution {
  id: string;
  token: string;
  sql: string;
  database: string;
  workGroup: string;
  submitted: number;
  completed?: number;
  settled: boolean;
  outcome?: { state: 'SUCCEEDED'; result: QueryResult } | { state: 'FAILED'; reason: string };
}

interface Plan {
  kind: string;
  writtenBytes: number;
  batches: string[];
  /** Runs at the statement's modelled end: its writes and its answer (with the CTAS's columns). */
  finish: (output: TableSchema | undefined) => QueryResult;
}

const TABLE_REFERENCE = /\b(?:[a-z_][a-z0-9_]*\.)?(bronze_[a-z0-9_]+|stage_(?:silver|rejects|gold)_[a-z0-9_]+|cleaned_transactions|raw_transactions|rejected_transactions)\b/g;
const bigint = (name: string) => ({ name, type: 'bigint' });
const varchar = (name: string) => ({ name, type: 'varchar' });

export class ModelAthena {
  readonly records: StatementRecord[] = [];
  /** StartQueryExecution calls refused by the DML quota. */
  throttled = 0;
  /** The most DML statements active at once. */
  peakActive = 0;
  private readonly executions = new Map<string, ModelExecution>();
  private readonly tokens = new Map<string, string>();
  private readonly landings = new Map<string, LandingProfile>();
  private readonly profiles = new Map<string, LandingProfile>();
  private readonly goldStages = new Map<string, string[]>();
  private readonly partitionRanges = new WeakMap<GluePartition, { min: string; max: string } | null | undefined>();
  private active = 0;
  private sequence = 0;
  private nextId: number;
  private readonly ownsPlanner: boolean;
  private readonly planner: ColumnPlanner;

  constructor(
    private readonly state: CloudState,
    private readonly clock: VirtualClock,
    private readonly latency: LatencyModel,
    private readonly shape: ModelShape = DEFAULT_SHAPE,
    firstId = 0,
    /** Shared by several models (the bench's runs), so each statement shape is planned once. */
    planner?: ColumnPlanner,
  ) {
    this.nextId = firstId;
    this.ownsPlanner = planner === undefined;
    this.planner = planner ?? new ColumnPlanner();
  }

  async close(): Promise<void> {
    if (this.ownsPlanner) await this.planner.close();
  }

  /** Declares a landed file's content, in landing order: its counts and ids (ids grow with landings). */
  land(bucket: string, key: string, bytes: number): LandingProfile {
    const lines = Math.max(1, Math.round(bytes / this.shape.bytesPerLine));
    const rejected = Math.round(lines * this.shape.rejectShare);
    const duplicatesInBatch = Math.round(lines * this.shape.duplicateShare);
    const duplicatesInGold = Math.min(this.nextId, Math.round(lines * this.shape.goldDuplicateShare));
    const loaded = lines - rejected - duplicatesInBatch - duplicatesInGold;
    const first = this.nextId;
    this.nextId += loaded;
    const profile: LandingProfile = {
      bytes,
      lines,
      rejected,
      duplicatesInBatch,
      duplicatesInGold,
      loaded,
      idMin: modelId(first - duplicatesInGold),
      idMax: modelId(first + loaded - 1),
      loadedMin: modelId(first),
      loadedMax: modelId(first + loaded - 1),
    };
    this.landings.set(`${bucket}/${key}`, profile);
    return profile;
  }

  /** Async only for the column planner (real work, which the virtual clock waits for); no virtual time passes. */
  async startQueryExecution(input: { QueryString?: string; ClientRequestToken?: string; QueryExecutionContext?: { Database?: string }; WorkGroup?: string }): Promise<{ QueryExecutionId: string }> {
    const sql = input.QueryString ?? '';
    const token = input.ClientRequestToken;
    checkClientRequestToken(token);
    const database = input.QueryExecutionContext?.Database ?? 'default';
    const workGroup = input.WorkGroup ?? 'primary';
    const earlier = token === undefined ? undefined : this.executions.get(this.tokens.get(token) ?? '');
    if (earlier) return replayByToken(earlier, { sql, database, workGroup });
    if (!this.state.workGroups.has(workGroup)) throw new InvalidRequestException({ message: `WorkGroup ${workGroup} is not found.`, $metadata });
    // Rule (d) (athena-request-rules.ts); all our statements are DML.
    try {
      checkActiveDmlQuota(this.active, this.latency.activeDmlQuota);
    } catch (error) {
      this.throttled++;
      throw error;
    }
    this.sequence += 1;
    const id = `model-${String(this.sequence).padStart(8, '0')}`;
    const execution: ModelExecution = { id, token: token ?? id, sql, database, workGroup, submitted: this.clock.now(), settled: false };
    this.executions.set(id, execution);
    if (token !== undefined) this.tokens.set(token, id);
    this.active++;
    this.peakActive = Math.max(this.peakActive, this.active);
    let planned: { plan: Plan; record: StatementRecord; output: TableSchema | undefined } | undefined;
    let failure: string | undefined;
    try {
      planned = await this.plan(sql, database, id);
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    const ms = planned ? planned.record.ms : this.latency.athenaFixedMs;
    if (planned) this.records.push(planned.record);
    void this.clock.sleep(ms).then(() => {
      try {
        if (!planned) throw new AthenaQueryFailure(failure ?? 'unknown');
        execution.outcome = { state: 'SUCCEEDED', result: planned.plan.finish(planned.output) };
      } catch (error) {
        execution.outcome = { state: 'FAILED', reason: error instanceof Error ? error.message : String(error) };
      }
      execution.completed = this.clock.now();
      execution.settled = true;
      this.active--;
    });
    return { QueryExecutionId: id };
  }

  getQueryExecution(input: { QueryExecutionId?: string }) {
    const execution = this.execution(input.QueryExecutionId);
    const base = { QueryExecutionId: execution.id, Query: execution.sql, StatementType: 'DML', WorkGroup: execution.workGroup, QueryExecutionContext: { Database: execution.database } };
    const submitted = new Date(execution.submitted);
    if (!execution.settled) return { QueryExecution: { ...base, Status: { State: 'RUNNING', SubmissionDateTime: submitted } } };
    const completed = new Date(execution.completed ?? execution.submitted);
    const outcome = execution.outcome;
    if (outcome?.state === 'SUCCEEDED') return { QueryExecution: { ...base, Status: { State: 'SUCCEEDED', SubmissionDateTime: submitted, CompletionDateTime: completed } } };
    const reason = outcome?.reason ?? 'unknown';
    return {
      QueryExecution: {
        ...base,
        Status: { State: 'FAILED', SubmissionDateTime: submitted, CompletionDateTime: completed, StateChangeReason: reason, AthenaError: { ErrorCategory: 2, ErrorMessage: reason, Retryable: false } },
      },
    };
  }

  /** As fake-athena.ts: a SELECT's first page starts with the header row; a CTAS answers UpdateCount. */
  getQueryResults(input: { QueryExecutionId?: string; NextToken?: string; MaxResults?: number }) {
    const execution = this.execution(input.QueryExecutionId);
    if (!execution.settled) throw new InvalidRequestException({ message: 'Query has not yet finished. Current state: RUNNING', $metadata });
    if (execution.outcome?.state !== 'SUCCEEDED') throw new InvalidRequestException({ message: 'Query did not finish successfully. Final query state: FAILED', $metadata });
    const result = execution.outcome.result;
    const pageSize = input.MaxResults ?? 1000;
    if (pageSize > 1000) throw new InvalidRequestException({ message: 'MaxResults must be at most 1000', $metadata });
    const all = [...(result.updateCount === undefined ? [result.columns.map((column) => column.name)] : []), ...result.rows];
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const next = start + pageSize < all.length ? String(start + pageSize) : undefined;
    return {
      ...(result.updateCount !== undefined ? { UpdateCount: result.updateCount } : {}),
      ResultSet: {
        Rows: all.slice(start, start + pageSize).map((row) => ({ Data: row.map((value) => (value === null ? {} : { VarCharValue: value })) })),
        ResultSetMetadata: { ColumnInfo: result.columns.map((column) => ({ Name: column.name, Label: column.name, Type: column.type })) },
      },
      ...(next ? { NextToken: next } : {}),
    };
  }

  private execution(id: string | undefined): ModelExecution {
    const execution = this.executions.get(id ?? '');
    if (!execution) throw new InvalidRequestException({ message: `QueryExecution ${id ?? ''} was not found`, $metadata });
    return execution;
  }

  // ---- the statement model -------------------------------------------------------------------

  /**
   * What a statement reads, writes and answers. Everything it takes from the shared state is read
   * before the planner's await, so concurrent calls at the same virtual instant see one state.
   */
  private async plan(sql: string, database: string, queryId: string): Promise<{ plan: Plan; record: StatementRecord; output: TableSchema | undefined }> {
    const text = sql
      .split('\n')
      .filter((line) => !line.trim().startsWith('--'))
      .join('\n');
    const ctas = parseCtas(text);
    const select = ctas ? ctas.select : text;
    const references = [...select.matchAll(TABLE_REFERENCE)].map((match) => match[1] as string);
    const range = /transaction_id BETWEEN '([^']*)' AND '([^']*)'/.exec(select);
    const tables = [...new Set(references)].map((name) => ({
      name,
      references: references.filter((reference) => reference === name).length,
      bytes: name === 'cleaned_transactions' ? this.goldBytes(database, range ? { min: range[1] as string, max: range[2] as string } : undefined) : this.tableBytes(database, name),
      schema: this.schemaOf(database, name),
      partitionKeys: new Set(this.state.table(database, name)?.PartitionKeys.map((key) => key.Name) ?? []),
    }));
    const plan = ctas ? this.planCtas(ctas, database, queryId, references) : this.answer(select, references);
    let columns: StatementColumns | undefined;
    try {
      columns = await this.planner.columnsRead(select, database, references, (name) => tables.find((table) => table.name === name)?.schema);
    } catch {
      columns = undefined;
    }
    const record: StatementRecord = { kind: plan.kind, scannedBytes: 0, historyBytes: 0, upperBoundBytes: 0, historyUpperBoundBytes: 0, fallbackReferences: 0, reads: [], batches: [], writtenBytes: plan.writtenBytes, ms: 0 };
    for (const table of tables) {
      const whole = table.references * table.bytes;
      const scans = columns?.scans.get(table.name) ?? [];
      // One read per reference: the planner's own scans when it made one per reference, else each
      // reference reads every column any scan of that table read; no scan at all: whole (fallback).
      const reads = scans.length === table.references ? scans : scans.length > 0 ? Array.from({ length: table.references }, () => new Set(scans.flatMap((scan) => [...scan]))) : [];
      let scanned = 0;
      if (reads.length === 0) {
        scanned = whole;
        record.fallbackReferences += table.references;
        for (let index = 0; index < table.references; index++) record.reads.push({ table: table.name, columns: 'whole' });
      } else {
        for (const read of reads) {
          const share = this.share(table.name, read, table.partitionKeys);
          if (share === undefined) record.fallbackReferences++;
          scanned += table.bytes * (share ?? 1);
          record.reads.push({ table: table.name, columns: share === undefined ? 'whole' : [...read].sort() });
        }
      }
      record.scannedBytes += scanned;
      record.upperBoundBytes += whole;
      if (table.name === 'cleaned_transactions') {
        record.historyBytes += scanned;
        record.historyUpperBoundBytes += whole;
      }
    }
    record.batches = plan.batches.map((batchId) => ({ batchId, bytes: this.profile(batchId).bytes }));
    record.ms = statementMs(this.latency, record.scannedBytes, record.writtenBytes);
    return { plan, record, output: columns?.output };
  }

  /**
   * The share of a table's bytes that a read of `columns` scans: a landed text file is read whole;
   * a Parquet table by its columns' measured shares (a partition column is no Parquet column).
   * Undefined when a column has no measured share (the caller counts the read whole).
   */
  private share(table: string, columns: Set<string>, partitionKeys: Set<string>): number | undefined {
    const layer = parquetLayer(table);
    if (!layer) return 1;
    const shares = this.shape.columnShares[layer];
    let total = 0;
    for (const column of columns) {
      if (partitionKeys.has(column)) continue;
      const share = shares[column];
      if (share === undefined) return undefined;
      total += share;
    }
    return total;
  }

  /** A table's columns as its Glue definition has them (data columns, then partition keys). */
  private schemaOf(database: string, name: string): TableSchema | undefined {
    const table = this.state.table(database, name);
    if (!table || table.StorageDescriptor.Columns.length === 0) return undefined;
    return schemaFromGlue([...table.StorageDescriptor.Columns, ...table.PartitionKeys]);
  }

  private planCtas(ctas: NonNullable<ReturnType<typeof parseCtas>>, database: string, queryId: string, references: string[]): Plan {
    const name = ctas.table.includes('.') ? (ctas.table.split('.')[1] as string) : ctas.table;
    const location = ctas.properties.external_location;
    if (!location) throw new AthenaQueryFailure('model: a CTAS without external_location is not modelled');
    const folder = location.endsWith('/') ? location : `${location}/`;
    // What the CTAS writes, per output folder.
    let outputs: Array<{ folder: string; bytes: number; batchId?: string }>;
    let rows: number;
    let kind: string;
    let batches: string[];
    if (name.startsWith('stage_silver_')) {
      const batchId = name.slice('stage_silver_'.length);
      const bronze = references.find((reference) => reference.startsWith('bronze_'));
      if (!bronze) throw new AthenaQueryFailure(`model: silver CTAS ${name} reads no landed file`);
      const profile = this.landedProfile(database, bronze);
      this.profiles.set(batchId, profile);
      outputs = [{ folder, bytes: profile.bytes * this.shape.silverFraction }];
      rows = profile.lines;
      kind = 'silver';
      batches = [batchId];
    } else if (name.startsWith('stage_rejects_')) {
      const batchId = name.slice('stage_rejects_'.length);
      const profile = this.profile(batchId);
      outputs = [{ folder, bytes: profile.bytes * this.shape.rejectsFraction }];
      rows = profile.rejected;
      kind = 'rejects';
      batches = [batchId];
    } else if (name.startsWith('stage_gold_') && ctas.partitionedBy.join() === 'batch_id') {
      // The batches this statement writes: its silver group names each with `'<id>' AS batch_id`;
      // the silver of slices landed before it (gold-turn.ts) is read for its ids only, unnamed.
      const named = [...ctas.select.matchAll(/'([a-z0-9_]+)' AS batch_id/g)].map((match) => match[1] as string);
      batches = named.length > 0 ? [...new Set(named)] : silverBatches(references);
      this.goldStages.set(name, batches);
      outputs = batches.map((batchId) => ({ folder: `${folder}batch_id=${batchId}/`, bytes: this.profile(batchId).bytes * this.shape.goldFraction, batchId }));
      rows = batches.reduce((sum, batchId) => sum + this.profile(batchId).loaded, 0);
      kind = 'gold';
    } else throw new AthenaQueryFailure(`model: CTAS into ${name} is not modelled`);
    const written = outputs.reduce((sum, output) => sum + output.bytes, 0);
    return {
      kind,
      writtenBytes: written,
      batches,
      finish: (output) => {
        const { bucket, prefix } = splitS3Uri(folder);
        if (this.state.table(database, name)) throw new AthenaQueryFailure(`TABLE_ALREADY_EXISTS: line 1:1: Table 'awsdatacatalog.${database}.${name}' already exists`);
        // Rule (b), as fake-athena.ts (considerations-ctas.html; Trino HiveMetadata HIVE_PATH_ALREADY_EXISTS).
        if (this.state.listKeys(bucket, prefix).length > 0) throw new AthenaQueryFailure(`HIVE_PATH_ALREADY_EXISTS: Target directory for table '${database}.${name}' already exists: ${location}`);
        const partitions = new Map<string, GluePartition>();
        // The columns Athena registers for a CTAS are its SELECT's (as fake-athena.ts), here from
        // the planner's DESCRIBE (none when the planner could not plan it: later reads fall back).
        const glue = (column: { name: string; type: string }) => ({ Name: column.name, Type: trinoTypes(column.type)[0] });
        const table: GlueTable = {
          Name: name,
          TableType: 'EXTERNAL_TABLE',
          Parameters: { EXTERNAL: 'TRUE', parquet_compression: 'SNAPPY' },
          StorageDescriptor: { Location: location, Columns: (output ?? []).filter((column) => !ctas.partitionedBy.includes(column.name)).map(glue) },
          PartitionKeys: ctas.partitionedBy.map((key) => glue(output?.find((column) => column.name === key) ?? { name: key, type: 'VARCHAR' })),
        };
        for (const output of outputs) {
          const target = splitS3Uri(output.folder);
          this.state.putObject(target.bucket, `${target.prefix}${queryId}-00000.snappy.parquet`, { declaredSize: Math.round(output.bytes) });
          if (output.batchId) partitions.set(JSON.stringify([output.batchId]), { Values: [output.batchId], StorageDescriptor: { ...table.StorageDescriptor, Location: output.folder }, Parameters: {} });
        }
        const schema = this.state.databases.get(database);
        if (!schema) throw new AthenaQueryFailure(`SCHEMA_NOT_FOUND: Schema '${database}' does not exist`);
        schema.set(name, { table, partitions });
        return { columns: [bigint('rows')], rows: [], updateCount: rows };
      },
    };
  }

  /** The answers to the core's figure queries (batch-figures.ts), from the batches' profiles. */
  private answer(select: string, references: string[]): Plan {
    const { kind, batches, result } = this.figures(select, references);
    return { kind, writtenBytes: 0, batches, finish: () => result };
  }

  private figures(select: string, references: string[]): { kind: string; batches: string[]; result: QueryResult } {
    const silverBatch = () => {
      const reference = references.find((name) => name.startsWith('stage_silver_'));
      if (!reference) throw new AthenaQueryFailure('model: the query reads no silver stage');
      return reference.slice('stage_silver_'.length);
    };
    if (/^SELECT 'silver' AS part, /.test(select)) {
      // figureQueries' one per-file query: the silver row, then one row per reject reason.
      const batchId = silverBatch();
      const profile = this.profile(batchId);
      const columns = [varchar('part'), varchar('reason'), bigint('n'), bigint('duplicates'), varchar('min_id'), varchar('max_id')];
      const rows: Array<Array<string | null>> = [['silver', null, String(profile.lines), String(profile.duplicatesInBatch), profile.idMin, profile.idMax]];
      if (profile.rejected > 0) rows.push(['rejects', 'malformed', String(profile.rejected), null, null, null]);
      return { kind: 'file_figures', batches: [batchId], result: { columns, rows } };
    }
    if (/^SELECT batch_id, count\(\*\) AS loaded, min\(transaction_id\) AS min_id, max\(transaction_id\) AS max_id FROM /.test(select)) {
      // One gold stage, or the union of a turn's slices (gold-turn.ts).
      const stages = references.filter((name) => name.startsWith('stage_gold_'));
      const missing = stages.find((stage) => !this.goldStages.has(stage));
      if (stages.length === 0 || missing !== undefined) throw new AthenaQueryFailure(`model: no gold stage ${missing ?? ''}`);
      const batches = stages.flatMap((stage) => this.goldStages.get(stage) ?? []);
      const rows = batches.flatMap((batchId) => {
        const profile = this.profile(batchId);
        return profile.loaded > 0 ? [[batchId, String(profile.loaded), profile.loadedMin, profile.loadedMax]] : [];
      });
      return { kind: 'figures', batches, result: { columns: [varchar('batch_id'), bigint('loaded'), varchar('min_id'), varchar('max_id')], rows } };
    }
    if (/^SELECT s\.batch_id, count\(DISTINCT s\.transaction_id\) AS duplicates FROM /.test(select)) {
      const batches = silverBatches(references);
      const rows = batches.flatMap((batchId) => {
        const n = this.profile(batchId).duplicatesInGold;
        return n > 0 ? [[batchId, String(n)]] : [];
      });
      return { kind: 'figures', batches, result: { columns: [varchar('batch_id'), bigint('duplicates')], rows } };
    }
    throw new AthenaQueryFailure(`model: this statement is not modelled: ${select.slice(0, 80)}`);
  }

  private profile(batchId: string): LandingProfile {
    const profile = this.profiles.get(batchId);
    if (!profile) throw new AthenaQueryFailure(`model: batch ${batchId} has no silver yet`);
    return profile;
  }

  /** The profile of the file a landed-file table's manifest points at. */
  private landedProfile(database: string, tableName: string): LandingProfile {
    const table = this.state.table(database, tableName);
    if (!table) throw new AthenaQueryFailure(`TABLE_NOT_FOUND: Table '${database}.${tableName}' does not exist`);
    const { bucket, prefix } = splitS3Uri(table.StorageDescriptor.Location.endsWith('/') ? table.StorageDescriptor.Location : `${table.StorageDescriptor.Location}/`);
    const manifest = this.state.listKeys(bucket, prefix).map((key) => this.state.getObject(bucket, key)?.body.toString('utf8') ?? '').join('');
    const target = manifest.split('\n').find((line) => line.length > 0);
    if (!target) throw new AthenaQueryFailure(`model: ${tableName} lists no file`);
    const { bucket: targetBucket, prefix: targetKey } = splitS3Uri(target);
    const profile = this.landings.get(`${targetBucket}/${targetKey}`);
    if (!profile) throw new AthenaQueryFailure(`model: ${target} was not landed through the model`);
    return profile;
  }

  private tableBytes(database: string, name: string): number {
    if (name.startsWith('bronze_')) return this.landedProfile(database, name).bytes;
    const table = this.state.table(database, name);
    if (!table) throw new AthenaQueryFailure(`TABLE_NOT_FOUND: Table '${database}.${name}' does not exist`);
    if (table.PartitionKeys.length > 0) return this.state.partitions(database, name).reduce((sum, partition) => sum + this.bytesUnder(partition.StorageDescriptor.Location), 0);
    return this.bytesUnder(table.StorageDescriptor.Location);
  }

  /** The committed gold partitions a statement reads under the pruning model (header). */
  private goldBytes(database: string, range: { min: string; max: string } | undefined): number {
    let bytes = 0;
    for (const partition of this.state.partitions(database, 'cleaned_transactions')) {
      const recorded = this.recordedRange(partition);
      if (recorded === null) continue;
      if (range && recorded && (recorded.max < range.min || range.max < recorded.min)) continue;
      bytes += this.bytesUnder(partition.StorageDescriptor.Location);
    }
    return bytes;
  }

  /** The gold id range recorded on a commit: a range, null (no rows), or undefined (not recorded). */
  private recordedRange(partition: GluePartition): { min: string; max: string } | null | undefined {
    if (this.partitionRanges.has(partition)) return this.partitionRanges.get(partition);
    const text = partition.Parameters.procureflow_figures;
    const goldIds = text ? (JSON.parse(text) as { goldIds?: { min: string; max: string } | null }).goldIds : undefined;
    this.partitionRanges.set(partition, goldIds);
    return goldIds;
  }

  private bytesUnder(location: string): number {
    const { bucket, prefix } = splitS3Uri(location.endsWith('/') ? location : `${location}/`);
    let bytes = 0;
    for (const key of this.state.listKeys(bucket, prefix)) {
      const object = this.state.getObject(bucket, key);
      if (object) bytes += objectSize(object);
    }
    return bytes;
  }
}

/** The batches whose silver work tables a statement names, in order of first mention. */
function silverBatches(references: string[]): string[] {
  return [...new Set(references.filter((name) => name.startsWith('stage_silver_')).map((name) => name.slice('stage_silver_'.length)))];
}

/** The layer whose measured column shares a table's bytes follow; undefined for a landed text file. */
function parquetLayer(table: string): ParquetLayer | undefined {
  if (table.startsWith('stage_silver_') || table === 'raw_transactions') return 'silver';
  if (table.startsWith('stage_rejects_') || table === 'rejected_transactions') return 'rejects';
  if (table.startsWith('stage_gold_') || table === 'cleaned_transactions') return 'gold';
  return undefined;
}
