// The Lambda's settings from its environment, and the reading of SQS bodies into landings.
import test from 'ava';
import { DEFAULT_LAMBDA_ZIP_MAX_TOTAL_BYTES, DEFAULT_LANDING_MAX_BYTES, readLambdaSettings } from '../handlers/aws/lambda-settings.ts';
import { objectCreatedEventBridge, readPrepareBody, readSqsBody } from '../handlers/aws/sqs-landings.ts';
import { DEFAULT_ZIP_LIMITS } from '../handlers/core/zip-limits.ts';
import { cleanerEnvironment } from '../components/cleaner-environment.ts';
import { readStackConfig } from '../components/stack-config.ts';

const ENV = {
  BRONZE_BUCKET: 'pf-bronze',
  SILVER_BUCKET: 'pf-silver',
  GOLD_BUCKET: 'pf-gold',
  GLUE_DATABASE: 'procureflow_db',
  ATHENA_WORKGROUP: 'pf-wg',
  LAMBDA_TASK_ROOT: '/var/task',
};

test('settings: defaults for prefix, SQL folder, zip limits and work folder', (t) => {
  t.deepEqual(readLambdaSettings(ENV), {
    buckets: { bronze: 'pf-bronze', silver: 'pf-silver', gold: 'pf-gold' },
    bronzePrefix: '',
    database: 'procureflow_db',
    workGroup: 'pf-wg',
    sqlDir: '/var/task/sql',
    zipLimits: { ...DEFAULT_ZIP_LIMITS, maxTotalBytes: 8 * 1024 ** 3 },
    landingMaxBytes: 5 * 1024 ** 3,
    workDir: '/tmp',
    parallelFiles: 10,
    groupMaxBytes: 50_000_000_000,
    dedupeHorizonDays: 0,
  });
  t.is(DEFAULT_LANDING_MAX_BYTES, 5 * 1024 ** 3);
  t.is(DEFAULT_LAMBDA_ZIP_MAX_TOTAL_BYTES, 8 * 1024 ** 3);
});

test('settings: PARALLEL_FILES and GROUP_MAX_BYTES are read and checked', (t) => {
  t.like(readLambdaSettings({ ...ENV, PARALLEL_FILES: '4', GROUP_MAX_BYTES: '1000000' }), { parallelFiles: 4, groupMaxBytes: 1_000_000 });
  t.throws(() => readLambdaSettings({ ...ENV, PARALLEL_FILES: '2.5' }), { message: /PARALLEL_FILES must be a whole number/ });
  t.throws(() => readLambdaSettings({ ...ENV, PARALLEL_FILES: '0' }), { message: /PARALLEL_FILES must be a positive number/ });
  t.throws(() => readLambdaSettings({ ...ENV, GROUP_MAX_BYTES: '-1' }), { message: /GROUP_MAX_BYTES must be a positive number/ });
});

test('settings: DEDUPE_HORIZON_DAYS is read and checked (0 = off)', (t) => {
  t.is(readLambdaSettings({ ...ENV, DEDUPE_HORIZON_DAYS: '45' }).dedupeHorizonDays, 45);
  t.is(readLambdaSettings({ ...ENV, DEDUPE_HORIZON_DAYS: '0' }).dedupeHorizonDays, 0);
  t.throws(() => readLambdaSettings({ ...ENV, DEDUPE_HORIZON_DAYS: '-3' }), { message: /DEDUPE_HORIZON_DAYS must be a whole number of at least 0/ });
  t.throws(() => readLambdaSettings({ ...ENV, DEDUPE_HORIZON_DAYS: '1.5' }), { message: /DEDUPE_HORIZON_DAYS must be a whole number of at least 0/ });
});

test('settings: LANDING_MAX_BYTES is read and checked', (t) => {
  t.is(readLambdaSettings({ ...ENV, LANDING_MAX_BYTES: '1048576' }).landingMaxBytes, 1048576);
  t.throws(() => readLambdaSettings({ ...ENV, LANDING_MAX_BYTES: '0' }), { message: /LANDING_MAX_BYTES must be a positive number/ });
});

test('settings: explicit prefix, SQL_DIR and zip limits', (t) => {
  const settings = readLambdaSettings({ ...ENV, BRONZE_PREFIX: 'landing', SQL_DIR: '/opt/sql', ZIP_MAX_TOTAL_BYTES: '1000', ZIP_MAX_RATIO: '50' });
  t.is(settings.bronzePrefix, 'landing/');
  t.is(settings.sqlDir, '/opt/sql');
  t.deepEqual(settings.zipLimits, { ...DEFAULT_ZIP_LIMITS, maxTotalBytes: 1000, maxRatio: 50 });
});

