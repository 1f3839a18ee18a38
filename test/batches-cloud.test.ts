// The batch operations against a deployed stack, on the shared fake AWS: files land and the real
// cleaner handler commits them (S3 → EventBridge → FIFO → Lambda → Glue/Athena), then the core's
// list, drop and reprocess run through the AWS adapters as `procureflow batches|drop|reprocess
// --stack-outputs` builds them (openAwsLake + operatorSettings). Outcomes are read back from the
// fake's own state and through the fake Athena, as an analyst would query them.
import test from 'ava';
import { stackTarget } from '../cli/commands/batches.ts';
import { openAwsLake, operatorSettings } from '../handlers/aws/aws-lake.ts';
import { dropBatch, listBatches, reprocessBatch } from '../handlers/core/batch-operations.ts';
import { silentLog } from '../handlers/core/pipeline-log.ts';
import { cleanerOnFake, STACK, STACK_ENV_INLINE } from './fakes/cleaner-on-fake.ts';
import type { FakeAws } from './fakes/fake-aws.ts';
import { runQuery } from './fakes/run-query.ts';

const DB = STACK.database;
const BUCKETS = STACK.buckets;
const HEADER = 'transaction_id|transaction_ts|store_id|customer_id|product_id|product_category|quantity|unit_price|discount|total_amount|payment_method|currency';
const row = (id: string) => `${id}|2026-03-01 10:00:00|1|C|P|Food|1|2.00|0|2.00|card|USD`;
// What `pulumi stack output --json` prints for this stack (the names index.ts exports).
const OUTPUTS = {
  bronzeBucket: BUCKETS.bronze,
  silverBucket: BUCKETS.silver,
  goldBucket: BUCKETS.gold,
  bronzePrefix: 'landing/',
  databaseName: DB,
  pipelineWorkgroupName: STACK.workGroup,
};

async function deployedStack() {
  const cleaner = cleanerOnFake({ env: STACK_ENV_INLINE });
  const { aws } = cleaner;
  /** Lands a file and lets the cleaner take it off the FIFO queue. */
  const land = async (key: string, ids: string[]) => {
    aws.s3.put(BUCKETS.bronze, `landing/${key}`, `${HEADER}\n${ids.map(row).join('\n')}\n`);
    const responses = await cleaner.drain();
    if (responses.some((response) => response.batchItemFailures.length > 0)) throw new Error(`landing ${key} failed`);
  };
  // The operator's side: the CLI's own clients, the stack found from its outputs.
  const operator = await openAwsLake(operatorSettings(stackTarget(OUTPUTS, {})), aws.clients(), silentLog);
  const ports = operator.ports({ remainingTimeMillis: () => 600_000, timing: cleaner.timing });
  const { athena } = aws.clients();
  const gold = async () => {
    const result = await runQuery(athena, `SELECT transaction_id, source_file FROM ${DB}.cleaned_transactions ORDER BY transaction_id`, { database: DB, workGroup: STACK.workGroup });
    return result.rows.slice(1).map(([id, source]) => `${id}:${String(source).split('/').pop()}`);
  };
  return { aws, land, ports, gold, clock: cleaner.clock };
}

const batchOf = (aws: FakeAws, key: string) => {
  const partition = aws.state.partitions(DB, 'cleaned_transactions').find((p) => JSON.parse(p.Parameters.procureflow_figures ?? '{}').sourceFile === `${BUCKETS.bronze}/landing/${key}`);
  if (!partition) throw new Error(`no batch for ${key}`);
  return partition.Values[0] as string;
};

test('stack outputs become the target; a missing output without a flag is named', (t) => {
  t.deepEqual(stackTarget(OUTPUTS, {}), { buckets: BUCKETS, bronzePrefix: 'landing/', database: DB, workGroup: STACK.workGroup });
  t.like(stackTarget(OUTPUTS, { database: 'other_db', bronzePrefix: 'in' }), { database: 'other_db', bronzePrefix: 'in/' });
  t.throws(() => stackTarget({ ...OUTPUTS, goldBucket: undefined }, {}), { message: 'no goldBucket in the stack outputs and no flag for it' });
});

