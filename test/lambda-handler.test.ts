// The cleaner Lambda end to end on the shared fake AWS side (test/fakes): landings go S3 →
// EventBridge rule → SQS FIFO → the real handler, whose SDK clients are answered by the fake. The
// fake Athena runs every statement (Trino's grammar and reader, then DuckDB), so the figures,
// gold rows and rejects asserted here come from real data; the call sequences come from the
// fake's record (`aws.state.calls`). Waits follow events (a query settling), never the wall
// clock, and no test counts backoff polls.
import test from 'ava';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { gzipSync } from 'node:zlib';
import { clientRequestToken } from '../handlers/aws/athena-engine.ts';
import { CLEANER_ENV } from '../handlers/aws/cleaner-environment.ts';
import { objectCreatedEventBridge } from '../handlers/aws/sqs-landings.ts';
import { batchIdFor } from '../handlers/core/batch-identity.ts';
import { figuresFromParameters } from '../handlers/core/batch-figures.ts';
import { LANDED_COPY_PREFIX } from '../handlers/core/lake-prefixes.ts';
import { DEFAULT_SQL_DIR, loadPipelineSql } from '../handlers/core/pipeline-sql.ts';
import { dateLiteral, fillTemplate, identifier, literal, noRows, unionOf } from '../handlers/core/sql-template.ts';
import { groupIdFor } from '../handlers/core/gold-turn.ts';
import { HEADER_LINE } from '../handlers/core/tables.ts';
import { type CleanerOnFake, cleanerOnFake, STACK, STACK_ENV_INLINE } from './fakes/cleaner-on-fake.ts';
import { runQuery } from './fakes/run-query.ts';

const DB = STACK.database;
const WG = STACK.workGroup;
const BRONZE = STACK.buckets.bronze;
const HEADER = HEADER_LINE;

const line = (id: string, fields: Partial<Record<'ts' | 'store' | 'total' | 'currency', string>> = {}) => {
  const f = { ts: '2026-03-01 10:00:00', store: '1', total: '20.00', currency: 'usd', ...fields };
  return `${id}|${f.ts}|${f.store}|C1|P1|Food|2|10.00|0|${f.total}|card|${f.currency}`;
};
const datFile = (...lines: string[]) => Buffer.from(`${[HEADER, ...lines].join('\n')}\n`);

