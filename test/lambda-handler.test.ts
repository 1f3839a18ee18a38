// The cleaner Lambda end to end on mocked AWS clients (aws-sdk-client-mock). A small fake of S3,
// Glue and Athena keeps state (objects, tables, partitions, queries with idempotency tokens) and
// enforces Athena's rules that matter here: a CTAS fails when its location is not empty, its
// table exists, or another query is writing the same location. Every call is recorded in order.
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand, TooManyRequestsException } from '@aws-sdk/client-athena';
import {
  AlreadyExistsException,
  CreatePartitionCommand,
  CreateTableCommand,
  DeleteTableCommand,
  EntityNotFoundException,
  GetPartitionCommand,
  GetTableCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import { CopyObjectCommand, DeleteObjectsCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import test from 'ava';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientRequestToken } from '../handlers/aws/athena-engine.ts';
import type { Timing } from '../handlers/aws/backoff.ts';
import { batchIdFor } from '../handlers/core/batch-identity.ts';
import { figureQueries, figuresFromParameters } from '../handlers/core/batch-figures.ts';
import { objectCreatedEventBridge } from '../handlers/aws/sqs-landings.ts';
import { loadPipelineSql } from '../handlers/core/pipeline-sql.ts';
import { fillTemplate, identifier, literal } from '../handlers/core/sql-template.ts';
import { HEADER_LINE } from '../handlers/core/tables.ts';
import { createHandler } from '../handlers/lambda.ts';

const SQL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../sql');
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const DB = 'procureflow_db';
const WG = 'pf-dev-wg';
const ENV = {
  BRONZE_BUCKET: 'pf-bronze',
  SILVER_BUCKET: 'pf-silver',
  GOLD_BUCKET: 'pf-gold',
  GLUE_DATABASE: DB,
  ATHENA_WORKGROUP: WG,
  BRONZE_PREFIX: 'landing/',
  SQL_DIR,
};
const $metadata = {};

interface Execution {
  id: string;
  sql: string;
  submitted: number;
  completesAt: number;
  state: 'SUCCEEDED' | 'FAILED';
  reason?: string;
  ctas?: { table: string; location: string };
  applied: boolean;
}

/** In-memory S3 + Glue + Athena behind aws-sdk-client-mock, recording every call in order. */
class FakeCloud {
  readonly calls: string[] = [];
  readonly starts: Array<{ QueryString: string; ClientRequestToken: string; Database?: string; WorkGroup?: string; id: string }> = [];
  readonly clock = { now: T0 };
  readonly objects = new Map<string, number>();
  /** CopyObject calls: [source, target]. */
  readonly copies: Array<[string, string]> = [];
  /** Symlink manifests by work table. */
  readonly manifests = new Map<string, string>();
  readonly tables = new Set<string>();
  readonly partitions = new Map<string, Record<string, string>>();
  readonly executions = new Map<string, Execution>();
  readonly tokens = new Map<string, string>();
  conflicts = 0;
  throttleStarts = 0;
  throttleGets = 0;
  /** A reason makes the query FAILED. */
  failWhen: (sql: string) => string | undefined = () => undefined;
  /** How long a query runs. */
  duration: (sql: string, token: string) => number = (sql) => (sql.startsWith('CREATE TABLE') ? 250 : 0);
  readonly figures = { lines: 5, loaded: 3, duplicatesInBatch: 1, duplicatesInGold: 0, reasons: [['malformed', '1']] };

  readonly s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  readonly glue = new GlueClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  readonly athena = new AthenaClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });

  readonly timing: Timing = {
    now: () => this.clock.now,
    sleep: async (ms) => {
      this.clock.now += ms;
    },
    random: () => 0.5,
  };

  constructor() {
    const s3 = mockClient(this.s3);
    const glue = mockClient(this.glue);
    const athena = mockClient(this.athena);
    s3.on(HeadObjectCommand).callsFake((input) => {
      this.calls.push(`S3.HeadObject s3://${input.Bucket}/${input.Key}`);
      const size = this.objects.get(`${input.Bucket}/${input.Key}`);
      if (size === undefined) throw Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
      return { ContentLength: size, ETag: '"etag"' };
    });
    s3.on(PutObjectCommand).callsFake((input) => {
      this.calls.push(`S3.PutObject s3://${input.Bucket}/${input.Key}`);
      this.objects.set(`${input.Bucket}/${input.Key}`, 10);
      const manifest = /^_work\/landed\/([^/]+)\/manifest$/.exec(input.Key);
      if (manifest) this.manifests.set(manifest[1] as string, String(input.Body));
      return { ETag: '"m"' };
    });
    s3.on(CopyObjectCommand).callsFake((input) => {
      const source = decodeURIComponent(input.CopySource);
      this.calls.push(`S3.CopyObject ${source} → s3://${input.Bucket}/${input.Key}`);
      const size = this.objects.get(source);
      if (size === undefined) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
      this.objects.set(`${input.Bucket}/${input.Key}`, size);
      this.copies.push([source, `${input.Bucket}/${input.Key}`]);
      return {};
    });
    s3.on(ListObjectsV2Command).callsFake((input) => {
      this.calls.push(`S3.ListObjectsV2 s3://${input.Bucket}/${input.Prefix ?? ''}`);
      const Contents = [...this.objects]
        .filter(([name]) => name.startsWith(`${input.Bucket}/${input.Prefix ?? ''}`))
        .map(([name, Size]) => ({ Key: name.slice(`${input.Bucket}/`.length), Size }));
      return { Contents, IsTruncated: false };
    });
    s3.on(DeleteObjectsCommand).callsFake((input) => {
      const keys = (input.Delete?.Objects ?? []).map((object: { Key?: string }) => object.Key ?? '');
      this.calls.push(`S3.DeleteObjects s3://${input.Bucket}/ ${keys.join(',')}`);
      for (const key of keys) this.objects.delete(`${input.Bucket}/${key}`);
      return {};
    });
    glue.on(GetPartitionCommand).callsFake((input) => {
      this.calls.push(`Glue.GetPartition ${input.TableName} ${input.PartitionValues.join('/')}`);
      const parameters = this.partitions.get(`${input.TableName}/${input.PartitionValues.join('/')}`);
      if (!parameters) throw new EntityNotFoundException({ message: 'Cannot find partition.', $metadata });
      return { Partition: { Values: input.PartitionValues, Parameters: parameters } };
    });
    glue.on(CreateTableCommand).callsFake((input) => {
      this.calls.push(`Glue.CreateTable ${input.TableInput.Name}`);
      if (this.tables.has(input.TableInput.Name)) throw new AlreadyExistsException({ message: 'Table already exists.', $metadata });
      this.tables.add(input.TableInput.Name);
      return {};
    });
    glue.on(DeleteTableCommand).callsFake((input) => {
      this.calls.push(`Glue.DeleteTable ${input.Name}`);
      if (!this.tables.delete(input.Name)) throw new EntityNotFoundException({ message: 'Table not found', $metadata });
      return {};
    });
    glue.on(GetTableCommand).callsFake((input) => {
      this.calls.push(`Glue.GetTable ${input.Name}`);
      return { Table: { Name: input.Name, StorageDescriptor: { Location: `s3://lake/${input.Name}/`, InputFormat: 'parquet-in', SerdeInfo: { SerializationLibrary: 'parquet-serde' } } } };
    });
    glue.on(CreatePartitionCommand).callsFake((input) => {
      const values = input.PartitionInput.Values.join('/');
      this.calls.push(`Glue.CreatePartition ${input.TableName} ${values} ${input.PartitionInput.StorageDescriptor.Location}`);
      const key = `${input.TableName}/${values}`;
      if (this.partitions.has(key)) throw new AlreadyExistsException({ message: 'Partition already exists.', $metadata });
      this.partitions.set(key, input.PartitionInput.Parameters ?? {});
      return {};
    });
    athena.on(StartQueryExecutionCommand).callsFake((input) => {
      const sql: string = input.QueryString;
      this.calls.push(`Athena.StartQueryExecution ${sql.split('\n')[0]}`);
      if (this.throttleStarts > 0) {
        this.throttleStarts--;
        throw new TooManyRequestsException({ message: 'Rate exceeded', $metadata });
      }
      const known = this.tokens.get(input.ClientRequestToken);
      const id = known ?? `q-${this.executions.size + 1}`;
      this.starts.push({ QueryString: sql, ClientRequestToken: input.ClientRequestToken, Database: input.QueryExecutionContext?.Database, WorkGroup: input.WorkGroup, id });
      if (known) return { QueryExecutionId: known };
      this.tokens.set(input.ClientRequestToken, id);
      const match = /^CREATE TABLE (\S+) WITH \(.*external_location = '([^']+)'\) AS\n/.exec(sql);
      const execution: Execution = { id, sql, submitted: this.clock.now, completesAt: this.clock.now + this.duration(sql, input.ClientRequestToken), state: 'SUCCEEDED', applied: false };
      if (match) {
        const [, table = '', location = ''] = match;
        execution.ctas = { table: table.replace(`${DB}.`, ''), location };
        const writing = [...this.executions.values()].some((other) => !other.applied && other.ctas?.location === location);
        if (writing) this.conflicts++;
        if (writing || this.listLocation(location).length > 0) Object.assign(execution, { state: 'FAILED', reason: `HIVE_PATH_ALREADY_EXISTS: Target directory for table '${table}' already exists: ${location}` });
        else if (this.tables.has(execution.ctas.table)) Object.assign(execution, { state: 'FAILED', reason: `Table ${table} already exists` });
      }
      const reason = execution.state === 'SUCCEEDED' ? this.failWhen(sql) : undefined;
      if (reason) Object.assign(execution, { state: 'FAILED', reason });
      this.executions.set(id, execution);
      return { QueryExecutionId: id };
    });
    athena.on(GetQueryExecutionCommand).callsFake((input) => {
      this.calls.push(`Athena.GetQueryExecution ${input.QueryExecutionId}`);
      if (this.throttleGets > 0) {
        this.throttleGets--;
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata });
      }
      const execution = this.executions.get(input.QueryExecutionId);
      if (!execution) throw new Error(`unknown query ${input.QueryExecutionId}`);
      const Status = { SubmissionDateTime: new Date(execution.submitted) };
      if (this.clock.now < execution.completesAt) return { QueryExecution: { QueryExecutionId: execution.id, Status: { ...Status, State: 'RUNNING' } } };
      if (!execution.applied) {
        execution.applied = true;
        if (execution.state === 'SUCCEEDED' && execution.ctas) {
          this.objects.set(`${execution.ctas.location.slice('s3://'.length)}${execution.id}-part-00000.snappy.parquet`, 100);
          this.tables.add(execution.ctas.table);
        }
      }
      return {
        QueryExecution: {
          QueryExecutionId: execution.id,
          Status: { ...Status, State: execution.state, ...(execution.reason ? { StateChangeReason: execution.reason, AthenaError: { ErrorMessage: execution.reason } } : {}) },
        },
      };
    });
    athena.on(GetQueryResultsCommand).callsFake((input) => {
      this.calls.push(`Athena.GetQueryResults ${input.QueryExecutionId}`);
      const sql = this.executions.get(input.QueryExecutionId)?.sql ?? '';
      const page = (columns: Array<[string, string]>, rows: string[][]) => ({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: columns.map(([Name, Type]) => ({ Name, Type })) },
          Rows: [columns.map(([name]) => ({ VarCharValue: name })), ...rows].map((row) => ({ Data: row.map((VarCharValue) => ({ VarCharValue })) })),
        },
      });
      // Answers by the shape of the core's figure queries (handlers/core/batch-figures.ts).
      if (sql.includes('AS lines')) return page([['lines', 'bigint']], [[String(this.figures.lines)]]);
      if (sql.includes('AS loaded')) return page([['loaded', 'bigint']], [[String(this.figures.loaded)]]);
      if (sql.includes('AS duplicates') && sql.includes(' IN (SELECT')) return page([['duplicates', 'bigint']], [[String(this.figures.duplicatesInGold)]]);
      if (sql.includes('AS duplicates')) return page([['duplicates', 'bigint']], [[String(this.figures.duplicatesInBatch)]]);
      return page([['reason', 'varchar'], ['n', 'bigint']], this.figures.reasons);
    });
  }

  listLocation(location: string): string[] {
    const prefix = location.slice('s3://'.length);
    return [...this.objects.keys()].filter((name) => name.startsWith(prefix));
  }
}

