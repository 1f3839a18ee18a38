// Group commits in the cloud, on the shared fake AWS with the real cleaner: the messages of one
// invocation are one group (one gold CTAS partitioned by batch_id; each batch's commit registers
// its gold where the CTAS wrote it, after its silver and rejects); a file that fails is reported with every later message and
// nothing after it commits; re-delivered events change nothing; the lake ends as one clean run's.
import test from 'ava';
import { HEADER_LINE } from '../handlers/core/tables.ts';
import { batchIdFor } from '../handlers/core/batch-identity.ts';
import { figuresFromParameters } from '../handlers/core/batch-figures.ts';
import { groupIdFor } from '../handlers/core/process-group.ts';
import { type CleanerOnFake, cleanerOnFake, STACK, STACK_ENV_INLINE } from './fakes/cleaner-on-fake.ts';
import { runQuery } from './fakes/run-query.ts';

const DB = STACK.database;
const BRONZE = STACK.buckets.bronze;
const row = (id: string, total = '20.00') => `${id}|2026-03-01 10:00:00|1|C1|P1|Food|2|10.00|0|${total}|card|usd`;
const datFile = (...lines: string[]) => Buffer.from(`${[HEADER_LINE, ...lines].join('\n')}\n`);
const FILES: Array<[string, Buffer]> = [
  ['a.dat', datFile(row('T1'), row('T2', '1.00'))],
  ['b.dat', datFile(row('T2', '2.00'), row('T3'), 'broken line')],
  ['c.dat', datFile(row('T3', '3.00'), row('T4'))],
];

function land(cloud: CleanerOnFake, key: string, body: Buffer): string {
  const { ETag } = cloud.aws.s3.put(BRONZE, `${STACK.bronzePrefix}${key}`, body);
  return batchIdFor({ bucket: BRONZE, key: `${STACK.bronzePrefix}${key}` }, ETag.replace(/"/g, ''));
}

async function lakeOf(cloud: CleanerOnFake) {
  const { athena } = cloud.aws.clients();
  const read = async (sql: string) => (await runQuery(athena, sql, { database: DB, workGroup: STACK.workGroup })).rows.slice(1);
  return {
    gold: await read(`SELECT transaction_id, total_amount, source_file, batch_id FROM ${DB}.cleaned_transactions ORDER BY transaction_id`),
    silver: await read(`SELECT transaction_id, raw_line, reject_reason, batch_id FROM ${DB}.raw_transactions ORDER BY batch_id, transaction_id, raw_line`),
    rejects: await read(`SELECT raw_line, reason, batch_id FROM ${DB}.rejected_transactions ORDER BY batch_id, raw_line`),
  };
}

/** The lake of the three files landed and committed one invocation each. */
async function oneByOne() {
  const cloud = cleanerOnFake({ env: STACK_ENV_INLINE });
  for (const [key, body] of FILES) {
    land(cloud, key, body);
    await cloud.drain();
  }
  const lake = await lakeOf(cloud);
  await cloud.aws.close();
  return lake;
}

test('three messages in one invocation: one gold statement for the group, commits in landing order, the lake of one file at a time', async (t) => {
  const expected = await oneByOne();
  const cloud = cleanerOnFake({ env: STACK_ENV_INLINE });
  t.teardown(() => cloud.aws.close());
  const ids = FILES.map(([key, body]) => land(cloud, key, body));
  const { event, response } = await cloud.deliver();
  t.is(event.Records.length, 3);
  t.deepEqual(response, { batchItemFailures: [] }, JSON.stringify(cloud.errors));
  const golds = [...cloud.aws.state.executions.values()].filter((execution) => execution.sql.startsWith(`CREATE TABLE ${DB}.stage_gold_`));
  t.is(golds.length, 1, 'one gold statement');
  const group = groupIdFor(ids);
  t.true(golds[0]?.sql.includes(`partitioned_by = ARRAY['batch_id']`));
  // Each batch's gold partition points into the group's location, registered after its silver and rejects.
  const partitions = cloud.aws.state.partitions(DB, 'cleaned_transactions');
  t.deepEqual(
    partitions.map((partition) => [partition.Values[0], partition.StorageDescriptor.Location]),
    ids.map((id) => [id, `s3://${STACK.buckets.gold}/cleaned_transactions/groups/${group}/batch_id=${id}/`]),
  );
  const creates = cloud.aws.state.calls.filter((call) => call.startsWith('Glue.CreatePartition'));
  t.deepEqual(
    creates,
    ids.flatMap((id) => [`Glue.CreatePartition raw_transactions ${id}`, `Glue.CreatePartition rejected_transactions ${id}`, `Glue.CreatePartition cleaned_transactions ${id}`]),
  );
  t.deepEqual(await lakeOf(cloud), expected);
  const figures = ids.map((id) => figuresFromParameters(partitions.find((partition) => partition.Values[0] === id)?.Parameters));
  t.like(figures[1], { lines: 3, loaded: 1, duplicatesInGold: 1, rejected: 1 });
  t.like(figures[2], { lines: 2, loaded: 1, duplicatesInGold: 1, rejected: 0 });

  // The same events again: recognised, nothing written.
  const executions = cloud.aws.state.executions.size;
  for (const [key, body] of FILES) land(cloud, key, body);
  const again = await cloud.deliver();
  t.deepEqual(again.response, { batchItemFailures: [] });
  t.is(cloud.aws.state.executions.size, executions, 'no query for a re-delivered group');
  t.deepEqual(await lakeOf(cloud), expected);
});

test('a file failing on its own: the files before it commit, it and every later message are reported and not committed; the re-delivery ends in the lake of one clean run', async (t) => {
  const expected = await oneByOne();
  const cloud = cleanerOnFake({ env: STACK_ENV_INLINE });
  t.teardown(() => cloud.aws.close());
  const [a, b, c] = FILES.map(([key, body]) => land(cloud, key, body));
  cloud.aws.state.settings.failWhen = (sql) => (sql.startsWith(`CREATE TABLE ${DB}.stage_rejects_${b}`) ? 'HIVE_BAD_DATA: injected' : undefined);
  const first = await cloud.deliver();
  const messages = first.event.Records.map((record) => record.messageId);
  t.deepEqual(first.response, { batchItemFailures: messages.slice(1).map((itemIdentifier) => ({ itemIdentifier })) });
  t.deepEqual(
    cloud.aws.state.partitions(DB, 'cleaned_transactions').map((partition) => partition.Values[0]),
    [a],
    'only the file landed before the failed one is committed',
  );
  t.false(cloud.aws.state.calls.some((call) => call.includes(`CreatePartition raw_transactions ${c}`)));
  cloud.aws.state.settings.failWhen = undefined;
  const second = await cloud.deliver();
  t.deepEqual(second.event.Records.map((record) => record.messageId), messages.slice(1));
  t.deepEqual(second.response, { batchItemFailures: [] }, JSON.stringify(cloud.errors));
  t.deepEqual(
    cloud.aws.state.partitions(DB, 'cleaned_transactions').map((partition) => partition.Values[0]),
    [a, b, c],
  );
  t.deepEqual(await lakeOf(cloud), expected);
});