/** Lands a file in bronze (S3 → EventBridge → FIFO); returns what the batch is called. */
function land(cloud: CleanerOnFake, key: string, body: Buffer) {
  const { ETag } = cloud.aws.s3.put(BRONZE, `${STACK.bronzePrefix}${key}`, body);
  const id = batchIdFor({ bucket: BRONZE, key: `${STACK.bronzePrefix}${key}` }, ETag.replace(/"/g, ''));
  const loc = {
    silver: `s3://${STACK.buckets.silver}/raw_transactions/batch_id=${id}/`,
    gold: `s3://${STACK.buckets.gold}/cleaned_transactions/batch_id=${id}/`,
    rejects: `s3://${STACK.buckets.gold}/rejected_transactions/batch_id=${id}/`,
  };
  return { id, key: `${STACK.bronzePrefix}${key}`, loc, size: body.length };
}

/** The first line of our CTAS, as the fake records its start. */
const ctasCall = (table: string, location: string) =>
  `Athena.StartQueryExecution CREATE TABLE ${DB}.${table} WITH (format = 'PARQUET', write_compression = 'SNAPPY', external_location = '${location}') AS`;

/** Query ids → q1, q2… in order of appearance, so a sequence can be compared whatever ids the fake drew. */
function normalizeIds(calls: string[]): string[] {
  const names = new Map<string, string>();
  return calls.map((call) =>
    call.replace(/^(Athena\.(?:GetQueryExecution|GetQueryResults)) (\S+)$/, (_, op: string, id: string) => {
      if (!names.has(id)) names.set(id, `q${names.size + 1}`);
      return `${op} ${names.get(id) ?? ''}`;
    }),
  );
}

/** Repeated polls of one query collapse into one: how many polls the backoff makes is not the contract. */
const collapsePolls = (calls: string[]) => calls.filter((call, index) => !(call.startsWith('Athena.GetQueryExecution ') && calls[index - 1] === call));

const goldIds = async (cloud: CleanerOnFake, where = 'true') =>
  (await runQuery(cloud.aws.clients().athena, `SELECT transaction_id, transaction_ts, total_amount FROM ${DB}.cleaned_transactions WHERE ${where} ORDER BY transaction_id`, { database: DB, workGroup: WG })).rows.slice(1);

const committed = (cloud: CleanerOnFake, id: string) =>
  figuresFromParameters(cloud.aws.state.partitions(DB, 'cleaned_transactions').find((partition) => partition.Values[0] === id)?.Parameters);

const sizeOf = (cloud: CleanerOnFake, location: string) => {
  const [, bucket = '', prefix = ''] = /^s3:\/\/([^/]+)\/(.*)$/.exec(location) ?? [];
  return cloud.aws.state.listKeys(bucket, prefix).reduce((sum, key) => sum + (cloud.aws.state.getObject(bucket, key)?.body.length ?? 0), 0);
};

test('one .dat landing: the exact sequence of Glue, S3 and Athena calls (clear → drop → CTAS, gold committed last) and figures from real data', async (t) => {
  const cloud = cleanerOnFake({ env: STACK_ENV_INLINE });
  t.teardown(() => cloud.aws.close());
  const from = cloud.aws.state.calls.length;
  const file = land(
    cloud,
    'sales 2026-03.dat',
    datFile(line('T1'), line('T2', { ts: '2026-03-01 11:00:00', total: '5.00' }), line('T2', { ts: '2026-03-01 12:00:00', total: '6.00' }), line('T3', { store: '0' }), 'not a record at all'),
  );
  const { response } = await cloud.deliver();
  t.deepEqual(response, { batchItemFailures: [] }, JSON.stringify(cloud.errors));
  const { id, loc } = file;

  const calls = normalizeIds(cloud.callsSince(from));
  const group = groupIdFor([id]);
  const groupLoc = `s3://${STACK.buckets.gold}/cleaned_transactions/groups/${group}/`;
  const goldLoc = `${groupLoc}batch_id=${id}/`;
  // The file's own steps.
  const before = [
    `Glue.GetPartition cleaned_transactions ${id}`,
    `S3.PutObject s3://${STACK.buckets.silver}/_work/landed/bronze_${id}/manifest`,
    `Glue.CreateTable bronze_${id}`,
    `S3.ListObjectsV2 ${loc.silver}`,
    `Glue.DeleteTable stage_silver_${id}`,
    ctasCall(`stage_silver_${id}`, loc.silver),
    'Athena.GetQueryExecution q1',
    `S3.ListObjectsV2 ${loc.rejects}`,
    `Glue.DeleteTable stage_rejects_${id}`,
    ctasCall(`stage_rejects_${id}`, loc.rejects),
    'Athena.GetQueryExecution q2',
  ];
  const fileFiguresStart = calls.lastIndexOf('Athena.GetQueryExecution q2') + 1;
  t.deepEqual(collapsePolls(calls.slice(0, fileFiguresStart)), before);
  // Its own figures: one query and two listings at once, any order; the query polled before read.
  const goldTurnStart = calls.indexOf(`Glue.GetPartition cleaned_transactions ${id}`, fileFiguresStart);
  const fileFigures = calls.slice(fileFiguresStart, goldTurnStart);
  const fileStarts = fileFigures.filter((call) => call.startsWith('Athena.StartQueryExecution'));
  t.is(fileStarts.length, 1);
  t.deepEqual(fileFigures.filter((call) => !call.startsWith('Athena.GetQueryExecution')).sort(), [
    ...fileStarts,
    'Athena.GetQueryResults q3',
    `S3.ListObjectsV2 ${loc.silver}`,
    `S3.ListObjectsV2 ${loc.rejects}`,
  ].sort());
  t.true(fileFigures.indexOf('Athena.GetQueryExecution q3') < fileFigures.indexOf('Athena.GetQueryResults q3'));
  // The gold turn: the commit is looked up again on the latest catalog state, then one gold
  // statement for the group, partitioned by batch_id, into the group's own location (q5). The
  // duplicates figure (q4) needs silver and committed gold only: it starts with the gold step and
  // runs beside the gold statement; the loaded figure (q6) reads gold's output, so it starts
  // once the gold statement has ended, with the batch's gold listing.
  const commitStart = calls.indexOf('Glue.GetTable raw_transactions');
  const turn = calls.slice(goldTurnStart, commitStart).filter((call) => !call.startsWith('Athena.GetQueryExecution'));
  const selects = turn.filter((call) => call.startsWith('Athena.StartQueryExecution SELECT'));
  t.is(selects.length, 2);
  const [duplicatesStart, loadedStart] = selects as [string, string];
  t.true(duplicatesStart.startsWith('Athena.StartQueryExecution SELECT s.batch_id, count(DISTINCT s.transaction_id) AS duplicates'), duplicatesStart);
  t.true(loadedStart.startsWith('Athena.StartQueryExecution SELECT batch_id, count(*) AS loaded'), loadedStart);
  const goldCalls = [
    `Glue.GetPartition cleaned_transactions ${id}`,
    `S3.ListObjectsV2 ${loc.gold}`,
    `S3.ListObjectsV2 ${groupLoc}`,
    `Glue.DeleteTable stage_gold_${group}`,
    `Athena.StartQueryExecution CREATE TABLE ${DB}.stage_gold_${group} WITH (format = 'PARQUET', write_compression = 'SNAPPY', external_location = '${groupLoc}', partitioned_by = ARRAY['batch_id']) AS`,
  ];
  const goldEnd = calls.lastIndexOf('Athena.GetQueryExecution q5');
  t.deepEqual(turn.filter((call) => goldCalls.includes(call)), goldCalls);
  t.true(turn.indexOf(duplicatesStart) > 0 && calls.indexOf(duplicatesStart) < goldEnd, 'the duplicates figure runs beside the gold statement');
  t.true(calls.indexOf(loadedStart) > goldEnd, 'the loaded figure starts after the gold statement ended');
  t.deepEqual(
    turn.filter((call) => !goldCalls.includes(call) && !selects.includes(call)).sort(),
    ['Athena.GetQueryResults q4', 'Athena.GetQueryResults q6', `S3.ListObjectsV2 ${goldLoc}`].sort(),
  );
  for (const q of ['q4', 'q6']) t.true(calls.indexOf(`Athena.GetQueryExecution ${q}`) < calls.indexOf(`Athena.GetQueryResults ${q}`), q);
  // The commit: silver and rejects registered at once (any order, each table read before its
  // partition is created), gold after both; then the work tables dropped (a pool, any order).
  const commit = calls.slice(commitStart);
  t.deepEqual(commit.slice(0, 4).sort(), [
    'Glue.GetTable raw_transactions',
    `Glue.CreatePartition raw_transactions ${id}`,
    'Glue.GetTable rejected_transactions',
    `Glue.CreatePartition rejected_transactions ${id}`,
  ].sort());
  for (const table of ['raw_transactions', 'rejected_transactions']) t.true(commit.indexOf(`Glue.GetTable ${table}`) < commit.indexOf(`Glue.CreatePartition ${table} ${id}`), table);
  t.deepEqual(commit.slice(4, 6), ['Glue.GetTable cleaned_transactions', `Glue.CreatePartition cleaned_transactions ${id}`]);
  t.deepEqual(commit.slice(6).sort(), [
    `Glue.DeleteTable stage_gold_${group}`,
    `Glue.DeleteTable stage_rejects_${id}`,
    `Glue.DeleteTable stage_silver_${id}`,
    `Glue.DeleteTable bronze_${id}`,
  ].sort());
  // Gold is registered where the group's statement wrote it.
  t.is(cloud.aws.state.partitions(DB, 'cleaned_transactions')[0]?.StorageDescriptor.Location, goldLoc);

  // The statements are the analysts' SQL, filled in and wrapped in the CTAS, in the workgroup and
  // database, each with the token of its step (generation 0).
  const sql = await loadPipelineSql(DEFAULT_SQL_DIR);
  const executions = [...cloud.aws.state.executions.values()];
  const silverSelect = fillTemplate(sql.silver, { source_table: identifier(`bronze_${id}`), source_file: literal(`${BRONZE}/${file.key}`), header: literal(HEADER_LINE) });
  const range = { min: 'T1', max: 'T2' };
  const goldSelect = fillTemplate(sql.gold, {
    silver_group: unionOf([{ table: `stage_silver_${id}`, columns: { batch_id: literal(id), landing_ordinal: 1 } }]),
    gold_table: identifier(`${DB}.cleaned_transactions`),
    min_id: literal(range.min),
    max_id: literal(range.max),
    // No dedupe horizon configured: the whole gold in the range is read.
    horizon_start: dateLiteral('0001-01-01'),
    // One gold statement: no slice landed before it.
    earlier_silver: noRows(['transaction_id', 'reject_reason']),
  });
  t.is(executions[0]?.sql, `${ctasCall(`stage_silver_${id}`, loc.silver).replace('Athena.StartQueryExecution ', '')}\n${silverSelect}`);
  // q4 is the duplicates figure, started beside the gold statement (q5).
  t.is(executions[4]?.sql, `${goldCalls[4]?.replace('Athena.StartQueryExecution ', '')}\n${goldSelect}`);
  t.is(executions.length, 6);
  for (const execution of executions) {
    t.like(execution, { database: DB, workGroup: WG, outcome: { state: 'SUCCEEDED' } });
    const step = execution.sql.startsWith('SELECT') ? (executions.indexOf(execution) < 3 ? 'file_figures' : 'figures') : (/stage_(\w+?)_/.exec(execution.sql)?.[1] ?? '?');
    t.is(execution.token, clientRequestToken({ workGroup: WG, database: DB, batchId: id, step, sql: execution.sql, generation: 0 }));
  }

  // What the batch did, from the data: T2's later line wins, T3 (store 0) and the garbage line are rejects.
  t.like(committed(cloud, id), {
    batchId: id,
    sourceFile: `${BRONZE}/${file.key}`,
    lines: 5,
    loaded: 2,
    duplicates: 1,
    duplicatesInBatch: 1,
    duplicatesInGold: 0,
    rejected: 2,
    rejectsByReason: { invalid_store_id: 1, malformed: 1 },
    bytesIn: file.size,
    bytesOut: { silver: sizeOf(cloud, loc.silver), gold: sizeOf(cloud, goldLoc), rejects: sizeOf(cloud, loc.rejects) },
    goldIds: range,
  });
  t.true(sizeOf(cloud, goldLoc) > 0);
  t.deepEqual(await goldIds(cloud), [
    ['T1', '2026-03-01 10:00:00', '20.00'],
    ['T2', '2026-03-01 12:00:00', '6.00'],
  ]);
  t.deepEqual(cloud.aws.state.partitions(DB, 'raw_transactions').map((partition) => partition.Parameters), [{}]);
  // Work tables are gone.
  t.deepEqual([...(cloud.aws.state.databases.get(DB)?.keys() ?? [])].sort(), ['cleaned_transactions', 'raw_transactions', 'rejected_transactions']);

  // One EMF blob with the batch's figures.
  t.is(cloud.published.length, 1);
  const emf = cloud.published[0] ?? {};
  t.like(emf, { lines: 5, loaded: 2, duplicates: 1, rejected: 2, bytesIn: file.size, batchesCommitted: 1, service: 'cleaner-test' });
  const units = Object.fromEntries(((emf._aws as { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string; Unit: string }> }> }).CloudWatchMetrics[0]?.Metrics ?? []).map((m) => [m.Name, m.Unit]));
  t.like(units, { lines: 'Count', loaded: 'Count', duplicates: 'Count', rejected: 'Count', bytesIn: 'Bytes' });
});

