// The query engine port on Amazon Athena. The Lambda only sends SQL and waits: a CTAS writes a
// step's rows as Snappy Parquet to the batch's location, Athena does the reading and writing.
//
// Bounded, re-attachable waits:
// - Every StartQueryExecution carries a ClientRequestToken derived from (workgroup, database,
//   batch, step, SQL, generation). A retried invocation that sends the same statement gets the
//   same query back, so it waits for a query that is still running instead of starting a second
//   one that would write into the same location at the same time.
// - A query found this way that was submitted by an EARLIER attempt is not trusted: the core
//   cleared its output location and dropped its table before calling us (it may even have done
//   so while that query ran). A CTAS waits until that query has ended and throws StaleQueryError;
//   the core's materializeFresh (handlers/core/fresh-output.ts) resets the output and calls again
//   with the next generation, which is part of the token. The engine touches neither store nor
//   catalog. Never two writers at once, never a stale result. A SELECT has no output to reset: it
//   reruns under the next generation here.
// - Polling backs off exponentially with full jitter, bounded by the Lambda's remaining time
//   minus a safety margin; on timeout the query is left running (a re-delivery re-attaches).
// - FAILED and CANCELLED become an AthenaQueryError naming the step, the query id and Athena's
//   reason; throttled calls are retried with backoff.
// - Athena writes at most 100 partitions per CTAS/INSERT ("HIVE_TOO_MANY_OPEN_PARTITIONS", Athena
//   UG other-notable-limitations.html). Silver and rejects CTAS are unpartitioned, one batch's
//   location each; a group's gold CTAS is partitioned by batch_id (partitioned_by, partition
//   column last) and the core never puts more than MAX_BATCHES_PER_GOLD batches in one statement
//   (handlers/core/process-group.ts).
import { createHash } from 'node:crypto';
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { PipelineLog } from '../core/pipeline-log.ts';
import { silentLog } from '../core/pipeline-log.ts';
import type { QueryEngine, StepContext } from '../core/ports.ts';
import { MAX_GENERATIONS, StaleQueryError } from '../core/fresh-output.ts';
import { identifier, literal, renderValue } from '../core/sql-template.ts';
import { type BackoffPolicy, fullJitterDelay, realTiming, retryThrottled, type Timing } from './backoff.ts';

export interface AthenaEngineOptions {
  client: AthenaClient;
  workGroup: string;
  database: string;
  /** The invocation's remaining time (Lambda `context.getRemainingTimeInMillis`); none = no deadline. */
  remainingTimeMillis?: () => number;
  log?: PipelineLog;
  timing?: Timing;
  /** A query submitted this long before our call is an earlier attempt's (default 5 s, clock skew). */
  staleToleranceMs?: number;
}

/** Time kept back from the invocation's deadline to report and return. */
const SAFETY_MARGIN_MS = 15_000;
/**
 * Polling backoff: 200 ms doubling up to 1 s, full jitter. A pipeline query runs for seconds, so
 * the time between its end and the poll that sees it is a real share of every step (with a 5 s cap
 * it averaged over a second per query on the cloud bench). At most 1 s apart, the ~20 queries the
 * DML quota allows poll about 40 times a second together, under Athena's per-account quota of 100
 * GetQueryExecution calls a second (Athena UG service-limits.html, "Per account API call quotas";
 * throttled calls are retried with backoff anyway).
 */
const POLL: BackoffPolicy = { baseMs: 200, capMs: 1_000 };
/** Backoff of throttled calls: 500 ms doubling up to 10 s, 8 attempts. */
const THROTTLE: BackoffPolicy & { maxAttempts: number } = { baseMs: 500, capMs: 10_000, maxAttempts: 8 };

const NUMERIC_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint', 'double', 'float', 'real', 'decimal']);

/** A query that ended FAILED or CANCELLED, with Athena's own reason. */
export class AthenaQueryError extends Error {
  constructor(
    readonly queryExecutionId: string,
    readonly state: string,
    readonly step: string,
    readonly reason: string,
  ) {
    super(`Athena query ${queryExecutionId} ${state} at step ${step}: ${reason}`);
    this.name = 'AthenaQueryError';
  }
}

/** A query that did not end before the invocation's deadline; it is left running. */
export class AthenaTimeoutError extends Error {
  constructor(
    readonly queryExecutionId: string,
    readonly step: string,
    state: string,
  ) {
    super(
      `Athena query ${queryExecutionId} at step ${step} still ${state} when the invocation ran out of time; ` +
        'it is left running and a retried invocation re-attaches to it',
    );
    this.name = 'AthenaTimeoutError';
  }
}