interface Harness {
  cloud: FakeCloud;
  handler: ReturnType<typeof createHandler>;
  errors: Array<{ message: string; fields: unknown }>;
  published: unknown[];
  context: (remainingMs?: number) => Context;
}

function harness(env: Record<string, string> = ENV): Harness {
  const cloud = new FakeCloud();
  const logger = new Logger({ serviceName: 'cleaner-test', logLevel: 'SILENT' });
  const errors: Harness['errors'] = [];
  const originalError = logger.error.bind(logger);
  logger.error = ((message: string, fields?: unknown) => {
    errors.push({ message, fields });
    originalError(message);
  }) as typeof logger.error;
  const metrics = new Metrics({ namespace: 'ProcureFlowTest', serviceName: 'cleaner-test' });
  const published: unknown[] = [];
  metrics.publishStoredMetrics = () => {
    if (metrics.hasStoredMetrics()) published.push(metrics.serializeMetrics());
    metrics.clearMetrics();
    return metrics;
  };
  const handler = createHandler({ env, s3: cloud.s3, glue: cloud.glue, athena: cloud.athena, logger, metrics, timing: cloud.timing });
  const context = (remainingMs = 600_000): Context => {
    const deadline = cloud.clock.now + remainingMs;
    return {
      functionName: 'pf-cleaner',
      awsRequestId: 'req-1',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:pf-cleaner',
      memoryLimitInMB: '256',
      getRemainingTimeInMillis: () => deadline - cloud.clock.now,
    } as unknown as Context;
  };
  return { cloud, handler, errors, published, context };
}

