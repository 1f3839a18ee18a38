// The Athena engine with aws-sdk-client-mock: exact commands, polling with backoff, failures that
// name the query and Athena's reason, throttling, deadlines and re-attachment after a crash.
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-athena';
import test from 'ava';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AthenaEngine,
  AthenaQueryError,
  AthenaTimeoutError,
  clientRequestToken,
  convertValue,
  ctasStatement,
} from '../handlers/aws/athena-engine.ts';
import type { Timing } from '../handlers/aws/backoff.ts';
import { fullJitterDelay } from '../handlers/aws/backoff.ts';
import { materializeFresh, StaleQueryError } from '../handlers/core/fresh-output.ts';
import { silentLog } from '../handlers/core/pipeline-log.ts';

const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const context = { batchId: 'sales_2026_03_0123456789ab', step: 'silver' };
const location = 's3://pf-silver/raw_transactions/batch_id=sales_2026_03_0123456789ab/';

function fakeTiming(start = T0): Timing & { sleeps: number[]; clock: { now: number } } {
  const clock = { now: start };
  const sleeps: number[] = [];
  return {
    clock,
    sleeps,
    now: () => clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.now += ms;
    },
    random: () => 0.5,
  };
}

function setup(options: { remainingMs?: number } = {}) {
  const client = new AthenaClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  const timing = fakeTiming();
  const engine = new AthenaEngine({
    client,
    workGroup: 'pf-dev-wg',
    database: 'procureflow_db',
    timing,
    ...(options.remainingMs !== undefined ? { remainingTimeMillis: () => options.remainingMs as number } : {}),
  });
  return { client, mock, timing, engine };
}

const running = (at: number) => ({ QueryExecution: { Status: { State: 'RUNNING' as const, SubmissionDateTime: new Date(at) } } });
const succeeded = (at: number) => ({ QueryExecution: { Status: { State: 'SUCCEEDED' as const, SubmissionDateTime: new Date(at) } } });

test('materialize sends the exact CTAS with workgroup, database and a deterministic token, and polls until SUCCEEDED', async (t) => {
  const { mock, engine, timing } = setup();
  mock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
  mock.on(GetQueryExecutionCommand).resolvesOnce(running(T0)).resolvesOnce(running(T0)).resolves(succeeded(T0));

  await engine.materialize('stage_silver_x', 'SELECT 1 AS one', location, context);

  const sql =
    "CREATE TABLE procureflow_db.stage_silver_x WITH (format = 'PARQUET', write_compression = 'SNAPPY', " +
    `external_location = '${location}') AS\nSELECT 1 AS one`;
  const starts = mock.commandCalls(StartQueryExecutionCommand);
  t.is(starts.length, 1);
  t.deepEqual(starts[0]?.args[0].input, {
    QueryString: sql,
    ClientRequestToken: clientRequestToken({ workGroup: 'pf-dev-wg', database: 'procureflow_db', batchId: context.batchId, step: 'silver', sql, generation: 0 }),
    QueryExecutionContext: { Database: 'procureflow_db' },
    WorkGroup: 'pf-dev-wg',
  });
  t.deepEqual(
    mock.commandCalls(GetQueryExecutionCommand).map((call) => call.args[0].input),
    [{ QueryExecutionId: 'q-1' }, { QueryExecutionId: 'q-1' }, { QueryExecutionId: 'q-1' }],
  );
  // Full jitter with random() = 0.5: half of 200 ms, then half of 400 ms.
  t.deepEqual(timing.sleeps, [100, 200]);
});

test('the token is deterministic, 32–128 characters, and changes with batch, step, SQL and generation', (t) => {
  const base = { workGroup: 'wg', database: 'db', batchId: 'b', step: 'silver', sql: 'SELECT 1', generation: 0 };
  const token = clientRequestToken(base);
  t.is(token, clientRequestToken({ ...base }));
  t.true(token.length >= 32 && token.length <= 128);
  for (const change of [{ batchId: 'c' }, { step: 'gold' }, { sql: 'SELECT 2' }, { generation: 1 }, { workGroup: 'w2' }]) {
    t.not(clientRequestToken({ ...base, ...change }), token);
  }
});