/** The idempotency token of a statement: 64 hex digits behind a `pf-` prefix (Athena wants 32–128). */
export function clientRequestToken(parts: { workGroup: string; database: string; batchId: string; step: string; sql: string; generation: number }): string {
  const sqlHash = createHash('sha256').update(parts.sql).digest('hex');
  const digest = createHash('sha256')
    .update(JSON.stringify([parts.workGroup, parts.database, parts.batchId, parts.step, sqlHash, parts.generation]))
    .digest('hex');
  return `pf-${digest}`;
}

/** The CTAS that writes a SELECT's rows as Snappy Parquet to an (empty) location. */
export function ctasStatement(qualifiedTable: string, select: string, location: string, partitionedBy?: string): string {
  identifier(qualifiedTable);
  if (!location.startsWith('s3://') || !location.endsWith('/')) throw new Error(`CTAS location must be an s3:// folder ending in '/': ${location}`);
  // partitioned_by: "the partition columns must be the last ones in the list of columns in the
  // SELECT statement" (Athena UG, create-table-as.html); the gold SQL puts batch_id last.
  const partitions = partitionedBy === undefined ? '' : `, partitioned_by = ARRAY[${renderValue(literal(identifier(partitionedBy).text))}]`;
  return (
    `CREATE TABLE ${qualifiedTable} WITH (format = 'PARQUET', write_compression = 'SNAPPY', ` +
    `external_location = ${renderValue(literal(location))}${partitions}) AS\n${select}`
  );
}

