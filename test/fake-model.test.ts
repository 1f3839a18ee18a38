// The fake's model mode (bench/cloud.ts): the virtual clock, the latency model of a known
// statement, and the real handler taking one modelled landing to a commit. Durations here are
// virtual (deterministic), not measured.
import { GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { CreateTableCommand } from '@aws-sdk/client-glue';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import test from 'ava';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { MAX_RECEIVE_COUNT } from '../components/cleaner-queue.ts';
import { figuresFromParameters } from '../handlers/core/batch-figures.ts';
import { STACK, STACK_ENV, STACK_ENV_INLINE } from './fakes/cleaner-on-fake.ts';
import { queueUrlOf } from './fakes/fake-sqs.ts';
import { DEFAULT_LATENCY, MB, statementMs } from './fakes/latency-model.ts';
import { TYPED_COLUMNS } from '../handlers/core/tables.ts';
import { DEFAULT_SHAPE, MEASURED_COLUMN_SHARES } from './fakes/model-athena.ts';
import { scanPerBatch } from './fakes/model-columns-batches.ts';
import { modelCleaner } from './fakes/model-cleaner.ts';
import { modelClients } from './fakes/model-face.ts';
import { VirtualClock } from './fakes/virtual-clock.ts';

test('virtual sleeps wake in wake-time order, and the clock waits for tracked real work', async (t) => {
  const clock = new VirtualClock(0);
  const woke: Array<[string, number]> = [];
  const sleeper = (name: string, ms: number) => clock.sleep(ms).then(() => woke.push([name, clock.now()]));
  // Real work (a real 20 ms timer) under way: the clock must not jump past it meanwhile.
  const real = clock.track(async () => {
    const before = clock.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    return [before, clock.now()];
  });
  await Promise.all([sleeper('c', 300), sleeper('a', 100), sleeper('b', 100), sleeper('d', 0)]);
  t.deepEqual(await real, [0, 0]);
  t.deepEqual(woke, [
    ['d', 0],
    ['a', 100],
    ['b', 100],
    ['c', 300],
  ]);
});

test('the latency model: 1.5 s fixed, 250 MB/s scanned, 100 MB/s written', (t) => {
  t.is(statementMs(DEFAULT_LATENCY, 250 * MB, 0), 2_500);
  t.is(statementMs(DEFAULT_LATENCY, 250 * MB, 50 * MB), 3_000);
  t.is(statementMs(DEFAULT_LATENCY, 0, 0), 1_500);
});

test('a CTAS over a landed file of 250 MB runs 2.5 s of virtual time (3.0 s when it writes 50 MB)', async (t) => {
  for (const [silverFraction, expected] of [
    [0, 2_500],
    [0.2, 3_000],
  ] as const) {
    const cleaner = modelCleaner({ shape: { ...DEFAULT_SHAPE, silverFraction } });
    const { clock, aws, model } = cleaner;
    const key = `${STACK.bronzePrefix}known.dat`;
    cleaner.land('known.dat', 250 * MB);
    const clients = modelClients(aws, model, clock, DEFAULT_LATENCY);
    t.teardown(() => {
      clients.restore();
      cleaner.close();
    });
    // A landed-file table as GlueCatalog.registerLandedFile makes it: a symlink manifest naming the file.
    await clients.s3.send(new PutObjectCommand({ Bucket: STACK.buckets.silver, Key: '_work/landed/bronze_known/manifest', Body: `s3://${STACK.buckets.bronze}/${key}\n` }));
    await clients.glue.send(
      new CreateTableCommand({
        DatabaseName: STACK.database,
        TableInput: { Name: 'bronze_known', StorageDescriptor: { Location: `s3://${STACK.buckets.silver}/_work/landed/bronze_known/`, Columns: [{ Name: 'line', Type: 'string' }] } },
      }),
    );
    const sql = `CREATE TABLE ${STACK.database}.stage_silver_known WITH (format = 'PARQUET', write_compression = 'SNAPPY', external_location = 's3://${STACK.buckets.silver}/raw_transactions/batch_id=known/') AS\nSELECT line FROM bronze_known`;
    const started = await clients.athena.send(
      new StartQueryExecutionCommand({ QueryString: sql, ClientRequestToken: `token-${'0'.repeat(40)}`, QueryExecutionContext: { Database: STACK.database }, WorkGroup: STACK.workGroup }),
    );
    const submittedAt = clock.now();
    let state = 'RUNNING';
    let status: { SubmissionDateTime?: Date; CompletionDateTime?: Date } = {};
    while (state === 'RUNNING') {
      await clock.sleep(100);
      const out = await clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: started.QueryExecutionId }));
      state = out.QueryExecution?.Status?.State ?? 'UNKNOWN';
      status = out.QueryExecution?.Status ?? {};
    }
    t.is(state, 'SUCCEEDED');
    t.is(status.SubmissionDateTime?.getTime(), submittedAt);
    t.is((status.CompletionDateTime?.getTime() ?? 0) - submittedAt, expected);
    // A landed text file is read whole, by either model.
    t.like(model.records.at(-1), { kind: 'silver', scannedBytes: 250 * MB, upperBoundBytes: 250 * MB, historyBytes: 0, fallbackReferences: 0, writtenBytes: 250 * MB * silverFraction, ms: expected });
    t.deepEqual(model.records.at(-1)?.reads, [{ table: 'bronze_known', columns: ['line'] }]);
    const written = aws.state.listKeys(STACK.buckets.silver, 'raw_transactions/batch_id=known/');
    t.is(written.length, 1);
    t.is(aws.state.getObject(STACK.buckets.silver, written[0] as string)?.declaredSize, 250 * MB * silverFraction);
  }
});