test('ctasStatement refuses unsafe names and locations', (t) => {
  t.throws(() => ctasStatement('db.x; DROP TABLE y', 'SELECT 1', location), { message: /unsafe SQL identifier/ });
  t.throws(() => ctasStatement('db.x', 'SELECT 1', 's3://b/no-slash'), { message: /ending in '\/'/ });
  t.throws(() => ctasStatement('db.x', 'SELECT 1', 's3://b/a\nb/'), { message: /control character/ });
  t.regex(ctasStatement('db.x', 'SELECT 1', "s3://b/it's/"), /external_location = 's3:\/\/b\/it''s\/'/);
});

test('a FAILED query becomes an error naming the step, the query id and Athena’s reason', async (t) => {
  const { mock, engine } = setup();
  mock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-failed' });
  mock.on(GetQueryExecutionCommand).resolves({
    QueryExecution: {
      Status: {
        State: 'FAILED',
        SubmissionDateTime: new Date(T0),
        StateChangeReason: 'HIVE_BAD_DATA: Error parsing field value',
        AthenaError: { ErrorCategory: 2, ErrorType: 1001, ErrorMessage: 'HIVE_BAD_DATA: Error parsing field value at line 7' },
      },
    },
  });
  const error = await t.throwsAsync(engine.materialize('stage_silver_x', 'SELECT 1', location, context), { instanceOf: AthenaQueryError });
  t.is(error?.queryExecutionId, 'q-failed');
  t.regex(error?.message ?? '', /^Athena query q-failed FAILED at step silver: HIVE_BAD_DATA: Error parsing field value — HIVE_BAD_DATA: Error parsing field value at line 7/);
  t.is(mock.commandCalls(StartQueryExecutionCommand).length, 1, 'a fresh failure is not retried here; the SQS retry is');
});

test('a CANCELLED query is an error too', async (t) => {
  const { mock, engine } = setup();
  mock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-c' });
  mock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'CANCELLED', SubmissionDateTime: new Date(T0), StateChangeReason: 'Query cancelled by user' } } });
  await t.throwsAsync(engine.query('SELECT 1', context), { message: /q-c CANCELLED at step silver: Query cancelled by user/ });
});

test('throttled Start and Get calls are retried with backoff, with the same token', async (t) => {
  const { mock, engine, timing } = setup();
  const throttled = () => new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} });
  const throttling = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
  mock.on(StartQueryExecutionCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({ QueryExecutionId: 'q-t' });
  mock.on(GetQueryExecutionCommand).rejectsOnce(throttling).resolves(succeeded(T0));
  await engine.materialize('stage_silver_x', 'SELECT 1', location, context);
  const tokens = mock.commandCalls(StartQueryExecutionCommand).map((call) => call.args[0].input.ClientRequestToken);
  t.is(tokens.length, 3);
  t.is(new Set(tokens).size, 1);
  t.is(mock.commandCalls(GetQueryExecutionCommand).length, 2);
  // Throttle backoff 500 ms base: 250, 500 (Start), then 250 (Get).
  t.deepEqual(timing.sleeps, [250, 500, 250]);
});

test('throttling that never ends gives up with a clear error', async (t) => {
  const { mock, engine } = setup();
  mock.on(StartQueryExecutionCommand).rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));
  await t.throwsAsync(engine.query('SELECT 1', context), { message: /StartQueryExecution \(step silver\): still throttled after 8 attempt/ });
});

test('polling stops at the deadline (remaining time minus a margin) with an error naming the query; the query is not stopped', async (t) => {
  const { mock, engine, timing } = setup({ remainingMs: 20_000 });
  mock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-slow' });
  mock.on(GetQueryExecutionCommand).resolves(running(T0));
  const error = await t.throwsAsync(engine.materialize('stage_silver_x', 'SELECT 1', location, context), { instanceOf: AthenaTimeoutError });
  t.regex(error?.message ?? '', /Athena query q-slow at step silver still RUNNING when the invocation ran out of time/);
  t.true(timing.clock.now - T0 <= 5_000, 'never waits past remaining time − 15 s margin');
  t.is(mock.commandCalls(StopQueryExecutionCommand).length, 0);
});

