// The turn records' S3 protocol against a real local S3 server (s3rver): keys in landing order
// whatever the length of the sequence numbers, listings past one page, JSON that round-trips a
// PreparedBatch, a missing prepared record, deletes past DeleteObjects' 1000 keys. The one thing
// s3rver cannot produce, a DeleteObjects answer with per-key errors, is mocked at the client.
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import test from 'ava';
import { mockClient } from 'aws-sdk-client-mock';
import pLimit from 'p-limit';
import { failedKey, pendingKey, preparedKey, TurnRecords } from '../handlers/aws/turn-records.ts';
import { TURNS_PREFIX } from '../handlers/core/lake-prefixes.ts';
import type { PreparedBatch } from '../handlers/core/prepare-batch.ts';
import { type LocalS3, startS3rver } from './helpers/s3rver.ts';

const BUCKET = 'turns-silver';
let s3: LocalS3;

test.before(async () => {
  s3 = await startS3rver([BUCKET]);
});
test.after.always(async () => {
  await s3?.close();
});

const landing = (key: string) => ({ ref: { bucket: 'pf-bronze', key }, etag: 'e1', size: 10 });

const PREPARED: PreparedBatch = {
  landing: { ref: { bucket: 'pf-bronze', key: 'landing/a.dat' }, etag: 'e1', size: 10 },
  sourceFile: 'pf-bronze/landing/a.dat',
  info: { etag: 'e1', size: 10 },
  batchId: 'a_0123456789ab',
  startedAt: 1_700_000_000_000,
  work: { source: 'bronze_a_0123456789ab', silver: 'stage_silver_a_0123456789ab', rejects: 'stage_rejects_a_0123456789ab' },
  idRange: { min: 'T1', max: 'T9' },
  earliestDate: '2026-03-01',
  lines: 3,
  duplicatesInBatch: 1,
  rejectsByReason: { malformed: 1 },
  silverBytes: 1234,
  rejectBytes: 56,
};

test.serial('pending records list in landing order: sequence numbers of different lengths, padded to 40 digits', async (t) => {
  const records = new TurnRecords(s3.client, BUCKET);
  // Unpadded, '999' would sort after '1000'; SQS sequence numbers grow without a fixed width.
  for (const [batchId, sequence] of [['c', '18890000000000002000'], ['a', '999'], ['b', '1000']] as const) {
    await records.putPending({ batchId, sequence, landing: landing(`landing/${batchId}.dat`) });
  }
  const keys = await records.pendingKeys();
  t.deepEqual(keys, [pendingKey('999'), pendingKey('1000'), pendingKey('18890000000000002000')]);
  t.is(keys[0], `${TURNS_PREFIX}pending/${'0'.repeat(37)}999.json`);
  t.deepEqual(await Promise.all(keys.map(async (key) => (await records.readPending(key)).batchId)), ['a', 'b', 'c']);
  t.deepEqual(await records.readPending(pendingKey('1000')), { batchId: 'b', sequence: '1000', landing: landing('landing/b.dat') });
  t.throws(() => pendingKey('12a'), { message: /not an SQS FIFO SequenceNumber/ });
  t.throws(() => pendingKey('1'.repeat(41)), { message: /not an SQS FIFO SequenceNumber/ });
  await records.delete(keys);
  t.deepEqual(await records.pendingKeys(), []);
});

test.serial('a prepared record round-trips the PreparedBatch; a missing one is undefined; failed records are listed by batch id', async (t) => {
  const records = new TurnRecords(s3.client, BUCKET);
  t.is(await records.prepared(PREPARED.batchId), undefined);
  await records.putPrepared(PREPARED);
  t.deepEqual(await records.prepared(PREPARED.batchId), PREPARED);
  t.deepEqual([...(await records.preparedIds())], [PREPARED.batchId]);
  await records.putFailed({ batchId: 'b_1', sourceFile: 'pf-bronze/landing/b.dat', error: 'HIVE_CURSOR_ERROR' });
  t.deepEqual([...(await records.failedIds())], ['b_1']);
  t.deepEqual(await records.readFailed('b_1'), { batchId: 'b_1', sourceFile: 'pf-bronze/landing/b.dat', error: 'HIVE_CURSOR_ERROR' });
  await records.delete([preparedKey(PREPARED.batchId), failedKey('b_1')]);
  t.deepEqual([...(await records.preparedIds())], []);
  t.deepEqual([...(await records.failedIds())], []);
});

test.serial('more than 1000 records: listed across pages, deleted in requests of at most 1000 keys', async (t) => {
  const client = s3.newClient();
  const deletes: number[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'DeleteObjectsCommand') deletes.push((args.input as { Delete: { Objects: unknown[] } }).Delete.Objects.length);
      return next(args);
    },
    { step: 'initialize', name: 'countDeletes' },
  );
  const records = new TurnRecords(client, BUCKET);
  const limit = pLimit(16);
  const sequences = Array.from({ length: 1003 }, (_, i) => String(5_000 + i * 7));
  await Promise.all(sequences.map((sequence, i) => limit(() => records.putPending({ batchId: `b${i}`, sequence, landing: landing(`landing/b${i}.dat`) }))));
  const keys = await records.pendingKeys();
  t.deepEqual(keys, sequences.map(pendingKey));
  await records.delete(keys);
  t.deepEqual(deletes, [1000, 3]);
  t.deepEqual(await records.pendingKeys(), []);
});

test('a DeleteObjects answer with per-key errors (HTTP 200) fails, naming the keys', async (t) => {
  const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const mock = mockClient(client);
  t.teardown(() => mock.restore());
  mock.on(DeleteObjectsCommand).resolves({ Deleted: [{ Key: pendingKey('1') }], Errors: [{ Key: preparedKey('a_1'), Code: 'AccessDenied', Message: 'Access Denied' }] });
  const records = new TurnRecords(client, BUCKET);
  await t.throwsAsync(records.delete([pendingKey('1'), preparedKey('a_1')]), { message: `turn records not deleted: ${preparedKey('a_1')} (AccessDenied)` });
  t.deepEqual(mock.commandCalls(DeleteObjectsCommand).map((call) => call.args[0].input), [
    { Bucket: BUCKET, Delete: { Objects: [{ Key: pendingKey('1') }, { Key: preparedKey('a_1') }], Quiet: true } },
  ]);
});

test('whether a prepared record exists is asked by listing its exact key, never by a GET that S3 answers 403 without ListBucket on it', async (t) => {
  const client = new S3Client({ region: 'us-east-1' });
  const mock = mockClient(client);
  mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: `${preparedKey(PREPARED.batchId)}.old` }] });
  const records = new TurnRecords(client, BUCKET);
  t.is(await records.prepared(PREPARED.batchId), undefined);
  t.deepEqual(
    mock.calls().map((call) => [call.args[0].constructor.name, call.args[0].input]),
    [['ListObjectsV2Command', { Bucket: BUCKET, Prefix: preparedKey(PREPARED.batchId), MaxKeys: 1 }]],
  );
  mock.restore();
});