for (const [mode, env, expected] of [
  ['inline group (no silver workers)', STACK_ENV_INLINE, { invocations: 1, silverInvocations: 0, reported: 0 }],
  // The turn keeper admits the landing, a silver worker prepares it, the turn keeper's next
  // invocation (the worker's "silver ready" note) takes the gold turn.
  ['silver workers + turn keeper', STACK_ENV, { invocations: 2, silverInvocations: 1, peakSilver: 1, reported: 0 }],
] as const) {
  test(`the real handler (${mode}) takes one modelled landing to a commit whose figures balance, reading only the overlapping gold`, async (t) => {
    const cleaner = modelCleaner({ goldHistory: { rows: 10_000_000, partitions: 10 }, env });
    t.teardown(() => cleaner.close());
    cleaner.land('one.dat', 100 * MB);
    const drained = await cleaner.drain(1);
    t.deepEqual(cleaner.errors, []);
    t.like(drained, expected);
    const committed = cleaner.aws.state.partitions(STACK.database, 'cleaned_transactions').filter((partition) => !(partition.Values[0] ?? '').startsWith('history_'));
    t.is(committed.length, 1);
    const figures = figuresFromParameters(committed[0]?.Parameters);
    t.like(figures, { lines: 1_000_000, rejected: 10_000, duplicatesInBatch: 10_000, duplicatesInGold: 1_000, loaded: 979_000, bytesIn: 100 * MB });
    t.deepEqual(figures?.goldIds, { min: 'T000000010000000', max: 'T000000010978999' });
    for (const table of ['raw_transactions', 'rejected_transactions']) t.is(cleaner.aws.state.partitions(STACK.database, table).length, 1, table);
    // In order of start: the duplicates figure starts with the gold statement, the loaded figure after it.
    t.deepEqual(
      cleaner.model.records.map((record) => record.kind),
      ['silver', 'rejects', 'file_figures', 'figures', 'gold', 'figures'],
    );
    // The batch's ids overlap the last history partition only (1 million rows × 19 bytes), read by
    // the in-gold duplicates count and by the gold statement: whole in the upper bound, its
    // transaction_id and transaction_date columns (at their measured shares) column-aware.
    const idAndDate = MEASURED_COLUMN_SHARES.gold.transaction_id + MEASURED_COLUMN_SHARES.gold.transaction_date;
    const history = cleaner.model.records.filter((record) => record.historyUpperBoundBytes > 0).map((record) => [record.kind, record.historyUpperBoundBytes, record.historyBytes]);
    t.deepEqual(history, [
      ['figures', 19 * MB, 19 * MB * idAndDate],
      ['gold', 19 * MB, 19 * MB * idAndDate],
    ]);
    t.is(cleaner.model.records.reduce((sum, record) => sum + record.fallbackReferences, 0), 0);
  });
}