test('a CTAS that re-attaches to an earlier attempt’s query waits for its end, then reports it stale without touching its output', async (t) => {
  const { mock, engine } = setup();
  // q-old was submitted ten minutes before this attempt and is still running.
  mock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-old' });
  mock.on(GetQueryExecutionCommand, { QueryExecutionId: 'q-old' }).resolvesOnce(running(T0 - 600_000)).resolves(succeeded(T0 - 600_000));
  const error = await t.throwsAsync(engine.materialize('stage_silver_x', 'SELECT 1', location, { ...context, generation: 3 }), { instanceOf: StaleQueryError });
  t.is(error?.queryExecutionId, 'q-old');
  t.regex(error?.message ?? '', /^query q-old at step silver re-attached to an earlier attempt's query \(SUCCEEDED\): its output must be reset/);
  const sql = mock.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input.QueryString ?? '';
  t.deepEqual(
    mock.commandCalls(StartQueryExecutionCommand).map((call) => call.args[0].input.ClientRequestToken),
    [clientRequestToken({ workGroup: 'pf-dev-wg', database: 'procureflow_db', batchId: context.batchId, step: 'silver', sql, generation: 3 })],
    'one start, under the generation the caller gave',
  );
  // Reported only once the old query has ended (RUNNING, then SUCCEEDED): never two writers at once.
  t.deepEqual(mock.commandCalls(GetQueryExecutionCommand).map((call) => call.args[0].input.QueryExecutionId), ['q-old', 'q-old']);
});

test('with the core’s materializeFresh, a stale CTAS is reset and rerun under the next generation: reset, CTAS, (old query ends), reset, CTAS', async (t) => {
  const { mock, engine } = setup();
  const order: string[] = [];
  // q-old was submitted ten minutes before this attempt and is still running; q-new is fresh.
  mock
    .on(StartQueryExecutionCommand)
    .callsFakeOnce(() => (order.push('start q-old'), { QueryExecutionId: 'q-old' }))
    .callsFake(() => (order.push('start q-new'), { QueryExecutionId: 'q-new' }));
  mock
    .on(GetQueryExecutionCommand, { QueryExecutionId: 'q-old' })
    .resolvesOnce(running(T0 - 600_000))
    .callsFake(() => (order.push('q-old ended'), succeeded(T0 - 600_000)));
  mock.on(GetQueryExecutionCommand, { QueryExecutionId: 'q-new' }).resolves(succeeded(T0 + 1));
  await materializeFresh({
    context,
    reset: async () => void order.push('clear location', 'drop table'),
    write: (attempt) => engine.materialize('stage_silver_x', 'SELECT 1', location, attempt),
    log: silentLog,
  });
  t.deepEqual(order, ['clear location', 'drop table', 'start q-old', 'q-old ended', 'clear location', 'drop table', 'start q-new']);
  const starts = mock.commandCalls(StartQueryExecutionCommand).map((call) => call.args[0].input);
  const sql = starts[0]?.QueryString ?? '';
  const token = (generation: number) => clientRequestToken({ workGroup: 'pf-dev-wg', database: 'procureflow_db', batchId: context.batchId, step: 'silver', sql, generation });
  t.deepEqual(starts.map((input) => input.ClientRequestToken), [token(0), token(1)]);
});

test('materializeFresh gives up after MAX_GENERATIONS stale generations, resetting before each', async (t) => {
  const { mock, engine } = setup();
  let resets = 0;
  mock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-old' });
  mock.on(GetQueryExecutionCommand).resolves(succeeded(T0 - 600_000));
  await t.throwsAsync(
    materializeFresh({ context, reset: async () => void resets++, write: (attempt) => engine.materialize('stage_silver_x', 'SELECT 1', location, attempt), log: silentLog }),
    { message: /^step silver: 20 generations of the same statement all had to be rerun$/ },
  );
  t.is(resets, 20);
  t.is(new Set(mock.commandCalls(StartQueryExecutionCommand).map((call) => call.args[0].input.ClientRequestToken)).size, 20);
});

test('a SELECT that re-attaches to an earlier attempt’s query runs again under the next generation (nothing to reset)', async (t) => {
  const { mock, engine } = setup();
  mock.on(StartQueryExecutionCommand).resolvesOnce({ QueryExecutionId: 'q-old' }).resolves({ QueryExecutionId: 'q-new' });
  mock.on(GetQueryExecutionCommand, { QueryExecutionId: 'q-old' }).resolves(succeeded(T0 - 600_000));
  mock.on(GetQueryExecutionCommand, { QueryExecutionId: 'q-new' }).resolves(succeeded(T0 + 1));
  mock.on(GetQueryResultsCommand, { QueryExecutionId: 'q-new' }).resolves({
    ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: 'n', Type: 'bigint' }] }, Rows: [{ Data: [{ VarCharValue: 'n' }] }, { Data: [{ VarCharValue: '7' }] }] },
  });
  t.deepEqual(await engine.query('SELECT 7 AS n', context), [{ n: 7 }]);
  const token = (generation: number) => clientRequestToken({ workGroup: 'pf-dev-wg', database: 'procureflow_db', batchId: context.batchId, step: 'silver', sql: 'SELECT 7 AS n', generation });
  t.deepEqual(mock.commandCalls(StartQueryExecutionCommand).map((call) => call.args[0].input.ClientRequestToken), [token(0), token(1)]);
  t.deepEqual(mock.commandCalls(GetQueryResultsCommand).map((call) => call.args[0].input.QueryExecutionId), ['q-new']);
});