test('a FAILED group gold statement fails every message of the group, nothing commits; the re-delivery commits both in landing order', async (t) => {
  const cloud = cleanerOnFake({ env: STACK_ENV_INLINE });
  t.teardown(() => cloud.aws.close());
  const bad = land(cloud, 'bad.dat', datFile(line('X1', { total: '1.00' }), line('B1')));
  // The later file repeats X1: first write wins, so its X1 must lose to bad.dat's once both commit.
  const good = land(cloud, 'good.dat', datFile(line('X1', { total: '2.00' }), line('G1')));
  cloud.aws.state.settings.failWhen = (sql) => (sql.startsWith(`CREATE TABLE ${DB}.stage_gold_`) ? 'HIVE_BAD_DATA: Error parsing column transaction_ts' : undefined);
  const from = cloud.aws.state.calls.length;
  const first = await cloud.deliver();
  t.is(first.event.Records.length, 2, 'one receive gives both messages of the group, in order');
  const [badMessage, goodMessage] = first.event.Records.map((record) => record.messageId);
  t.deepEqual(first.response, { batchItemFailures: [{ itemIdentifier: badMessage }, { itemIdentifier: goodMessage }] });
  t.deepEqual(cloud.aws.state.partitions(DB, 'cleaned_transactions'), [], 'nothing committed');
  t.true(cloud.callsSince(from).some((call) => call.includes(`stage_silver_${good.id}`)), 'the files of a group run their own steps at once');
  const failed = [...cloud.aws.state.executions.values()].filter((execution) => execution.outcome?.state === 'FAILED');
  t.is(failed.length, 1, 'one gold statement for the group');
  t.true(failed[0]?.sql.startsWith(`CREATE TABLE ${DB}.stage_gold_${groupIdFor([bad.id, good.id])}`));
  const texts = cloud.errors.filter((entry) => entry.message === 'landing failed').map((entry) => JSON.stringify(entry.fields));
  t.is(texts.length, 2);
  for (const [text, id] of [[texts[0] ?? '', bad.id], [texts[1] ?? '', good.id]] as Array<[string, string]>) {
    t.true(text.includes(`Athena query ${failed[0]?.id ?? '?'} FAILED at step gold`), text);
    t.true(text.includes('HIVE_BAD_DATA: Error parsing column transaction_ts'), text);
    t.true(text.includes(`batch ${id}`), text);
  }

  // The fault is gone; SQS delivers both again, still in order.
  cloud.aws.state.settings.failWhen = undefined;
  const second = await cloud.deliver();
  t.deepEqual(second.event.Records.map((record) => record.messageId), [badMessage, goodMessage]);
  t.deepEqual(second.response, { batchItemFailures: [] }, JSON.stringify(cloud.errors));
  t.deepEqual(cloud.aws.state.partitions(DB, 'cleaned_transactions').map((partition) => partition.Values[0]), [bad.id, good.id]);
  t.deepEqual((await goldIds(cloud)).map(([id, , total]) => [id, total]), [['B1', '20.00'], ['G1', '20.00'], ['X1', '1.00']]);
  t.like(committed(cloud, good.id), { lines: 2, loaded: 1, duplicates: 1, duplicatesInGold: 1, rejected: 0 });
  t.is(cloud.aws.queue?.depth, 0);
});