function sqsEvent(messages: Array<{ id: string; body: unknown }>): SQSEvent {
  return {
    Records: messages.map(({ id, body }) => ({
      messageId: id,
      receiptHandle: `rh-${id}`,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      // A FIFO queue with one message group (the stack's landing queue).
      attributes: { MessageGroupId: 'landings', SequenceNumber: '1', MessageDeduplicationId: id } as unknown as SQSEvent['Records'][number]['attributes'],
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:pf-landings.fifo',
      awsRegion: 'us-east-1',
    })),
  };
}

/** The body EventBridge puts on the queue for an object created in bronze. */
const landing = (key: string, etag = 'abc', size = 1234) => objectCreatedEventBridge({ ref: { bucket: 'pf-bronze', key }, size, etag });

function expectedBatch(key: string, etag = 'abc') {
  const id = batchIdFor({ bucket: 'pf-bronze', key }, etag);
  const loc = {
    silver: `s3://pf-silver/raw_transactions/batch_id=${id}/`,
    gold: `s3://pf-gold/cleaned_transactions/batch_id=${id}/`,
    rejects: `s3://pf-gold/rejected_transactions/batch_id=${id}/`,
  };
  const ctas = (table: string, location: string) =>
    `Athena.StartQueryExecution CREATE TABLE ${DB}.${table}_${id} WITH (format = 'PARQUET', write_compression = 'SNAPPY', external_location = '${location}') AS`;
  return { id, loc, ctas };
}

