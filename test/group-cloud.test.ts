// Group commits in the cloud, on the shared fake AWS with the real cleaner: the messages of one
// invocation are one group (one gold CTAS partitioned by batch_id; each batch's commit registers
// its gold where the CTAS wrote it, after its silver and rejects); a file that fails is reported with every later message and
// nothing after it commits; re-delivered events change nothing; the lake ends as one clean run's.
import test from 'ava';
import { figuresFromParameters } from '../handlers/core/batch-figures.ts';
import { groupIdFor } from '../handlers/core/gold-turn.ts';
import { cleanerOnFake, STACK, STACK_ENV_INLINE } from './fakes/cleaner-on-fake.ts';
import { DB, FILES, land, lakeOf, oneByOne } from './helpers/three-files-on-fake.ts';


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
  // The commits: gold partitions in landing order; each batch's silver and rejects registered
  // before its gold (the next batch's while the previous gold registers: Catalog.stageCommit).
  const creates = cloud.aws.state.calls.filter((call) => call.startsWith('Glue.CreatePartition'));
  t.deepEqual(
    creates.filter((call) => call.includes('cleaned_transactions')),
    ids.map((id) => `Glue.CreatePartition cleaned_transactions ${id}`),
  );
  t.is(creates.length, 9);
  for (const [i, id] of ids.entries()) {
    const gold = creates.indexOf(`Glue.CreatePartition cleaned_transactions ${id}`);
    for (const table of ['raw_transactions', 'rejected_transactions']) t.true(creates.indexOf(`Glue.CreatePartition ${table} ${id}`) < gold, `${table} ${id} before its gold`);
    // Never ahead of the previous batch's commit being under way: staged at most one batch ahead.
    if (i >= 2) t.true(creates.indexOf(`Glue.CreatePartition raw_transactions ${id}`) > creates.indexOf(`Glue.CreatePartition cleaned_transactions ${ids[i - 2] ?? ''}`));
  }
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