test('GROUP_MAX_BYTES: the invocation commits its whole batch, in gold turns of at most the cap, in landing order; nothing is returned to the queue', async (t) => {
  const files = ['a.dat', 'b.dat', 'c.dat'].map((name, index) => datFile(line(`K${index}A`), line(`K${index}B`)));
  // The cap holds two files, not three: a and b are one gold statement, c a second.
  const cap = (files[0]?.length ?? 0) + (files[1]?.length ?? 0);
  const cloud = cleanerOnFake({ env: { ...STACK_ENV_INLINE, [CLEANER_ENV.groupMaxBytes]: String(cap) } });
  t.teardown(() => cloud.aws.close());
  const [a, b, c] = ['a.dat', 'b.dat', 'c.dat'].map((name, index) => land(cloud, name, files[index] as Buffer)) as [ReturnType<typeof land>, ReturnType<typeof land>, ReturnType<typeof land>];
  const first = await cloud.deliver();
  t.is(first.event.Records.length, 3);
  t.deepEqual(first.response, { batchItemFailures: [] }, JSON.stringify(cloud.errors));
  t.deepEqual(cloud.aws.state.partitions(DB, 'cleaned_transactions').map((partition) => partition.Values[0]), [a.id, b.id, c.id]);
  const golds = [...cloud.aws.state.executions.values()].filter((execution) => execution.sql.startsWith(`CREATE TABLE ${DB}.stage_gold_`));
  t.deepEqual(
    golds.map((execution) => [a.id, b.id, c.id].filter((id) => execution.sql.includes(`'${id}' AS batch_id`))),
    [[a.id, b.id], [c.id]],
    'two gold turns: a and b, then c',
  );
  t.deepEqual(cloud.errors, [], 'a cap is not an error');
  t.is(cloud.aws.queue?.depth, 0);
});

