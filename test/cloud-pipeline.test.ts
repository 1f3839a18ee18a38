// The cloud path end to end on the fake AWS side: a file lands in bronze, S3 → EventBridge rule
// (the stack's own pattern) → SQS FIFO queue → the real handler (handlers/lambda.ts) with real SDK
// clients answered by test/fakes. The fake Athena runs every statement (Trino grammar, Trino
// functions, Trino's text reader, then DuckDB), so gold, rejects and the balance asserted here are
// read back from the fake's own state, the way an analyst would query them.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import test from 'ava';
import type { Context } from 'aws-lambda';
import { LANDING_MESSAGE_GROUP, landingEventPattern } from '../components/landing-events.ts';
import { CLEANER_ENV } from '../handlers/aws/cleaner-environment.ts';
import { figuresFromParameters } from '../handlers/core/batch-figures.ts';
import { DEFAULT_SQL_DIR } from '../handlers/core/pipeline-sql.ts';
import { createHandler } from '../handlers/lambda.ts';
import type { EventPattern } from './fakes/event-routing.ts';
import { FakeAws } from './fakes/fake-aws.ts';
import { createLakeTables } from './fakes/lake-tables.ts';
import { runQuery } from './fakes/run-query.ts';

const DB = 'procureflow_db';
const BUCKETS = { bronze: 'pf-bronze', silver: 'pf-silver', gold: 'pf-gold' };
const HEADER = 'transaction_id|transaction_ts|store_id|customer_id|product_id|product_category|quantity|unit_price|discount|total_amount|payment_method|currency';

function fakeCloud(): FakeAws {
  const aws = new FakeAws({
    buckets: Object.values(BUCKETS),
    databases: [DB],
    workGroups: [{ name: 'pf-pipeline', enforceConfiguration: false }, { name: 'pf-analysts', enforceConfiguration: true }],
    rule: { pattern: landingEventPattern(BUCKETS.bronze) as EventPattern, queue: 'pf-landings.fifo', messageGroupId: LANDING_MESSAGE_GROUP },
  });
  createLakeTables(aws, DB, BUCKETS);
  return aws;
}

function handlerOn(aws: FakeAws) {
  const { s3, glue, athena } = aws.clients();
  const env = {
    [CLEANER_ENV.bronzeBucket]: BUCKETS.bronze,
    [CLEANER_ENV.silverBucket]: BUCKETS.silver,
    [CLEANER_ENV.goldBucket]: BUCKETS.gold,
    [CLEANER_ENV.database]: DB,
    [CLEANER_ENV.workGroup]: 'pf-pipeline',
    [CLEANER_ENV.bronzePrefix]: 'landing/',
    [CLEANER_ENV.sqlDir]: DEFAULT_SQL_DIR,
  };
  const metrics = new Metrics({ namespace: 'ProcureFlowTest', serviceName: 'cleaner-test' });
  metrics.publishStoredMetrics = () => {
    metrics.clearMetrics();
    return metrics;
  };
  const handler = createHandler({
    env,
    s3,
    glue,
    athena,
    logger: new Logger({ serviceName: 'cleaner-test', logLevel: 'SILENT' }),
    metrics,
    timing: { now: () => Date.now(), sleep: async () => {}, random: () => 0.5 },
  });
  const context = { functionName: 'pf-cleaner', awsRequestId: 'req', getRemainingTimeInMillis: () => 600_000 } as unknown as Context;
  return { handler, context, athena };
}