test('one .dat landing: the exact sequence of Glue, S3 and Athena calls, committed silver → rejects → gold', async (t) => {
  const { cloud, handler, published, context, errors } = harness();
  const key = 'landing/sales 2026-03.dat';
  const response = await handler(sqsEvent([{ id: 'm-1', body: landing(key) }]), context());
  t.deepEqual(response, { batchItemFailures: [] }, JSON.stringify(errors));

  const { id, loc, ctas } = expectedBatch(key);
  const q = (n: number) => `Athena.GetQueryExecution q-${n}`;
  const before = [
    `Glue.GetPartition cleaned_transactions ${id}`,
    `S3.PutObject s3://pf-silver/_work/landed/bronze_${id}/manifest`,
    `Glue.CreateTable bronze_${id}`,
    `S3.ListObjectsV2 ${loc.silver.replace('s3://', 's3://')}`,
    `Glue.DeleteTable stage_silver_${id}`,
    ctas('stage_silver', loc.silver),
    q(1), q(1), q(1),
    `S3.ListObjectsV2 ${loc.rejects}`,
    `Glue.DeleteTable stage_rejects_${id}`,
    ctas('stage_rejects', loc.rejects),
    q(2), q(2), q(2),
    // The gold turn: the commit is looked up again on the latest catalog state, then gold.
    `Glue.GetPartition cleaned_transactions ${id}`,
    `S3.ListObjectsV2 ${loc.gold}`,
    `Glue.DeleteTable stage_gold_${id}`,
    ctas('stage_gold', loc.gold),
    q(3), q(3), q(3),
  ];
  const queries = Object.values(figureQueries({ silverStage: `stage_silver_${id}`, goldStage: `stage_gold_${id}`, rejectsStage: `stage_rejects_${id}`, goldTable: `${DB}.cleaned_transactions`, batchId: id }));
  const figures = [
    ...queries.map((query) => `Athena.StartQueryExecution ${query.split('\n')[0]}`),
    ...queries.map((_, n) => `Athena.GetQueryExecution q-${4 + n}`),
    ...queries.map((_, n) => `Athena.GetQueryResults q-${4 + n}`),
    `S3.ListObjectsV2 ${loc.silver}`, `S3.ListObjectsV2 ${loc.gold}`, `S3.ListObjectsV2 ${loc.rejects}`,
  ];
  const after = [
    'Glue.GetTable raw_transactions',
    `Glue.CreatePartition raw_transactions ${id} ${loc.silver}`,
    'Glue.GetTable rejected_transactions',
    `Glue.CreatePartition rejected_transactions ${id} ${loc.rejects}`,
    'Glue.GetTable cleaned_transactions',
    `Glue.CreatePartition cleaned_transactions ${id} ${loc.gold}`,
    `Glue.DeleteTable stage_rejects_${id}`,
    `Glue.DeleteTable stage_gold_${id}`,
    `Glue.DeleteTable stage_silver_${id}`,
    `Glue.DeleteTable bronze_${id}`,
  ];
  t.deepEqual(cloud.calls.slice(0, before.length), before);
  // The figures step runs its queries and listings concurrently: the same calls, any order.
  t.deepEqual(cloud.calls.slice(before.length, before.length + figures.length).sort(), [...figures].sort());
  t.deepEqual(cloud.calls.slice(before.length + figures.length), after);

  // The statements are the analysts' SQL, filled in and wrapped in the CTAS, in the workgroup and database.
  const sql = await loadPipelineSql(SQL_DIR);
  const silverSelect = fillTemplate(sql.silver, { source_table: identifier(`bronze_${id}`), source_file: literal(`pf-bronze/${key}`), header: literal(HEADER_LINE) });
  const goldSelect = fillTemplate(sql.gold, { silver_batch: identifier(`stage_silver_${id}`), gold_table: identifier(`${DB}.cleaned_transactions`), batch_id: literal(id) });
  t.is(cloud.starts[0]?.QueryString, `${ctas('stage_silver', loc.silver).replace('Athena.StartQueryExecution ', '')}\n${silverSelect}`);
  t.is(cloud.starts[2]?.QueryString, `${ctas('stage_gold', loc.gold).replace('Athena.StartQueryExecution ', '')}\n${goldSelect}`);
  for (const start of cloud.starts) {
    t.is(start.Database, DB);
    t.is(start.WorkGroup, WG);
    t.is(start.ClientRequestToken, clientRequestToken({ workGroup: WG, database: DB, batchId: id, step: start.QueryString.startsWith('SELECT') ? 'figures' : /stage_(\w+?)_/.exec(start.QueryString)?.[1] ?? '?', sql: start.QueryString, generation: 0 }));
  }

  // The commit carries the figures; the work tables are gone; outputs stay where the partitions point.
  const committed = figuresFromParameters(cloud.partitions.get(`cleaned_transactions/${id}`));
  t.like(committed, { batchId: id, sourceFile: `pf-bronze/${key}`, lines: 5, loaded: 3, duplicates: 1, rejected: 1, rejectsByReason: { malformed: 1 }, bytesIn: 1234, bytesOut: { silver: 100, gold: 100, rejects: 100 } });
  t.deepEqual(cloud.partitions.get(`raw_transactions/${id}`), {});
  t.deepEqual([...cloud.tables], []);
  t.is(cloud.conflicts, 0);

  // One EMF blob with the batch's figures.
  t.is(published.length, 1);
  const emf = published[0] as Record<string, unknown>;
  t.like(emf, { lines: 5, loaded: 3, duplicates: 1, rejected: 1, bytesIn: 1234, batchesCommitted: 1, service: 'cleaner-test' });
  const units = Object.fromEntries(((emf._aws as { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string; Unit: string }> }> }).CloudWatchMetrics[0]?.Metrics ?? []).map((m) => [m.Name, m.Unit]));
  t.like(units, { lines: 'Count', loaded: 'Count', duplicates: 'Count', rejected: 'Count', bytesIn: 'Bytes' });
});