test('the model driver: up to silverWorkers silver invocations at once, the turn keeper one at a time, both queues to empty; a silver message failing every receive goes to the silver DLQ', async (t) => {
  const workMs = 60_000;
  let keeperRunning = 0;
  let keeperPeak = 0;
  const readyNotes: string[] = [];
  // eslint-disable-next-line prefer-const -- the handlers below close over it before it is built
  let cleaner: ReturnType<typeof modelCleaner>;
  const sendTo = (queue: string, group: string, dedup: string, body: string) =>
    cleaner.sqs.send(new SendMessageCommand({ QueueUrl: queueUrlOf(queue), MessageGroupId: group, MessageDeduplicationId: dedup, MessageBody: body }));
  // A trivial turn keeper: each landing becomes a prepare message (its own group); notes are counted.
  const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    keeperRunning++;
    keeperPeak = Math.max(keeperPeak, keeperRunning);
    for (const record of event.Records) {
      const body = JSON.parse(record.body) as { detail?: { object: { key: string } }; ready?: string };
      if (body.detail) await sendTo(STACK.silverQueue, body.detail.object.key.replace(/\W/g, '_'), body.detail.object.key.replace(/\W/g, '_'), JSON.stringify({ key: body.detail.object.key }));
      else if (body.ready) readyNotes.push(body.ready);
    }
    keeperRunning--;
    return { batchItemFailures: [] };
  };
  // A trivial silver worker: a minute of work, then "ready" to the landing queue; bad.dat always fails.
  const silverHandler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const record = event.Records[0] as SQSEvent['Records'][number];
    const { key } = JSON.parse(record.body) as { key: string };
    await cleaner.clock.sleep(workMs);
    if (key.endsWith('bad.dat')) return { batchItemFailures: [{ itemIdentifier: record.messageId }] };
    await sendTo(STACK.queue, 'landings', `ready-${record.attributes.MessageGroupId ?? ''}`, JSON.stringify({ ready: key }));
    return { batchItemFailures: [] };
  };
  cleaner = modelCleaner({ env: STACK_ENV, handler, silverHandler });
  t.teardown(() => cleaner.close());
  for (let index = 0; index < 20; index++) cleaner.land(`f${String(index).padStart(2, '0')}.dat`, MB);
  const drained = await cleaner.drain(10, 4);
  t.like(drained, { silverInvocations: 20, peakSilver: 4, reported: 0 });
  t.is(keeperPeak, 1, 'the landing queue has one message group: one turn keeper invocation at a time');
  t.is(readyNotes.length, 20);
  // 20 minutes of silver work on 4 workers: 5 waves of one minute (plus the 30 ms sends), not 20.
  t.true(drained.ms >= 5 * workMs && drained.ms < 6 * workMs, String(drained.ms));
  t.is(cleaner.aws.queue?.depth, 0);
  t.is(cleaner.aws.sqs.queue(STACK.silverQueue).depth, 0);

  // A silver message reported on every receive: back after each visibility timeout, then the DLQ.
  cleaner.land('bad.dat', MB);
  const failing = await cleaner.drain(10, 4);
  t.like(failing, { silverInvocations: MAX_RECEIVE_COUNT, reported: MAX_RECEIVE_COUNT });
  t.deepEqual(failing.silverDeadLetters, [JSON.stringify({ key: `${STACK.bronzePrefix}bad.dat` })]);
  t.true(failing.ms >= (MAX_RECEIVE_COUNT - 1) * 6 * 900_000, 'each retry waits for the visibility timeout (6 × the function timeout)');
});