const LINES = [
  HEADER,
  'T1|2026-03-01 10:00:00|1|C1|P1|Food|2|10.00|0|20.00|card|usd',
  'T2|2026-03-01 11:00:00|2|C2|P2|Toys|1|5.50||5.50|cash|EUR',
  'T2|2026-03-01 12:00:00|2|C2|P2|Toys|1|5.50||5.50|cash|EUR',
  'T3|2026-03-01 10:00:00|0|C3|P3|Food|1|1.00|0|1.00|card|USD',
  'not a record at all',
];
const BAD_BYTE = Buffer.concat([Buffer.from('T4|2026-03-01 10:00:00|1|C4|P4|Food|1|1.00|0|1.00|card|US'), Buffer.from([0xff])]);
// T5 ends with a lone CR: on Athena (Trino's text reader) that ends the line, so T6 is a line of its own.
const FILE = Buffer.concat([Buffer.from(`${LINES.join('\n')}\n`), BAD_BYTE, Buffer.from('\nT5|2026-03-01 10:00:00|1|C5|P5|Food|1|2.00|0|2.00|card|USD\rT6|2026-03-01 10:00:00|1|C6|P6|Food|1|3.00|0|3.00|card|USD\n')]);

test('a date-named landing goes S3 → EventBridge → FIFO → Lambda → Athena and commits gold, rejects and a balance that holds', async (t) => {
  const aws = fakeCloud();
  const { handler, context, athena } = handlerOn(aws);
  aws.s3.put(BUCKETS.bronze, 'landing/2026-03-01.dat', FILE);
  const event = aws.receiveSqsEvent();
  t.is(event.Records.length, 1);
  const response = await handler(event, context);
  t.deepEqual(response, { batchItemFailures: [] });

  const gold = await runQuery(athena, `SELECT transaction_id, transaction_ts, total_amount, currency FROM ${DB}.cleaned_transactions ORDER BY transaction_id`, { database: DB, workGroup: 'pf-analysts' });
  t.deepEqual(gold.rows.slice(1).map((row) => [row[0], row[2], row[3]]), [
    ['T1', '20.00', 'USD'],
    ['T2', '5.50', 'EUR'],
    ['T5', '2.00', 'USD'],
    ['T6', '3.00', 'USD'],
  ]);
  t.regex(gold.rows[2]?.[1] ?? '', /^2026-03-01 12:00:00/, 'the later duplicate wins');
  const rejects = await runQuery(athena, `SELECT reason, count(*) AS n FROM ${DB}.rejected_transactions GROUP BY reason ORDER BY reason`, { database: DB, workGroup: 'pf-analysts' });
  t.deepEqual(rejects.rows.slice(1), [['invalid_store_id', '1'], ['malformed', '2']]);

  const [partition] = aws.state.partitions(DB, 'cleaned_transactions');
  const figures = figuresFromParameters(partition?.Parameters);
  t.like(figures, { sourceFile: `${BUCKETS.bronze}/landing/2026-03-01.dat`, lines: 8, loaded: 4, duplicates: 1, rejected: 3, rejectsByReason: { invalid_store_id: 1, malformed: 2 } });
  t.regex(figures?.batchId ?? '', /^file_2026_03_01_/);
  // Work tables are gone; every table Athena read was refused nothing.
  t.deepEqual([...(aws.state.databases.get(DB)?.keys() ?? [])].sort(), ['cleaned_transactions', 'raw_transactions', 'rejected_transactions']);
  t.false([...aws.state.executions.values()].some((execution) => execution.outcome?.state === 'FAILED'), 'no statement failed');
  await aws.close();
});

test('an upper-case .DAT landing is delivered by the rule and loads; its re-delivery commits nothing twice', async (t) => {
  const aws = fakeCloud();
  const { handler, context, athena } = handlerOn(aws);
  aws.s3.put(BUCKETS.bronze, 'landing/SALES.DAT', `${HEADER}\nU1|2026-03-02 09:00:00|3|C|P|Food|1|1.00|0|1.00|card|USD\n`);
  const event = aws.receiveSqsEvent();
  t.is(event.Records.length, 1);
  t.deepEqual(await handler(event, context), { batchItemFailures: [] });
  t.deepEqual(await handler(event, context), { batchItemFailures: [] }, 'the same message again (at-least-once delivery)');
  const gold = await runQuery(athena, `SELECT transaction_id FROM ${DB}.cleaned_transactions`, { database: DB, workGroup: 'pf-analysts' });
  t.deepEqual(gold.rows, [['transaction_id'], ['U1']]);
  t.is(aws.state.partitions(DB, 'cleaned_transactions').length, 1);
  await aws.close();
});