test('a FAILED query fails its message and, FIFO, every later one unprocessed: the error names the query and Athena’s reason', async (t) => {
  const { cloud, handler, errors, context } = harness();
  cloud.failWhen = (sql) => (sql.includes('stage_gold_bad_') && sql.startsWith('CREATE TABLE') ? 'HIVE_BAD_DATA: Error parsing column transaction_ts' : undefined);
  const response = await handler(
    sqsEvent([
      { id: 'm-bad', body: landing('landing/bad.dat') },
      { id: 'm-good', body: landing('landing/good.dat') },
    ]),
    context(),
  );
  // The FIFO order holds: the later message is reported unprocessed, after the failed one.
  t.deepEqual(response, { batchItemFailures: [{ itemIdentifier: 'm-bad' }, { itemIdentifier: 'm-good' }] });
  const bad = expectedBatch('landing/bad.dat');
  const good = expectedBatch('landing/good.dat');
  t.false([...cloud.partitions.keys()].some((key) => key.endsWith(bad.id)), 'no partition of the failed batch');
  t.false(cloud.calls.some((call) => call.includes(good.id)), 'the later file is not touched before the failed one commits');
  const failedQuery = cloud.starts.find((start) => start.QueryString.includes(`stage_gold_${bad.id}`))?.id;
  t.truthy(failedQuery);
  const landingError = errors.find((entry) => entry.message === 'landing failed');
  const text = JSON.stringify(landingError?.fields);
  t.true(text.includes(`Athena query ${failedQuery} FAILED at step gold`), text);
  t.true(text.includes('HIVE_BAD_DATA: Error parsing column transaction_ts'), text);
  t.true(text.includes(`batch ${bad.id}`), text);
  t.false(cloud.calls.includes(`Glue.CreatePartition cleaned_transactions ${bad.id} ${bad.loc.gold}`));
});