test('query reads every page, skips the header row and converts numbers and booleans by column type', async (t) => {
  const { mock, engine } = setup();
  mock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-r' });
  mock.on(GetQueryExecutionCommand).resolves(succeeded(T0));
  const ColumnInfo = [
    { Name: 'reason', Type: 'varchar' },
    { Name: 'n', Type: 'bigint' },
    { Name: 'ok', Type: 'boolean' },
  ];
  mock
    .on(GetQueryResultsCommand, { QueryExecutionId: 'q-r', NextToken: undefined, MaxResults: 1000 })
    .resolves({
      NextToken: 'page-2',
      ResultSet: {
        ResultSetMetadata: { ColumnInfo },
        Rows: [
          { Data: [{ VarCharValue: 'reason' }, { VarCharValue: 'n' }, { VarCharValue: 'ok' }] },
          { Data: [{ VarCharValue: 'malformed' }, { VarCharValue: '3' }, { VarCharValue: 'true' }] },
        ],
      },
    })
    .on(GetQueryResultsCommand, { QueryExecutionId: 'q-r', NextToken: 'page-2', MaxResults: 1000 })
    .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo }, Rows: [{ Data: [{}, { VarCharValue: '12' }, { VarCharValue: 'false' }] }] } });
  const rows = await engine.query('SELECT reason, n, ok FROM t', context);
  t.deepEqual(rows, [
    { reason: 'malformed', n: 3, ok: true },
    { reason: null, n: 12, ok: false },
  ]);
});

test('convertValue maps Athena types', (t) => {
  t.is(convertValue('12', 'bigint'), 12);
  t.is(convertValue('1.50', 'decimal(12,2)'), 1.5);
  t.is(convertValue('x', 'varchar'), 'x');
  t.is(convertValue(undefined, 'bigint'), null);
});

test('full jitter stays within the exponential ceiling', (t) => {
  const policy = { baseMs: 100, capMs: 1000 };
  t.is(fullJitterDelay(0, policy, () => 0.999), 99);
  t.is(fullJitterDelay(10, policy, () => 0.999), 999);
  t.is(fullJitterDelay(3, policy, () => 0), 0);
});