test("column attribution from DuckDB's plan of the real statements: gold reads every typed column of silver only where it must, the loaded figure only batch_id and transaction_id of the gold stage", async (t) => {
  const cleaner = modelCleaner({ goldHistory: { rows: 10_000_000, partitions: 10 }, env: STACK_ENV_INLINE });
  t.teardown(() => cleaner.close());
  cleaner.land('one.dat', 100 * MB);
  cleaner.land('two.dat', 100 * MB);
  await cleaner.drain(10);
  t.deepEqual(cleaner.errors, []);
  const records = cleaner.model.records;
  const silverTables = [...new Set(records.flatMap((record) => record.reads.map((read) => read.table)).filter((table) => table.startsWith('stage_silver_')))];
  t.is(silverTables.length, 2);
  const gold = records.find((record) => record.kind === 'gold');
  const idOnly = ['reject_reason', 'transaction_id'];
  const winnerColumns = [...TYPED_COLUMNS.map((column) => column.name), 'reject_reason', 'source_file'].sort();
  // sql/gold: per silver table four references, in text order: repeated_ids (ids), the winners
  // (every column gold keeps), the ranked repeats (the same), the first-write-wins IN list (ids);
  // raw_line, silver's per-reject column, is never read. Committed gold: its ids and dates only.
  for (const table of silverTables) {
    t.deepEqual(gold?.reads.filter((read) => read.table === table).map((read) => read.columns), [idOnly, winnerColumns, winnerColumns, idOnly], table);
  }
  t.deepEqual(gold?.reads.filter((read) => read.table === 'cleaned_transactions').map((read) => read.columns), [['transaction_date', 'transaction_id']]);
  const loaded = records.find((record) => record.kind === 'figures' && record.reads.some((read) => read.table.startsWith('stage_gold_')));
  t.deepEqual(loaded?.reads.map((read) => read.columns), [['batch_id', 'transaction_id']]);
  // batch_id is the partition folder, not a Parquet column: the figure scans transaction_id's share of the stage.
  t.is(loaded?.scannedBytes, 2 * 100 * MB * DEFAULT_SHAPE.goldFraction * MEASURED_COLUMN_SHARES.gold.transaction_id);
  t.is(loaded?.upperBoundBytes, 2 * 100 * MB * DEFAULT_SHAPE.goldFraction);
  // The rejects CTAS reads raw_line, reject_reason and source_file of its silver table.
  const rejects = records.find((record) => record.kind === 'rejects');
  t.deepEqual(rejects?.reads.map((read) => read.columns), [['raw_line', 'reject_reason', 'source_file']]);
});