test('throttled Athena calls are retried and the landing still commits', async (t) => {
  const { cloud, handler, context } = harness();
  cloud.throttleStarts = 2;
  cloud.throttleGets = 1;
  const response = await handler(sqsEvent([{ id: 'm-1', body: landing('landing/t.dat') }]), context());
  t.deepEqual(response, { batchItemFailures: [] });
  const { id, loc, ctas } = expectedBatch('landing/t.dat');
  const silverStarts = cloud.calls.filter((call) => call === ctas('stage_silver', loc.silver));
  t.is(silverStarts.length, 3, 'two throttled attempts, then the start');
  // The throttled poll's backoff (250 ms) outlasts the 250 ms query: the next poll sees SUCCEEDED.
  t.is(cloud.calls.filter((call) => call === 'Athena.GetQueryExecution q-1').length, 2, 'one throttled poll, then SUCCEEDED');
  t.true(cloud.partitions.has(`cleaned_transactions/${id}`));
});

test('a re-delivered event finds the gold partition and calls nothing else', async (t) => {
  const { cloud, handler, published, context } = harness();
  const { id } = expectedBatch('landing/sales.dat');
  cloud.partitions.set(`cleaned_transactions/${id}`, { procureflow_figures: JSON.stringify({ batchId: id, lines: 5 }) });
  const response = await handler(sqsEvent([{ id: 'm-again', body: landing('landing/sales.dat') }]), context());
  t.deepEqual(response, { batchItemFailures: [] });
  t.deepEqual(cloud.calls, [`Glue.GetPartition cleaned_transactions ${id}`]);
  t.like(published[0], { batchesSkipped: 1 });
});

