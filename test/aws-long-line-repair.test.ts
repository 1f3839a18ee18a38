// A silver CTAS that fails on a line over Athena's limit is repaired once: the landed file is
// streamed into a cut copy (multipart upload), the manifest is re-pointed, and the engine reports
// the output stale; the core's materializeFresh resets it and runs the statement again under the
// next generation's token. Exact commands through aws-sdk-client-mock.
import {
  AthenaClient,
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { CreateTableCommand, DeleteTableCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import test from 'ava';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { AthenaEngine, clientRequestToken } from '../handlers/aws/athena-engine.ts';
import { GlueCatalog } from '../handlers/aws/glue-catalog.ts';
import { CLOUD_MAX_LINE_BYTES } from '../handlers/aws/long-line-cut.ts';
import { isLineTooLong, LongLineRepairEngine } from '../handlers/aws/long-line-engine.ts';
import { S3ObjectStore } from '../handlers/aws/s3-object-store.ts';
import { materializeFresh, StaleQueryError } from '../handlers/core/fresh-output.ts';
import { silentLog } from '../handlers/core/pipeline-log.ts';

const T0 = Date.UTC(2026, 2, 1, 12);
const LOCATION = 's3://pf-silver/raw_transactions/batch_id=b_1/';
const REASON = 'TextLineLengthLimitExceededException: Too many bytes before newline: 2147483648';
const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };

function setup(landedKey: string, content: Buffer) {
  const s3 = new S3Client({ region: 'us-east-1', credentials });
  const glue = new GlueClient({ region: 'us-east-1', credentials });
  const athena = new AthenaClient({ region: 'us-east-1', credentials });
  const s3Mock = mockClient(s3);
  const glueMock = mockClient(glue);
  const athenaMock = mockClient(athena);
  const parts: Buffer[] = [];
  s3Mock
    .on(PutObjectCommand).resolves({ ETag: '"m"' })
    .on(HeadObjectCommand).resolves({ ContentLength: content.length, ETag: '"e"' })
    .on(CopyObjectCommand).resolves({})
    .on(GetObjectCommand).callsFake(() => ({ Body: Readable.from([content]) }))
    .on(CreateMultipartUploadCommand).resolves({ UploadId: 'u-1' })
    .on(UploadPartCommand).callsFake((input) => {
      parts[input.PartNumber - 1] = Buffer.from(input.Body as Uint8Array);
      return { ETag: `"p${input.PartNumber}"` };
    })
    .on(CompleteMultipartUploadCommand).resolves({ ETag: '"c"' })
    .on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: false })
    .on(DeleteObjectsCommand).resolves({});
  glueMock.on(CreateTableCommand).resolves({}).on(DeleteTableCommand).resolves({});
  const store = new S3ObjectStore(s3);
  const catalog = new GlueCatalog({ client: glue, store, copier: store, database: 'db', buckets: { silver: 'pf-silver', gold: 'pf-gold' } });
  const clock = { now: T0 };
  const athenaEngine = new AthenaEngine({ client: athena, workGroup: 'wg', database: 'db', timing: { now: () => clock.now, sleep: async (ms) => void (clock.now += ms), random: () => 0.5 } });
  const engine = new LongLineRepairEngine(athenaEngine, catalog, silentLog);
  return { s3Mock, glueMock, athenaMock, store, catalog, engine, parts, landedKey };
}

function athenaFailsFirst(athenaMock: ReturnType<typeof setup>['athenaMock']) {
  athenaMock.on(StartQueryExecutionCommand).resolvesOnce({ QueryExecutionId: 'q-1' }).resolves({ QueryExecutionId: 'q-2' });
  athenaMock
    .on(GetQueryExecutionCommand, { QueryExecutionId: 'q-1' })
    .resolves({ QueryExecution: { Status: { State: 'FAILED', SubmissionDateTime: new Date(T0), StateChangeReason: REASON } } })
    .on(GetQueryExecutionCommand, { QueryExecutionId: 'q-2' })
    .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED', SubmissionDateTime: new Date(T0) } } });
}

const longLine = Buffer.alloc(CLOUD_MAX_LINE_BYTES + 1024 * 1024, 0x41);
const plain = Buffer.concat([Buffer.from('ok1\n'), longLine, Buffer.from('\nok2\n')]);