test('Athena refusing starts past the active DML quota (TooManyRequestsException): retried, and the landing still commits', async (t) => {
  const silverStarts = () => cloud.aws.state.calls.filter((call) => call.startsWith(`Athena.StartQueryExecution CREATE TABLE ${DB}.stage_silver_`)).length;
  // Another query of the account holds the only DML slot until the cleaner has been refused twice.
  const cloud = cleanerOnFake({ env: STACK_ENV_INLINE, settings: { activeDmlQuota: 1 }, onSleep: () => silverStarts() >= 2 && blocker.release() });
  t.teardown(() => cloud.aws.close());
  const blocker = cloud.hold((execution) => execution.sql === 'SELECT 42 AS other_team');
  cloud.aws.athena.startQueryExecution({ QueryString: 'SELECT 42 AS other_team', WorkGroup: WG, QueryExecutionContext: { Database: DB } });
  const file = land(cloud, 't.dat', datFile(line('T1'), line('T2')));
  const { response } = await cloud.deliver();
  t.deepEqual(response, { batchItemFailures: [] }, JSON.stringify(cloud.errors));
  const silverExecutions = [...cloud.aws.state.executions.values()].filter((execution) => execution.sql.startsWith(`CREATE TABLE ${DB}.stage_silver_`));
  t.is(silverExecutions.length, 1, 'one silver query ran');
  t.is(silverStarts() - silverExecutions.length, 2, 'two starts were refused, then one was accepted');
  t.is(blocker.held.length, 1);
  t.like(committed(cloud, file.id), { lines: 2, loaded: 2, rejected: 0 });
  t.deepEqual((await goldIds(cloud)).map(([id]) => id), ['T1', 'T2']);
});