test('batches lists every committed batch from Glue partition parameters, across GetPartitions pages', async (t) => {
  const { aws, land, ports } = await deployedStack();
  await land('a.dat', ['T1', 'T2']);
  await land('b.dat', ['T2', 'T3']);
  await land('c.dat', ['T4']);
  const rows = await listBatches(ports.catalog);
  t.deepEqual(
    rows.map((r) => [r.source_file, r.lines, r.loaded, r.duplicates_in_gold, r.rejected, r.rejects_by_reason]).sort(),
    [
      [`${BUCKETS.bronze}/landing/a.dat`, 2, 2, 0, 0, '{}'],
      [`${BUCKETS.bronze}/landing/b.dat`, 2, 1, 1, 0, '{}'],
      [`${BUCKETS.bronze}/landing/c.dat`, 1, 1, 0, 0, '{}'],
    ],
  );
  t.true(rows.every((r) => typeof r.committed_at === 'string' && !Number.isNaN(Date.parse(r.committed_at))));
  // Three partitions at the fake's two a page: the listing followed NextToken.
  t.is(aws.state.calls.filter((call) => call === 'Glue.GetPartitions cleaned_transactions').length, 2);
  await aws.close();
});

test('drop deletes the three partitions, gold first, then the objects; first write wins as the docs say', async (t) => {
  const { aws, land, ports, gold } = await deployedStack();
  await land('a.dat', ['T1', 'T2']);
  await land('b.dat', ['T2', 'T3']);
  const a = batchOf(aws, 'a.dat');
  const mark = aws.state.calls.length;
  const result = await dropBatch(ports, a);
  t.like(result, { dropped: true, figures: { loaded: 2 } });
  const calls = aws.state.calls.slice(mark).filter((call) => /^Glue\.DeletePartition|^S3\.DeleteObjects/.test(call));
  t.deepEqual(
    calls.map((call) => call.replace(/ s3:\/\/([^/]+)\/ .*/, ' $1')),
    [`Glue.DeletePartition cleaned_transactions ${a}`, `Glue.DeletePartition raw_transactions ${a}`, `Glue.DeletePartition rejected_transactions ${a}`, 'S3.DeleteObjects pf-gold', 'S3.DeleteObjects pf-silver', 'S3.DeleteObjects pf-gold'],
  );
  for (const [bucket, table] of [[BUCKETS.gold, 'cleaned_transactions'], [BUCKETS.silver, 'raw_transactions'], [BUCKETS.gold, 'rejected_transactions']] as const) {
    t.deepEqual(aws.state.listKeys(bucket, `${table}/batch_id=${a}/`), [], `${table} objects gone`);
  }
  // T2 was A's and B skipped it: it does not come back.
  t.deepEqual(await gold(), ['T3:b.dat']);
  t.deepEqual((await listBatches(ports.catalog)).map((r) => [r.source_file, r.duplicates_in_gold]), [[`${BUCKETS.bronze}/landing/b.dat`, 1]]);
  // T1 (A's own) is loadable again by a later landing.
  await land('c.dat', ['T1']);
  t.deepEqual(await gold(), ['T1:c.dat', 'T3:b.dat']);
  // A second drop finds nothing.
  t.like(await dropBatch(ports, a), { dropped: false, figures: undefined });
  await aws.close();
});

test('reprocess reruns a batch from its bronze object under the same id; a later batch reprocessed gets back the ids it skipped', async (t) => {
  const { aws, land, ports, gold, clock } = await deployedStack();
  await land('a.dat', ['T1', 'T2']);
  await land('b.dat', ['T2', 'T3']);
  const a = batchOf(aws, 'a.dat');
  const b = batchOf(aws, 'b.dat');
  await dropBatch(ports, a);
  // An operator reprocesses a batch well after its commit. (Within AthenaEngine's 5 s staleness
  // tolerance, the same statements re-attach by ClientRequestToken to the first run's queries.)
  clock.now += 60_000;
  const { before, result } = await reprocessBatch(ports, b);
  t.like(before, { loaded: 1, duplicatesInGold: 1 });
  t.like(result, { status: 'committed', figures: { batchId: b, loaded: 2, duplicatesInGold: 0 } });
  t.deepEqual(await gold(), ['T2:b.dat', 'T3:b.dat']);
  t.is(aws.state.partitions(DB, 'cleaned_transactions').length, 1, 'one commit: b, again');
  // The re-landing of A is the same batch id, and its T2 is now a duplicate of B's.
  aws.s3.put(BUCKETS.bronze, 'landing/a.dat', `${HEADER}\n${['T1', 'T2'].map(row).join('\n')}\n`);
  t.is(aws.state.partitions(DB, 'cleaned_transactions').length, 1);
  await t.throwsAsync(reprocessBatch(ports, a), { message: /is not committed/ });
  await aws.close();
});