for (const [landedKey, content] of [
  ['landing/long.dat', plain],
  ['landing/long.DAT.GZ', gzipSync(plain)],
] as const) {
  test(`${landedKey}: the silver CTAS fails on a long line, the file is cut into a plain copy, re-pointed, and silver runs again`, async (t) => {
    const { s3Mock, glueMock, athenaMock, store, catalog, engine, parts } = setup(landedKey, content);
    athenaFailsFirst(athenaMock);
    await catalog.registerLandedFile('bronze_b_1', { bucket: 'pf-bronze', key: landedKey });
    // The silver step as the core runs it (process-group.ts): reset, CTAS; reset and rerun when reported stale.
    await materializeFresh({
      context: { batchId: 'b_1', step: 'silver' },
      reset: async () => {
        await store.clearLocation(LOCATION);
        await catalog.dropWorkTable('stage_silver_b_1');
      },
      write: (context) => engine.materialize('stage_silver_b_1', 'SELECT line FROM bronze_b_1', LOCATION, context),
      log: silentLog,
    });

    // The landed object is read once; the copy is written by a multipart upload, in the silver bucket.
    t.deepEqual(s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input), [{ Bucket: 'pf-bronze', Key: landedKey }]);
    const copyKey = '_work/landed-copies/bronze_b_1/bronze_b_1.dat';
    t.deepEqual(s3Mock.commandCalls(CreateMultipartUploadCommand).map((c) => [c.args[0].input.Bucket, c.args[0].input.Key]), [['pf-silver', copyKey]]);
    const copy = Buffer.concat(parts);
    t.is(copy.length, 4 + CLOUD_MAX_LINE_BYTES + 3 + 5);
    t.is(copy.subarray(0, 4).toString(), 'ok1\n');
    t.deepEqual(copy.subarray(4 + CLOUD_MAX_LINE_BYTES), Buffer.from('\ufffd\nok2\n'));
    // The manifest now lists the copy (the second write of the manifest).
    const manifests = s3Mock.commandCalls(PutObjectCommand).filter((c) => c.args[0].input.Key === '_work/landed/bronze_b_1/manifest');
    t.is(String(manifests.at(-1)?.args[0].input.Body), `s3://pf-silver/${copyKey}\n`);
    // The failed output is reset before each CTAS, and silver runs again under the next generation's
    // token (the old one returns the FAILED query).
    const silverPrefix = 'raw_transactions/batch_id=b_1/';
    t.deepEqual(s3Mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix), [silverPrefix, silverPrefix]);
    // The work table's cleanup removes the repaired copy.
    await catalog.dropWorkTable('bronze_b_1');
    t.deepEqual(s3Mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix), [silverPrefix, silverPrefix, '_work/landed-copies/bronze_b_1/']);
    t.deepEqual(glueMock.commandCalls(DeleteTableCommand).map((c) => c.args[0].input.Name), ['stage_silver_b_1', 'stage_silver_b_1', 'bronze_b_1']);
    const starts = athenaMock.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    t.is(starts.length, 2);
    t.is(starts[1]?.QueryString, starts[0]?.QueryString);
    const token = (generation: number) => clientRequestToken({ workGroup: 'wg', database: 'db', batchId: 'b_1', step: 'silver', sql: starts[0]?.QueryString ?? '', generation });
    t.deepEqual(starts.map((start) => start.ClientRequestToken), [token(0), token(1)]);
    // The repair comes between the failed CTAS and the reset before the rerun: the copy is complete first.
    const secondStart = athenaMock.commandCalls(StartQueryExecutionCommand)[1];
    const lastPart = s3Mock.commandCalls(CompleteMultipartUploadCommand)[0];
    t.true(lastPart !== undefined && secondStart !== undefined && lastPart.calledBefore(secondStart as never));
  });
}

test('another failure, or the same reason at a step that does not read the landed file, is not repaired', async (t) => {
  const { s3Mock, athenaMock, catalog, engine } = setup('landing/x.dat', plain);
  athenaFailsFirst(athenaMock);
  await catalog.registerLandedFile('bronze_b_1', { bucket: 'pf-bronze', key: 'landing/x.dat' });
  await t.throwsAsync(engine.materialize('stage_gold_b_1', 'SELECT 1', 's3://pf-gold/cleaned_transactions/batch_id=b_1/', { batchId: 'b_1', step: 'gold' }), { message: /FAILED at step gold/ });
  t.is(s3Mock.commandCalls(GetObjectCommand).length, 0);
  t.true(isLineTooLong(REASON));
  t.false(isLineTooLong('HIVE_BAD_DATA: Error parsing column'));
});

test('the repaired file failing on a long line again is not repaired twice: the failure stands', async (t) => {
  const { s3Mock, athenaMock, catalog, engine } = setup('landing/x.dat', plain);
  athenaMock.on(StartQueryExecutionCommand).resolvesOnce({ QueryExecutionId: 'q-1' }).resolves({ QueryExecutionId: 'q-2' });
  athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'FAILED', SubmissionDateTime: new Date(T0), StateChangeReason: REASON } } });
  await catalog.registerLandedFile('bronze_b_1', { bucket: 'pf-bronze', key: 'landing/x.dat' });
  const silver = (generation: number) => engine.materialize('stage_silver_b_1', 'SELECT line FROM bronze_b_1', LOCATION, { batchId: 'b_1', step: 'silver', generation });
  await t.throwsAsync(silver(0), { instanceOf: StaleQueryError, message: /query q-1 at step silver failed on a line over Athena’s limit/ });
  await t.throwsAsync(silver(1), { message: /Athena query q-2 FAILED at step silver: TextLineLengthLimitExceededException/ });
  t.is(s3Mock.commandCalls(GetObjectCommand).length, 1, 'the landed file is read for one repair only');
  t.false(isLineTooLong('HIVE_BAD_DATA: Error parsing column'));
});