test('a re-delivered message finds the gold partition and calls nothing else', async (t) => {
  const cloud = cleanerOnFake({ env: STACK_ENV_INLINE });
  t.teardown(() => cloud.aws.close());
  const file = land(cloud, 'sales.dat', datFile(line('S1')));
  const { event, response } = await cloud.deliver();
  t.deepEqual(response, { batchItemFailures: [] });
  const from = cloud.aws.state.calls.length;
  // At-least-once delivery: the same message again.
  t.deepEqual(await cloud.handler(event, cloud.context()), { batchItemFailures: [] });
  t.deepEqual(cloud.callsSince(from), [`Glue.GetPartition cleaned_transactions ${file.id}`]);
  t.like(cloud.published.at(-1), { batchesSkipped: 1 });
  t.deepEqual((await goldIds(cloud)).map(([id]) => id), ['S1']);
});

test('a retry after a crash re-attaches with the same tokens, clears before every CTAS, reruns stale queries and commits one run’s output', async (t) => {
  const cloud = cleanerOnFake({ env: STACK_ENV_INLINE });
  t.teardown(() => cloud.aws.close());
  const file = land(cloud, 'crash.dat', datFile(line('C1'), line('C2', { store: '0' })));
  const { id } = file;
  const group = groupIdFor([id]);
  const goldLoc = `s3://${STACK.buckets.gold}/cleaned_transactions/groups/${group}/`;
  // The first gold CTAS is held: it outlives the first invocation (2 minutes).
  const slowGold = cloud.hold((execution) => execution.sql.startsWith(`CREATE TABLE ${DB}.stage_gold_`));
  const first = await cloud.deliver(120_000);
  t.deepEqual(first.response, { batchItemFailures: [{ itemIdentifier: first.event.Records[0]?.messageId ?? '?' }] });
  t.true(JSON.stringify(cloud.errors).includes('still RUNNING when the invocation ran out of time'), JSON.stringify(cloud.errors));
  t.false(cloud.aws.state.calls.some((call) => call.startsWith('Glue.CreatePartition')));
  const firstRun = [...cloud.aws.state.executions.values()];
  const [silverQuery, rejectsQuery] = firstRun;
  const goldQuery = firstRun.at(-1);
  // silver, rejects, the file's one counts query, the duplicates figure (started with gold), gold.
  t.is(firstRun.length, 5);
  t.deepEqual(slowGold.held, [goldQuery]);

  // The late gold query ends after the invocation gave up, writing its output.
  slowGold.release();
  await goldQuery?.done;
  t.is(goldQuery?.outcome?.state, 'SUCCEEDED');
  t.true(sizeOf(cloud, goldLoc) > 0, 'the late gold output is there');

  // SQS delivers the message again after its visibility timeout (deliver moved the clock past it).
  const from = cloud.aws.state.calls.length;
  const second = await cloud.deliver(900_000);
  t.deepEqual(second.response, { batchItemFailures: [] }, JSON.stringify(cloud.errors));
  const retryCalls = cloud.callsSince(from);

  // Which query each start got: the id of the poll that follows it.
  const starts = retryCalls.flatMap((call, index) => {
    if (!call.startsWith('Athena.StartQueryExecution CREATE TABLE')) return [];
    const poll = retryCalls.slice(index + 1).find((next) => next.startsWith('Athena.GetQueryExecution '));
    const execution = cloud.aws.state.executions.get(poll?.split(' ')[1] ?? '');
    return [{ call, index, execution }];
  });
  const startsOf = (step: string) => starts.filter((start) => start.call.includes(`stage_${step}_${step === 'gold' ? group : id}`));
  for (const [step, earlier] of [['silver', silverQuery], ['rejects', rejectsQuery], ['gold', goldQuery]] as const) {
    const [reattached, fresh] = startsOf(step);
    t.is(startsOf(step).length, 2, step);
    // Same token first: the earlier attempt's query; it is stale, so its output is reset and a new generation runs.
    t.is(reattached?.execution, earlier, `${step} re-attached`);
    t.not(fresh?.execution?.token, earlier?.token, `${step} rerun under a new token`);
    t.is(fresh?.execution?.token, clientRequestToken({ workGroup: WG, database: DB, batchId: id, step, sql: earlier?.sql ?? '', generation: 1 }));
  }
  // Every CTAS start is preceded by a clearing of its location and a drop of its table (the
  // duplicates figure's own Athena calls, beside the gold step, may come in between).
  for (const { call, index } of starts) {
    const location = /external_location = '([^']+)'/.exec(call)?.[1] ?? '';
    const table = new RegExp(`CREATE TABLE ${DB}\\.(\\w+)`).exec(call)?.[1] ?? '';
    const before = retryCalls.slice(0, index).filter((earlier) => !earlier.startsWith('Athena.'));
    t.is(before.at(-1), `Glue.DeleteTable ${table}`, `${table} dropped right before ${call}`);
    t.true(before.slice(-3, -1).includes(`S3.ListObjectsV2 ${location}`), `${location} cleared right before ${call}`);
  }
  t.true(retryCalls.some((call) => call.startsWith(`S3.DeleteObjects s3://${STACK.buckets.silver}/ raw_transactions/batch_id=${id}/`)), 'the first attempt’s silver output is deleted');
  t.true(retryCalls.some((call) => call.startsWith(`S3.DeleteObjects s3://${STACK.buckets.gold}/ cleaned_transactions/groups/${group}/batch_id=${id}/`)), 'the late gold output is deleted before the rerun');
  t.false([...cloud.aws.state.executions.values()].some((execution) => execution.outcome?.state === 'FAILED'), 'no CTAS found its location taken');
  const goldRunId = startsOf('gold')[1]?.execution?.id ?? '?';
  const goldKeys = cloud.aws.state.listKeys(STACK.buckets.gold, `cleaned_transactions/groups/${group}/`);
  t.is(goldKeys.length, 1, 'gold holds exactly the rerun’s output');
  t.true(goldKeys[0]?.startsWith(`cleaned_transactions/groups/${group}/batch_id=${id}/`));
  t.true(cloud.aws.state.executions.get(goldRunId)?.outcome?.state === 'SUCCEEDED');
  t.like(committed(cloud, id), { lines: 2, loaded: 1, rejected: 1, rejectsByReason: { invalid_store_id: 1 } });
  t.deepEqual((await goldIds(cloud)).map(([goldId]) => goldId), ['C1']);
});