test('settings: every required variable is named when missing, bad values are refused', (t) => {
  for (const name of ['BRONZE_BUCKET', 'SILVER_BUCKET', 'GOLD_BUCKET', 'GLUE_DATABASE', 'ATHENA_WORKGROUP']) {
    const env: Record<string, string> = { ...ENV };
    delete env[name];
    t.throws(() => readLambdaSettings(env), { message: new RegExp(`^environment variable ${name} is not set`) });
  }
  t.throws(() => readLambdaSettings({ ...ENV, GLUE_DATABASE: 'db; drop' }), { message: /GLUE_DATABASE is not a valid database name/ });
  t.throws(() => readLambdaSettings({ ...ENV, BRONZE_BUCKET: 'Not_A_Bucket' }), { message: /BRONZE_BUCKET is not a bucket name/ });
  t.throws(() => readLambdaSettings({ ...ENV, ZIP_MAX_RATIO: '-1' }), { message: /ZIP_MAX_RATIO must be a positive number/ });
});

test('settings round trip: the Lambda reads back exactly the stack config values the component writes into its environment', (t) => {
  // Non-default values everywhere, so that a variable the Lambda ignored (and replaced by its own
  // default) or read under another name fails here.
  const config = readStackConfig(
    (key) =>
      ({
        namePrefix: 'pf-rt',
        databaseName: 'pf_rt_db',
        bronzePrefix: 'drop/zone/',
        landingMaxBytes: String(3 * 1024 ** 3),
        athenaBytesScannedCutoff: String(12 * 1024 ** 3),
        zipMaxTotalBytes: '123456789',
        zipMaxRatio: '77',
        dedupeHorizonDays: '45',
      })[key],
    'procureflow',
    'rt',
  );
  const names = { bronzeBucket: 'pf-rt-bronze-123456789012', silverBucket: 'pf-rt-silver-123456789012', goldBucket: 'pf-rt-gold-123456789012', pipelineWorkgroupName: 'pf-rt-pipeline' };
  const env = cleanerEnvironment({
    ...names,
    databaseName: config.databaseName,
    bronzePrefix: config.bronzePrefix,
    zipMaxTotalBytes: config.zipMaxTotalBytes,
    zipMaxRatio: config.zipMaxRatio,
    landingMaxBytes: config.landingMaxBytes,
    parallelFiles: 6,
    groupMaxBytes: 9_000_000_000,
    dedupeHorizonDays: config.dedupeHorizonDays,
    landingQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/pf-rt-landings.fifo',
    silverQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/pf-rt-silver.fifo',
    silverMaxReceives: 5,
  });
  t.deepEqual(readLambdaSettings(env), {
    buckets: { bronze: names.bronzeBucket, silver: names.silverBucket, gold: names.goldBucket },
    bronzePrefix: 'drop/zone/',
    database: 'pf_rt_db',
    workGroup: 'pf-rt-pipeline',
    sqlDir: '/var/task/sql',
    zipLimits: { ...DEFAULT_ZIP_LIMITS, maxTotalBytes: 123456789, maxRatio: 77 },
    landingMaxBytes: 3 * 1024 ** 3,
    workDir: '/tmp',
    parallelFiles: 6,
    groupMaxBytes: 9_000_000_000,
    dedupeHorizonDays: 45,
    silverQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/pf-rt-silver.fifo',
    landingQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/pf-rt-landings.fifo',
    silverMaxReceives: 5,
  });
});

const SPLIT = {
  SILVER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/pf-silver.fifo',
  LANDING_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/pf-landings.fifo',
  SILVER_MAX_RECEIVES: '5',
};

test('settings: split mode takes SILVER_QUEUE_URL, LANDING_QUEUE_URL and SILVER_MAX_RECEIVES together; without the silver queue it is inline', (t) => {
  t.like(readLambdaSettings({ ...ENV, ...SPLIT }), { silverQueueUrl: SPLIT.SILVER_QUEUE_URL, landingQueueUrl: SPLIT.LANDING_QUEUE_URL, silverMaxReceives: 5 });
  // A stack with silverWorkers 0 still sets the landing queue and the receive count: inline.
  const inline = readLambdaSettings({ ...ENV, LANDING_QUEUE_URL: SPLIT.LANDING_QUEUE_URL, SILVER_MAX_RECEIVES: '5' });
  t.false('silverQueueUrl' in inline || 'landingQueueUrl' in inline || 'silverMaxReceives' in inline);
  t.throws(() => readLambdaSettings({ ...ENV, ...SPLIT, LANDING_QUEUE_URL: ' ' }), { message: 'environment variable LANDING_QUEUE_URL is not set; it is needed with SILVER_QUEUE_URL' });
  t.throws(() => readLambdaSettings({ ...ENV, ...SPLIT, SILVER_MAX_RECEIVES: '' }), { message: 'environment variable SILVER_MAX_RECEIVES is not set; it is needed with SILVER_QUEUE_URL' });
  t.throws(() => readLambdaSettings({ ...ENV, ...SPLIT, SILVER_MAX_RECEIVES: '2.5' }), { message: /SILVER_MAX_RECEIVES must be a whole number/ });
  t.throws(() => readLambdaSettings({ ...ENV, ...SPLIT, SILVER_MAX_RECEIVES: '0' }), { message: /SILVER_MAX_RECEIVES must be a positive number/ });
});