test('a reference the planner cannot attribute counts its whole table, and is counted', async (t) => {
  const cleaner = modelCleaner();
  const { clock, aws, model } = cleaner;
  const clients = modelClients(aws, model, clock, DEFAULT_LATENCY);
  t.teardown(async () => {
    clients.restore();
    await cleaner.close();
  });
  cleaner.land('known.dat', 100 * MB);
  await clients.s3.send(new PutObjectCommand({ Bucket: STACK.buckets.silver, Key: '_work/landed/bronze_known/manifest', Body: `s3://${STACK.buckets.bronze}/${STACK.bronzePrefix}known.dat\n` }));
  await clients.glue.send(
    new CreateTableCommand({
      DatabaseName: STACK.database,
      TableInput: { Name: 'bronze_known', StorageDescriptor: { Location: `s3://${STACK.buckets.silver}/_work/landed/bronze_known/`, Columns: [{ Name: 'line', Type: 'string' }] } },
    }),
  );
  const run = async (sql: string) => {
    const started = await clients.athena.send(new StartQueryExecutionCommand({ QueryString: sql, QueryExecutionContext: { Database: STACK.database }, WorkGroup: STACK.workGroup }));
    for (;;) {
      await clock.sleep(100);
      const out = await clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: started.QueryExecutionId }));
      if (out.QueryExecution?.Status?.State !== 'RUNNING') return out.QueryExecution?.Status?.State;
    }
  };
  const silverSql = `CREATE TABLE ${STACK.database}.stage_silver_known WITH (format = 'PARQUET', external_location = 's3://${STACK.buckets.silver}/raw_transactions/batch_id=known/') AS SELECT CAST(NULL AS varchar) AS transaction_id, line AS raw_line, CAST(NULL AS varchar) AS reject_reason FROM bronze_known`;
  t.is(await run(silverSql), 'SUCCEEDED');
  // The model registered the CTAS's columns from the planner's DESCRIBE, as Athena does.
  t.deepEqual(aws.state.table(STACK.database, 'stage_silver_known')?.StorageDescriptor.Columns, [
    { Name: 'transaction_id', Type: 'string' },
    { Name: 'raw_line', Type: 'string' },
    { Name: 'reject_reason', Type: 'string' },
  ]);
  const silverBytes = 100 * MB * DEFAULT_SHAPE.silverFraction;
  // Attributed: count(*) and min(transaction_id) read transaction_id only.
  t.is(await run(`SELECT 'silver' AS part, count(*) AS n, min(transaction_id) AS min_id FROM stage_silver_known`), 'SUCCEEDED');
  t.like(model.records.at(-1), { kind: 'file_figures', scannedBytes: silverBytes * MEASURED_COLUMN_SHARES.silver.transaction_id, upperBoundBytes: silverBytes, fallbackReferences: 0 });
  // levenshtein_distance is a Trino function DuckDB does not know by that name: no plan, whole table.
  t.is(await run(`SELECT 'silver' AS part, max(levenshtein_distance(transaction_id, raw_line)) AS d FROM stage_silver_known`), 'SUCCEEDED');
  t.like(model.records.at(-1), { kind: 'file_figures', scannedBytes: silverBytes, upperBoundBytes: silverBytes, fallbackReferences: 1 });
  t.deepEqual(model.records.at(-1)?.reads, [{ table: 'stage_silver_known', columns: 'whole' }]);
});

test("the bench's per-batch charges add up to the statements' scans; a group's statements are shared by landed bytes", async (t) => {
  const cleaner = modelCleaner({ goldHistory: { rows: 10_000_000, partitions: 10 }, env: STACK_ENV });
  t.teardown(() => cleaner.close());
  cleaner.land('small.dat', 10 * MB);
  cleaner.land('large.dat', 30 * MB);
  cleaner.land('other.dat', 20 * MB);
  await cleaner.drain(10, 4);
  t.deepEqual(cleaner.errors, []);
  const records = cleaner.model.records;
  const batches = scanPerBatch(records);
  t.is(batches.size, 3);
  const total = (pick: (value: { scanned: number; upperBound: number; history: number }) => number) => [...batches.values()].reduce((sum, batch) => sum + pick(batch), 0);
  const near = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
  t.true(near(total((batch) => batch.scanned), records.reduce((sum, record) => sum + record.scannedBytes, 0)));
  t.true(near(total((batch) => batch.upperBound), records.reduce((sum, record) => sum + record.upperBoundBytes, 0)));
  t.true(near(total((batch) => batch.history), records.reduce((sum, record) => sum + record.historyBytes, 0)));
  t.deepEqual([...batches.values()].map((batch) => batch.bytes).sort((a, b) => a - b), [10 * MB, 20 * MB, 30 * MB]);
  // Every statement serving several batches is split by their landed bytes: the large batch takes three times the small one's part.
  const shared = records.filter((record) => record.batches.length > 1);
  t.true(shared.length > 0);
  for (const record of shared) {
    const large = record.batches.find((batch) => batch.batchId.startsWith('large_'));
    const small = record.batches.find((batch) => batch.batchId.startsWith('small_'));
    if (large && small) t.is(large.bytes / small.bytes, 3);
  }
  // Each batch is charged at least its own silver read (the .dat, whole).
  for (const batch of batches.values()) t.true(batch.scanned >= batch.bytes);
});
