// The Lambda's settings from its environment, and the reading of SQS bodies into landings.
import test from 'ava';
import { readLambdaSettings } from '../handlers/aws/lambda-settings.ts';
import { readSqsBody } from '../handlers/aws/sqs-landings.ts';
import { DEFAULT_ZIP_LIMITS } from '../handlers/core/zip-landing.ts';

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
    zipLimits: DEFAULT_ZIP_LIMITS,
    workDir: '/tmp',
  });
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

const scope = { bucket: 'pf-bronze', prefix: 'landing/' };
const record = (bucket: string, key: string) => ({ eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key, size: 1, eTag: 'e' } } });

test('SQS body: the S3 test event is recognised', (t) => {
  t.deepEqual(readSqsBody(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent' }), scope), { kind: 's3_test_event' });
});

test('SQS body: records are kept under the bronze bucket and prefix (keys decoded), others named', (t) => {
  const body = readSqsBody(JSON.stringify({ Records: [record('pf-bronze', 'landing/a+b.dat'), record('pf-bronze', 'other/c.dat'), record('x-bucket', 'landing/d.dat')] }), scope);
  t.deepEqual(body, {
    kind: 'landings',
    event: { Records: [record('pf-bronze', 'landing/a+b.dat')] },
    ignored: [
      { bucket: 'pf-bronze', key: 'other/c.dat', reason: 'outside the bronze prefix landing/' },
      { bucket: 'x-bucket', key: 'landing/d.dat', reason: 'not the bronze bucket pf-bronze' },
    ],
  });
});

test('SQS body: not JSON, or JSON without Records, is an error', (t) => {
  t.throws(() => readSqsBody('nope', scope), { message: /not JSON/ });
  t.throws(() => readSqsBody('{"hello":1}', scope), { message: /no S3 event Records/ });
});