const scope = { bucket: 'pf-bronze', prefix: 'landing/' };
const event = (bucket: string, key: string) => objectCreatedEventBridge({ ref: { bucket, key }, size: 7, etag: 'abc' });

test('SQS body: an EventBridge Object Created event under the bronze prefix is a landing, its key taken as is', (t) => {
  // EventBridge keys are not URL-encoded: `a+b%20c.dat` is that very key (a `+` is not a space).
  const body = readSqsBody(JSON.stringify(event('pf-bronze', 'landing/a+b%20c d.dat')), scope);
  t.deepEqual(body, { kind: 'landing', landing: { ref: { bucket: 'pf-bronze', key: 'landing/a+b%20c d.dat' }, size: 7, etag: 'abc' }, reason: 'PutObject', sequencer: '617f08299329d189' });
});

test('SQS body: the S3 user guide example event is read', (t) => {
  // "EventBridge event message structure", Object created example (ev-events).
  const example = {
    version: '0', id: '17793124-05d4-b198-2fde-7ededc63b103', 'detail-type': 'Object Created', source: 'aws.s3', account: '111122223333',
    time: '2021-11-12T00:00:00Z', region: 'ca-central-1', resources: ['arn:aws:s3:::pf-bronze'],
    detail: { version: '0', bucket: { name: 'pf-bronze' }, object: { key: 'landing/example-key.dat', size: 5, etag: 'b1946ac92492d2347c6235b4d2611184', 'version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e', sequencer: '617f08299329d189' }, 'request-id': 'N4N7GDK58NMKJ12R', requester: '123456789012', 'source-ip-address': '1.2.3.4', reason: 'PutObject' },
  };
  t.like(readSqsBody(JSON.stringify(example), scope), { kind: 'landing', landing: { ref: { bucket: 'pf-bronze', key: 'landing/example-key.dat' }, size: 5, etag: 'b1946ac92492d2347c6235b4d2611184' }, reason: 'PutObject' });
});

test('SQS body: outside the bronze bucket or prefix is ignored with its reason', (t) => {
  t.deepEqual(readSqsBody(JSON.stringify(event('pf-bronze', 'other/c.dat')), scope), { kind: 'ignored', bucket: 'pf-bronze', key: 'other/c.dat', reason: 'outside the bronze prefix landing/' });
  t.deepEqual(readSqsBody(JSON.stringify(event('x-bucket', 'landing/d.dat')), scope), { kind: 'ignored', bucket: 'x-bucket', key: 'landing/d.dat', reason: 'not the bronze bucket pf-bronze' });
});

test('SQS body: not JSON, a plain S3 notification, an S3 test event or another detail-type is an error', (t) => {
  t.throws(() => readSqsBody('nope', scope), { message: /not JSON/ });
  const notification = { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'pf-bronze' }, object: { key: 'landing/a.dat', size: 1 } } }] };
  t.throws(() => readSqsBody(JSON.stringify(notification), scope), { message: /not an EventBridge S3 "Object Created" event/ });
  t.throws(() => readSqsBody(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent' }), scope), { message: /not an EventBridge/ });
  t.throws(() => readSqsBody(JSON.stringify({ ...event('pf-bronze', 'landing/a.dat'), 'detail-type': 'Object Deleted' }), scope), { message: /not an EventBridge/ });
  t.throws(() => readSqsBody(JSON.stringify({ 'detail-type': 'Object Created', source: 'aws.s3', detail: {} }), scope), { message: /without detail.bucket.name/ });
});

test('SQS body: the split mode notes are read as notes; a prepare body is read whole or refused', (t) => {
  t.deepEqual(readSqsBody('{"procureflow":"silver-ready","batchId":"a_1"}', scope), { kind: 'note', note: { procureflow: 'silver-ready', batchId: 'a_1' } });
  t.deepEqual(readSqsBody('{"procureflow":"gold-turn","after":"group_1"}', scope), { kind: 'note', note: { procureflow: 'gold-turn', after: 'group_1' } });
  t.throws(() => readSqsBody('{"procureflow":"silver-ready"}', scope), { message: /not an EventBridge/ });
  const prepare = { procureflow: 'prepare', batchId: 'a_1', sequence: '18890000000000001000', landing: { ref: { bucket: 'pf-bronze', key: 'landing/a.dat' }, etag: 'abc', size: 7 } };
  t.deepEqual(readPrepareBody(JSON.stringify(prepare)), prepare);
  t.throws(() => readPrepareBody(JSON.stringify({ ...prepare, landing: { ...prepare.landing, size: '7' } })), { message: /not a "prepare" body/ });
  t.throws(() => readPrepareBody(JSON.stringify({ ...prepare, procureflow: 'silver-ready' })), { message: /not a "prepare" body/ });
  t.throws(() => readPrepareBody('nope'), { message: /not JSON/ });
});