test('landings outside the bronze bucket or prefix are ignored; a body that is not an EventBridge S3 event fails, with every later message', async (t) => {
  const cloud = cleanerOnFake({ env: STACK_ENV_INLINE });
  t.teardown(() => cloud.aws.close());
  const from = cloud.aws.state.calls.length;
  // The rule matches the suffix only (an EventBridge pattern cannot AND a prefix and a suffix of one key).
  cloud.aws.s3.put(BRONZE, 'elsewhere/x.dat', datFile(line('E1')));
  const routed = cloud.aws.receiveSqsEvent();
  t.is(routed.Records.length, 1, 'the rule forwards a .dat outside the prefix; the Lambda skips it');
  const handMade = (messageId: string, body: unknown): SQSRecord => ({ ...(routed.Records[0] as SQSRecord), messageId, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const event: SQSEvent = {
    Records: [
      { ...(routed.Records[0] as SQSRecord), messageId: 'm-outside' },
      handMade('m-other-bucket', objectCreatedEventBridge({ ref: { bucket: 'not-bronze', key: 'landing/x.dat' }, size: 1, etag: 'e' })),
      handMade('m-garbage', 'not json'),
      handMade('m-old-shape', { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: BRONZE }, object: { key: 'landing/x.dat' } } }] }),
    ],
  };
  t.deepEqual(await cloud.handler(event, cloud.context()), { batchItemFailures: [{ itemIdentifier: 'm-garbage' }, { itemIdentifier: 'm-old-shape' }] });
  t.deepEqual(cloud.callsSince(from), []);
});