test('a retry after a crash re-attaches with the same tokens, clears before every CTAS and never runs two writers at once', async (t) => {
  const { cloud, handler, context } = harness();
  const key = 'landing/crash.dat';
  const { id, loc, ctas } = expectedBatch(key);
  // The first gold CTAS outlives the first invocation (10 minutes; the invocation has 2).
  const slow = new Set<string>();
  cloud.duration = (sql, token) => {
    if (sql.startsWith(`CREATE TABLE ${DB}.stage_gold_`) && (slow.size === 0 || slow.has(token))) {
      slow.add(token);
      return 600_000;
    }
    return sql.startsWith('CREATE TABLE') ? 250 : 0;
  };
  const first = await handler(sqsEvent([{ id: 'm-1', body: landing(key) }]), context(120_000));
  t.deepEqual(first, { batchItemFailures: [{ itemIdentifier: 'm-1' }] });
  t.false(cloud.calls.some((call) => call.startsWith('Glue.CreatePartition')));
  const firstRun = cloud.starts.length;
  const silverToken = cloud.starts[0]?.ClientRequestToken;
  const goldToken = cloud.starts[1]?.ClientRequestToken;

  // SQS delivers the message again after its visibility timeout; the slow gold query still runs.
  cloud.clock.now += 120_000;
  const callsBefore = cloud.calls.length;
  const second = await handler(sqsEvent([{ id: 'm-1', body: landing(key) }]), context(900_000));
  t.deepEqual(second, { batchItemFailures: [] });
  const retry = cloud.starts.slice(firstRun);
  const retryCalls = cloud.calls.slice(callsBefore);

  // Same token first: re-attached to the earlier silver query (same id), then a fresh generation.
  t.is(retry[0]?.ClientRequestToken, silverToken);
  t.is(retry[0]?.id, cloud.starts[0]?.id);
  t.not(retry[1]?.ClientRequestToken, silverToken);
  // Gold: re-attached to the query still running, waited for it, then reset and ran again.
  t.is(retry[2]?.ClientRequestToken, goldToken);
  t.is(retry[2]?.id, cloud.starts[1]?.id);
  t.not(retry[3]?.ClientRequestToken, goldToken);
  // Every CTAS start is preceded by a clearing of its location and a drop of its table.
  retryCalls.forEach((call, index) => {
    if (!call.startsWith('Athena.StartQueryExecution CREATE TABLE')) return;
    const location = /external_location = '([^']+)'/.exec(call)?.[1] ?? '';
    const table = /CREATE TABLE procureflow_db\.(\w+)/.exec(call)?.[1] ?? '';
    t.is(retryCalls[index - 1], `Glue.DeleteTable ${table}`, `${table} dropped right before ${call}`);
    t.true(retryCalls.slice(index - 3, index - 1).includes(`S3.ListObjectsV2 ${location}`), `${location} cleared right before ${call}`);
  });
  t.true(retryCalls.some((call) => call.startsWith(`S3.DeleteObjects s3://pf-silver/ raw_transactions/batch_id=${id}/`)), 'the first attempt’s silver output is deleted');
  t.true(retryCalls.some((call) => call.startsWith(`S3.DeleteObjects s3://pf-gold/ cleaned_transactions/batch_id=${id}/`)), 'the late gold output is deleted before the rerun');
  t.is(cloud.conflicts, 0, 'never two writers on one location');
  t.false([...cloud.executions.values()].some((execution) => execution.state === 'FAILED'), 'no CTAS found its location taken');
  t.is(cloud.listLocation(loc.gold).length, 1, 'gold holds exactly one run’s output');
  t.true(cloud.partitions.has(`cleaned_transactions/${id}`));
  t.true(retryCalls.includes(ctas('stage_rejects', loc.rejects)));
});