/** Athena returns every value as text; numbers (counts) and booleans get their JS type back. */
export function convertValue(text: string | undefined, type: string | undefined): unknown {
  if (text === undefined) return null;
  const base = (type ?? 'varchar').toLowerCase().replace(/\(.*$/, '');
  if (NUMERIC_TYPES.has(base)) return Number(text);
  if (base === 'boolean') return text === 'true';
  return text;
}

export class AthenaEngine implements QueryEngine {
  private readonly timing: Timing;
  private readonly log: PipelineLog;

  constructor(private readonly options: AthenaEngineOptions) {
    identifier(options.database);
    this.timing = options.timing ?? realTiming;
    this.log = options.log ?? silentLog;
  }

  /** `stage_x` → `db.stage_x`; an already qualified name is kept. */
  qualify(tableName: string): string {
    identifier(tableName);
    return tableName.includes('.') ? tableName : `${this.options.database}.${tableName}`;
  }

  async materialize(tableName: string, select: string, location: string, context: StepContext): Promise<void> {
    await this.runCtas(tableName, select, location, context);
  }

  /** A CTAS partitioned by batch_id: Athena writes `<location>batch_id=<id>/` for each batch with rows. */
  async materializePartitioned(tableName: string, select: string, location: string, context: StepContext): Promise<void> {
    await this.runCtas(tableName, select, location, context, 'batch_id');
  }

  /** One generation of a CTAS: an earlier attempt's query is reported (StaleQueryError), not rerun here. */
  private async runCtas(tableName: string, select: string, location: string, context: StepContext, partitionedBy?: string): Promise<void> {
    const sql = ctasStatement(this.qualify(tableName), select, location, partitionedBy);
    const generation = context.generation ?? 0;
    const ended = await this.run(sql, context, generation);
    if (ended.stale) throw new StaleQueryError(context.step, ended.queryExecutionId, `re-attached to an earlier attempt's query (${ended.state})`);
  }

  /** A SELECT: an earlier attempt's answer may predate this attempt's writes, so it runs again, under the next generation. */
  private async runSelect(sql: string, context: StepContext): Promise<string> {
    for (let generation = context.generation ?? 0; generation < MAX_GENERATIONS; generation++) {
      const ended = await this.run(sql, context, generation);
      if (!ended.stale) return ended.queryExecutionId;
      this.log.warn('re-attached to a query of an earlier attempt; the SELECT runs again', {
        batchId: context.batchId,
        step: context.step,
        queryExecutionId: ended.queryExecutionId,
        generation,
      });
    }
    throw new Error(`step ${context.step}: ${MAX_GENERATIONS} generations of the same SELECT were all earlier attempts'`);
  }

  async query(select: string, context: StepContext): Promise<Record<string, unknown>[]> {
    const queryExecutionId = await this.runSelect(select, context);
    const rows: Record<string, unknown>[] = [];
    let nextToken: string | undefined;
    let first = true;
    const deadline = this.deadline();
    do {
      const page = await this.call(
        `GetQueryResults ${queryExecutionId}`,
        () => this.options.client.send(new GetQueryResultsCommand({ QueryExecutionId: queryExecutionId, NextToken: nextToken, MaxResults: 1000 })),
        deadline,
      );
      const columns = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      const data = page.ResultSet?.Rows ?? [];
      // The first row of a SELECT's first page repeats the column names.
      for (const row of first ? data.slice(1) : data) {
        const values = row.Data ?? [];
        rows.push(Object.fromEntries(columns.map((column, index) => [column.Name ?? `_col${index}`, convertValue(values[index]?.VarCharValue, column.Type)])));
      }
      first = false;
      nextToken = page.NextToken;
    } while (nextToken);
    return rows;
  }

  /**
   * Starts (or re-attaches to) one generation of a statement and waits for its end. A fresh query
   * must have SUCCEEDED (else AthenaQueryError); one submitted by an earlier attempt is returned
   * as stale whatever its state, once it has ended.
   */
  private async run(sql: string, context: StepContext, generation: number): Promise<{ queryExecutionId: string; state: string; stale: boolean }> {
    const { workGroup, database, client } = this.options;
    const calledAt = this.timing.now();
    const deadline = this.deadline();
    const tolerance = this.options.staleToleranceMs ?? 5_000;
    const token = clientRequestToken({ workGroup, database, batchId: context.batchId, step: context.step, sql, generation });
    const started = await this.call(
      `StartQueryExecution (step ${context.step})`,
      () =>
        client.send(
          new StartQueryExecutionCommand({
            QueryString: sql,
            ClientRequestToken: token,
            QueryExecutionContext: { Database: database },
            WorkGroup: workGroup,
          }),
        ),
      deadline,
    );
    const queryExecutionId = started.QueryExecutionId;
    if (!queryExecutionId) throw new Error(`StartQueryExecution (step ${context.step}) returned no QueryExecutionId`);
    const execution = await this.waitFor(queryExecutionId, context, deadline);
    const state = execution.Status?.State ?? 'UNKNOWN';
    const submitted = execution.Status?.SubmissionDateTime?.getTime();
    const stale = submitted !== undefined && submitted < calledAt - tolerance;
    if (!stale && state !== 'SUCCEEDED') throw new AthenaQueryError(queryExecutionId, state, context.step, failureReason(execution));
    return { queryExecutionId, state, stale };
  }

  private async waitFor(queryExecutionId: string, context: StepContext, deadline: number | undefined): Promise<QueryExecution> {
    for (let attempt = 0; ; attempt++) {
      const out = await this.call(
        `GetQueryExecution ${queryExecutionId}`,
        () => this.options.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryExecutionId })),
        deadline,
      );
      const execution = out.QueryExecution ?? {};
      const state = execution.Status?.State ?? 'UNKNOWN';
      if (state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED') return execution;
      const wait = fullJitterDelay(attempt, POLL, this.timing.random);
      if (deadline !== undefined && this.timing.now() + wait >= deadline) throw new AthenaTimeoutError(queryExecutionId, context.step, state);
      await this.timing.sleep(wait);
    }
  }

  private call<T>(label: string, send: () => Promise<T>, deadline: number | undefined): Promise<T> {
    return retryThrottled(send, { timing: this.timing, policy: THROTTLE, maxAttempts: THROTTLE.maxAttempts, deadline, label });
  }

  private deadline(): number | undefined {
    const remaining = this.options.remainingTimeMillis?.();
    if (remaining === undefined) return undefined;
    return this.timing.now() + remaining - SAFETY_MARGIN_MS;
  }
}

/** Athena's reason for a failed query: StateChangeReason, and the AthenaError message when it adds to it. */
function failureReason(execution: QueryExecution): string {
  const reason = execution.Status?.StateChangeReason;
  const error = execution.Status?.AthenaError;
  const parts = [reason];
  if (error?.ErrorMessage && error.ErrorMessage !== reason) parts.push(error.ErrorMessage);
  if (error?.ErrorType !== undefined) parts.push(`(error type ${error.ErrorType}, category ${error.ErrorCategory ?? '?'})`);
  const text = parts.filter(Boolean).join(' — ');
  return text.length > 0 ? text : 'no reason given';
}