test('a landing over LANDING_MAX_BYTES is refused once: logged with the reason, counted as LandingsRefused, not reported, nothing called', async (t) => {
  const next = datFile(line('N1'));
  const cloud = cleanerOnFake({ env: { ...STACK_ENV_INLINE, [CLEANER_ENV.landingMaxBytes]: String(next.length) } });
  t.teardown(() => cloud.aws.close());
  const big = land(cloud, 'BIG.DAT', datFile(line('N1'), line('N2')));
  const atLimit = land(cloud, 'next.dat', next);
  const from = cloud.aws.state.calls.length;
  const { response } = await cloud.deliver();
  t.deepEqual(response, { batchItemFailures: [] });
  const refusal = cloud.errors.find((entry) => entry.message === 'landing refused; not retried (the verdict would not change)');
  t.like(refusal?.fields, { sourceFile: `${BRONZE}/landing/BIG.DAT`, reason: `${big.size} bytes, more than the limit of ${next.length}` });
  t.false(cloud.callsSince(from).some((call) => call.includes('BIG') || call.includes(big.id)));
  t.like(committed(cloud, atLimit.id), { lines: 1, loaded: 1 }, 'the next landing (exactly at the limit) commits');
  t.like(cloud.published[0], { LandingsRefused: 1, batchesCommitted: 1 });
  t.is(cloud.aws.queue?.depth, 0, 'the refused message is not retried');
});

test('an upper-case .DAT landing is read in place (no copy); a hidden .DAT.GZ key is read through a safe copy listed in the manifest', async (t) => {
  const cloud = cleanerOnFake({ env: STACK_ENV_INLINE });
  t.teardown(() => cloud.aws.close());
  const up = land(cloud, 'SALES.DAT', datFile(line('U1')));
  const hidden = land(cloud, '_export.DAT.GZ', gzipSync(datFile(line('H1'), line('H2'))));
  const { response } = await cloud.deliver();
  t.deepEqual(response, { batchItemFailures: [] }, JSON.stringify(cloud.errors));
  t.like(committed(cloud, up.id), { lines: 1, loaded: 1 });
  t.like(committed(cloud, hidden.id), { lines: 2, loaded: 2, rejected: 0 });
  t.deepEqual((await goldIds(cloud)).map(([id]) => id), ['H1', 'H2', 'U1']);
  const copy = `${LANDED_COPY_PREFIX}bronze_${hidden.id}/bronze_${hidden.id}.dat.gz`;
  t.deepEqual(
    cloud.aws.state.calls.filter((call) => call.startsWith('S3.CopyObject')).map((call) => decodeURIComponent(call)),
    [`S3.CopyObject ${BRONZE}/landing/_export.DAT.GZ → s3://${STACK.buckets.silver}/${copy}`],
  );
  const manifest = (name: string) => cloud.aws.state.getObject(STACK.buckets.silver, `_work/landed/${name}/manifest`)?.body.toString('utf8');
  t.is(manifest(`bronze_${up.id}`), `s3://${BRONZE}/landing/SALES.DAT\n`);
  t.is(manifest(`bronze_${hidden.id}`), `s3://${STACK.buckets.silver}/${copy}\n`);
  t.deepEqual(cloud.aws.state.listKeys(STACK.buckets.silver, LANDED_COPY_PREFIX), [], 'the copy is removed at cleanup');
});

test('a zip that cannot be read is a real failure (retried), not a refusal', async (t) => {
  const cloud = cleanerOnFake({ env: STACK_ENV_INLINE });
  t.teardown(() => cloud.aws.close());
  cloud.aws.s3.put(BRONZE, 'landing/a.zip', Buffer.from('PK'));
  // Deleted after its event was sent: reading it fails, the message is reported, nothing is processed.
  cloud.aws.s3.deleteObjects({ Bucket: BRONZE, Delete: { Objects: [{ Key: 'landing/a.zip' }] } });
  const from = cloud.aws.state.calls.length;
  const { event, response } = await cloud.deliver();
  t.deepEqual(response, { batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId ?? '?' }] });
  t.false(cloud.callsSince(from).some((call) => call.startsWith('Athena.') || call.startsWith('Glue.')));
  t.is(cloud.aws.queue?.depth, 1, 'the message stays for a retry');
});

test('a missing setting fails the invocation with an error naming the variable', async (t) => {
  const env: Record<string, string> = { ...STACK_ENV_INLINE };
  delete env[CLEANER_ENV.workGroup];
  const cloud = cleanerOnFake({ env });
  t.teardown(() => cloud.aws.close());
  land(cloud, 'x.dat', datFile(line('X1')));
  await t.throwsAsync(cloud.handler(cloud.aws.receiveSqsEvent(), cloud.context()), { message: /ATHENA_WORKGROUP is not set/ });
});