test('landings outside the bronze bucket or prefix are ignored; a body that is not an EventBridge S3 event fails, with every later message', async (t) => {
  const { cloud, handler, context } = harness();
  const response = await handler(
    sqsEvent([
      { id: 'm-outside', body: landing('elsewhere/x.dat') },
      { id: 'm-other-bucket', body: objectCreatedEventBridge({ ref: { bucket: 'not-bronze', key: 'landing/x.dat' }, size: 1, etag: 'e' }) },
      { id: 'm-garbage', body: 'not json' },
      { id: 'm-old-shape', body: { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'pf-bronze' }, object: { key: 'landing/x.dat' } } }] } },
    ]),
    context(),
  );
  t.deepEqual(response, { batchItemFailures: [{ itemIdentifier: 'm-garbage' }, { itemIdentifier: 'm-old-shape' }] });
  t.deepEqual(cloud.calls, []);
});

test('a landing over LANDING_MAX_BYTES is refused once: logged with the reason, counted as LandingsRefused, not reported, nothing called', async (t) => {
  const { cloud, handler, errors, published, context } = harness({ ...ENV, LANDING_MAX_BYTES: '1000' });
  const response = await handler(sqsEvent([{ id: 'm-big', body: landing('landing/BIG.DAT', 'e', 1001) }, { id: 'm-next', body: landing('landing/next.dat', 'e', 1000) }]), context());
  t.deepEqual(response, { batchItemFailures: [] });
  const refusal = errors.find((entry) => entry.message === 'landing refused; not retried (the verdict would not change)');
  t.like(refusal?.fields, { sourceFile: 'pf-bronze/landing/BIG.DAT', reason: '1001 bytes, more than the limit of 1000' });
  t.false(cloud.calls.some((call) => call.includes('BIG') || call.includes(expectedBatch('landing/BIG.DAT', 'e').id)));
  t.true(cloud.partitions.has(`cleaned_transactions/${expectedBatch('landing/next.dat', 'e').id}`), 'the next landing (exactly at the limit) commits');
  t.like(published[0], { LandingsRefused: 1, batchesCommitted: 1 });
});

test('an upper-case .DAT landing is processed in place (no copy); a hidden key is read through a safe copy listed in the manifest', async (t) => {
  const { cloud, handler, context } = harness();
  cloud.objects.set('pf-bronze/landing/_export.DAT.GZ', 1234);
  const response = await handler(sqsEvent([{ id: 'm-up', body: landing('landing/SALES.DAT') }, { id: 'm-hidden', body: landing('landing/_export.DAT.GZ') }]), context());
  t.deepEqual(response, { batchItemFailures: [] });
  const up = expectedBatch('landing/SALES.DAT');
  const hidden = expectedBatch('landing/_export.DAT.GZ');
  t.true(cloud.partitions.has(`cleaned_transactions/${up.id}`));
  t.true(cloud.partitions.has(`cleaned_transactions/${hidden.id}`));
  t.deepEqual(cloud.copies, [[`pf-bronze/landing/_export.DAT.GZ`, `pf-silver/_work/landed-copies/bronze_${hidden.id}/bronze_${hidden.id}.dat.gz`]]);
  t.is(cloud.manifests.get(`bronze_${up.id}`), 's3://pf-bronze/landing/SALES.DAT\n');
  t.is(cloud.manifests.get(`bronze_${hidden.id}`), `s3://pf-silver/_work/landed-copies/bronze_${hidden.id}/bronze_${hidden.id}.dat.gz\n`);
  t.false([...cloud.objects.keys()].some((key) => key.startsWith('pf-silver/_work/landed-copies/')), 'the copy is removed at cleanup');
});

test('a zip that cannot be read is a real failure (retried), not a refusal', async (t) => {
  const { cloud, handler, context } = harness();
  // The zip does not exist in the fake S3: reading it fails, the message is reported, nothing is processed.
  const response = await handler(sqsEvent([{ id: 'm-zip', body: landing('landing/a.zip') }]), context());
  t.deepEqual(response, { batchItemFailures: [{ itemIdentifier: 'm-zip' }] });
  t.false(cloud.calls.some((call) => call.startsWith('Athena.') || call.startsWith('Glue.')));
});

test('a missing setting fails the invocation with an error naming the variable', async (t) => {
  const env: Record<string, string> = { ...ENV };
  delete env.ATHENA_WORKGROUP;
  const { handler, context } = harness(env);
  await t.throwsAsync(handler(sqsEvent([{ id: 'm', body: landing('landing/x.dat') }]), context()), { message: /ATHENA_WORKGROUP is not set/ });
});
