// The pure builders behind the Pulumi components: config, names, Glue tables, IAM, named queries.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { analyticsQueries, columnComment, glueTableInput, substituteDatabase, tableLocation } from '../components/catalog.ts';
import { roleName } from '../components/cleaner.ts';
import { cleanerEnvironment } from '../components/cleaner-environment.ts';
import { MAX_RECEIVE_COUNT, visibilityTimeoutSeconds } from '../components/cleaner-queue.ts';
import { cleanerPolicyStatements, glueArns, type CleanerPolicyArgs } from '../components/cleaner-policy.ts';
import { bucketName, denyInsecureTransportPolicy, lifecycleRules } from '../components/lake.ts';
import { fifoQueueName, landingEventPattern, landingQueuePolicyDocument } from '../components/landing-events.ts';
import { DEFAULT_ZIP_MAX_RATIO, defaultDatabaseName, PIPELINE_SCAN_FACTOR, readStackConfig, turnMaxBytes } from '../components/stack-config.ts';
import { DEFAULT_ZIP_LIMITS } from '../handlers/core/zip-landing.ts';
import { CLEANER_DEFAULTS, CLEANER_ENV } from '../handlers/aws/cleaner-environment.ts';
import { COLUMN_DESCRIPTIONS, TABLE_COLUMNS } from '../handlers/core/tables.ts';

const configOf = (values: Record<string, string>) => (key: string) => values[key];

test('readStackConfig derives names from the stack and applies every default', (t) => {
  t.deepEqual(readStackConfig(configOf({}), 'procureflow', 'prod'), {
    namePrefix: 'procureflow-prod',
    databaseName: 'procureflow_prod_db',
    bronzePrefix: 'landing/',
    lambdaMemoryMb: 256,
    lambdaTimeoutSeconds: 900,
    lambdaEphemeralStorageMb: 10240,
    athenaBytesScannedCutoff: 16 * 1024 ** 3,
    analystsBytesScannedCutoff: 10 * 1024 ** 3,
    landingMaxBytes: 4 * 1024 ** 3,
    batchSize: 10,
    logRetentionDays: 14,
    forceDestroy: false,
    zipMaxTotalBytes: 16 * 1024 ** 3,
    zipMaxRatio: 200,
    bronzeInfrequentAccessDays: 30,
    dedupeHorizonDays: 0,
    silverWorkers: 15,
    athenaDmlQuota: 20,
    alarmEmail: undefined,
  });
});

test('readStackConfig bounds silverWorkers by the mapping (0, or 2 to 1000) and by the Athena DML quota', (t) => {
  const read = (values: Record<string, string>) => () => readStackConfig(configOf(values), 'procureflow', 'dev');
  t.is(read({ silverWorkers: '0' })().silverWorkers, 0, '0 = inline groups');
  t.is(read({ silverWorkers: '2' })().silverWorkers, 2);
  // 16 workers + the turn keeper's 4 queries (3 gold slices, the duplicates figure) = 20, the default quota: the most it allows.
  t.is(read({ silverWorkers: '16' })().silverWorkers, 16);
  t.throws(read({ silverWorkers: '17' }), {
    message: /procureflow:silverWorkers \(17\) plus the turn keeper's 4 queries is 21 Athena queries at once, above procureflow:athenaDmlQuota \(20\).*service-limits\.html/,
  });
  t.is(read({ silverWorkers: '17', athenaDmlQuota: '21' })().silverWorkers, 17, 'an account with a raised quota');
  t.is(read({ silverWorkers: '1000', athenaDmlQuota: '1004' })().silverWorkers, 1000);
  t.notThrows(read({ silverWorkers: '0', athenaDmlQuota: '1' }), 'no workers: the quota bounds nothing here');
  t.throws(read({ silverWorkers: '1' }), { message: /procureflow:silverWorkers is 1: 0 \(no silver workers.*\) or 2 to 1000/ });
  t.throws(read({ silverWorkers: '1001', athenaDmlQuota: '2000' }), { message: /procureflow:silverWorkers must be an integer from 0 to 1000/ });
  t.throws(read({ silverWorkers: '-1' }), { message: /procureflow:silverWorkers must be an integer from 0 to 1000/ });
  t.throws(read({ athenaDmlQuota: '0' }), { message: /procureflow:athenaDmlQuota must be an integer from 1/ });
});

test('readStackConfig reads configured values and treats empty strings as unset', (t) => {
  const config = readStackConfig(
    configOf({ namePrefix: 'acme-pf-dev', databaseName: '', lambdaMemoryMb: '128', forceDestroy: 'true', batchSize: '1', bronzePrefix: 'in/box/' }),
    'procureflow',
    'dev',
  );
  t.is(config.namePrefix, 'acme-pf-dev');
  t.is(config.databaseName, 'acme_pf_dev_db');
  t.is(config.lambdaMemoryMb, 128);
  t.true(config.forceDestroy);
  t.is(config.batchSize, 1);
  t.is(config.bronzePrefix, 'in/box/');
});

test('readStackConfig refuses invalid values with a message naming the key', (t) => {
  const read = (values: Record<string, string>) => () => readStackConfig(configOf(values), 'procureflow', 'dev');
  t.throws(read({ lambdaMemoryMb: '512' }), { message: /procureflow:lambdaMemoryMb is 512, above the 256 MB budget/ });
  t.throws(read({ lambdaMemoryMb: 'lots' }), { message: /procureflow:lambdaMemoryMb must be an integer/ });
  t.throws(read({ lambdaTimeoutSeconds: '901' }), { message: /procureflow:lambdaTimeoutSeconds must be an integer from 60 to 900/ });
  t.throws(read({ lambdaEphemeralStorageMb: '20000' }), { message: /procureflow:lambdaEphemeralStorageMb/ });
  t.throws(read({ athenaBytesScannedCutoff: '1000' }), { message: /procureflow:athenaBytesScannedCutoff/ });
  t.throws(read({ batchSize: '11' }), { message: /procureflow:batchSize must be an integer from 1 to 10/ });
  t.throws(read({ logRetentionDays: '10' }), { message: /procureflow:logRetentionDays must be one of/ });
  t.throws(read({ forceDestroy: 'yes' }), { message: /procureflow:forceDestroy must be true or false/ });
  t.throws(read({ namePrefix: 'ProcureFlow' }), { message: /procureflow:namePrefix 'ProcureFlow'/ });
  t.throws(read({ namePrefix: 'a'.repeat(36) }), { message: /procureflow:namePrefix/ });
  t.notThrows(read({ namePrefix: 'a'.repeat(35) }));
  t.throws(read({ bronzeInfrequentAccessDays: '29' }), { message: /procureflow:bronzeInfrequentAccessDays must be an integer from 30/ });
  t.throws(read({ dedupeHorizonDays: '-1' }), { message: /procureflow:dedupeHorizonDays must be an integer from 0 to 36500/ });
  t.throws(read({ databaseName: 'procureflow-db' }), { message: /procureflow:databaseName 'procureflow-db'/ });
  t.throws(read({ bronzePrefix: '/landing' }), { message: /procureflow:bronzePrefix '\/landing'/ });
  t.throws(read({ alarmEmail: 'ops' }), { message: /procureflow:alarmEmail 'ops'/ });
});

test('readStackConfig refuses limits that contradict each other, naming the keys', (t) => {
  const read = (values: Record<string, string>) => () => readStackConfig(configOf(values), 'procureflow', 'dev');
  // The old defaults: a 10 GiB cutoff cannot hold the gold statement of a 4 GiB landing.
  t.throws(read({ athenaBytesScannedCutoff: String(10 * 1024 ** 3) }), {
    message: /procureflow:athenaBytesScannedCutoff \(10737418240\) is below 4 × procureflow:landingMaxBytes \(17179869184\)/,
  });
  t.notThrows(read({ athenaBytesScannedCutoff: String(16 * 1024 ** 3) }));
  // A zip is downloaded whole to /tmp.
  t.throws(read({ lambdaEphemeralStorageMb: '4096' }), { message: /procureflow:landingMaxBytes \(4294967296\) plus 536870912 bytes of headroom exceeds procureflow:lambdaEphemeralStorageMb \(4096 MB/ });
  t.notThrows(read({ lambdaEphemeralStorageMb: '4608' }));
  t.notThrows(read({ lambdaEphemeralStorageMb: '1024', landingMaxBytes: String(512 * 1024 ** 2), athenaBytesScannedCutoff: String(2 * 1024 ** 3) }));
});

test('the stack default zip ratio is the unpacker default', (t) => {
  t.is(DEFAULT_ZIP_MAX_RATIO, DEFAULT_ZIP_LIMITS.maxRatio);
});

test('defaultDatabaseName keeps two stacks apart', (t) => {
  t.is(defaultDatabaseName('procureflow-dev'), 'procureflow_dev_db');
  t.not(defaultDatabaseName('procureflow-dev'), defaultDatabaseName('procureflow-prod'));
});

test('bucketName names a stack bucket after its account and refuses what S3 would refuse', (t) => {
  const account = '123456789012';
  t.is(bucketName('procureflow-dev', 'bronze', account), 'procureflow-dev-bronze-123456789012');
  t.not(bucketName('procureflow-dev', 'bronze', account), bucketName('procureflow-dev', 'bronze', '210987654321'), 'two accounts never share a name');
  t.not(bucketName('procureflow-dev', 'gold', account), bucketName('procureflow-prod', 'gold', account));
  t.is(bucketName('a'.repeat(35), 'athena-results', account).length, 63);
  t.throws(() => bucketName('a'.repeat(36), 'athena-results', account), { message: /is 64 characters; S3 allows 3 to 63/ });
  t.throws(() => bucketName('Procure', 'gold', account), { message: /must be lowercase/ });
  t.throws(() => bucketName('procure_flow', 'gold', account), { message: /must be lowercase/ });
  t.throws(() => bucketName('procureflow', 'gold', '12345'), { message: /not a 12-digit AWS account id/ });
  t.throws(() => bucketName('procureflow', 'platinum' as never, account), { message: /unknown bucket role 'platinum'/ });
});

test('roleName keeps two regions apart and fits IAM', (t) => {
  t.is(roleName('procureflow-dev', 'eu-west-1'), 'procureflow-dev-cleaner-eu-west-1');
  t.not(roleName('procureflow-dev', 'eu-west-1'), roleName('procureflow-dev', 'us-east-1'));
  t.true(roleName('a'.repeat(35), 'ap-southeast-2').length <= 64);
  t.throws(() => roleName('a'.repeat(60), 'us-east-1'), { message: /IAM allows 64/ });
});

test('denyInsecureTransportPolicy denies every non-TLS request on the bucket and its objects', (t) => {
  t.deepEqual(JSON.parse(denyInsecureTransportPolicy('arn:aws:s3:::b')), {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  });
});

test('lifecycleRules abort stale uploads everywhere, expire results and work areas, move bronze to Standard-IA', (t) => {
  const options = { bronzeInfrequentAccessDays: 45 };
  const abort = { id: 'abort-incomplete-multipart-uploads', status: 'Enabled', filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } };
  t.deepEqual(lifecycleRules('silver', options), [
    abort,
    { id: 'expire-work-landed', status: 'Enabled', filter: { prefix: '_work/landed/' }, expiration: { days: 7 } },
    { id: 'expire-work-landed-copies', status: 'Enabled', filter: { prefix: '_work/landed-copies/' }, expiration: { days: 7 } },
  ]);
  t.deepEqual(lifecycleRules('gold', options), [abort]);
  t.deepEqual(lifecycleRules('athena-results', options), [abort, { id: 'expire-query-results', status: 'Enabled', filter: {}, expiration: { days: 7 } }]);
  t.deepEqual(lifecycleRules('bronze', options), [
    abort,
    { id: 'bronze-to-standard-ia', status: 'Enabled', filter: {}, transitions: [{ days: 45, storageClass: 'STANDARD_IA' }] },
    { id: 'expire-noncurrent-versions', status: 'Enabled', filter: {}, noncurrentVersionExpiration: { noncurrentDays: 30 } },
  ]);
  t.throws(() => lifecycleRules('bronze', { bronzeInfrequentAccessDays: 29 }), { message: /at least 30/ });
});

test('glueTableInput describes a Snappy Parquet table partitioned by batch_id, columns from TABLE_COLUMNS', (t) => {
  const input = glueTableInput('cleaned_transactions', 's3://gold-bucket/cleaned_transactions/');
  t.deepEqual(input, {
    name: 'cleaned_transactions',
    tableType: 'EXTERNAL_TABLE',
    parameters: { EXTERNAL: 'TRUE', classification: 'parquet', 'parquet.compression': 'SNAPPY' },
    partitionKeys: [{ name: 'batch_id', type: 'string', comment: COLUMN_DESCRIPTIONS.batch_id }],
    storageDescriptor: {
      location: 's3://gold-bucket/cleaned_transactions/',
      inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      compressed: true,
      serDeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', parameters: { 'serialization.format': '1' } },
      columns: TABLE_COLUMNS.cleaned_transactions.map(({ name, type }) => ({ name, type, comment: COLUMN_DESCRIPTIONS[name] })),
    },
  });
  t.deepEqual(
    input.storageDescriptor.columns.slice(-3),
    [
      { name: 'currency', type: 'string', comment: 'Currency code, upper-cased; null becomes USD.' },
      { name: 'source_file', type: 'string', comment: 'The landed object the line came from, as bucket/key.' },
      { name: 'transaction_date', type: 'date', comment: 'The date of transaction_ts (UTC).' },
    ],
  );
  t.is(tableLocation('silver-bucket', 'raw_transactions'), 's3://silver-bucket/raw_transactions/');
  t.throws(() => glueTableInput('cleaned_transactions', 's3://gold-bucket/cleaned_transactions'), { message: /must be an s3:\/\/ folder/ });
  t.throws(() => glueTableInput('platinum' as never, 's3://b/p/'), { message: /unknown lake table 'platinum'/ });
});

test('every column of every lake table carries its contract description (Glue Column.Comment, at most 255 characters)', (t) => {
  for (const table of ['raw_transactions', 'cleaned_transactions', 'rejected_transactions'] as const) {
    const input = glueTableInput(table, `s3://b/${table}/`);
    for (const column of [...input.storageDescriptor.columns, ...input.partitionKeys]) {
      t.true(typeof column.comment === 'string' && column.comment.length > 10 && column.comment.length <= 255, `${table}.${column.name}`);
    }
  }
  t.regex(columnComment('reject_reason'), /first rule it breaks/);
  t.throws(() => columnComment('no_such_column'), { message: "column 'no_such_column' has no description in COLUMN_DESCRIPTIONS" });
});

test('analyticsQueries makes one query per .sql file with the stack database substituted', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pf-analytics-'));
  writeFileSync(path.join(dir, 'b_top.sql'), '-- Top stores.\nSELECT store_id FROM procureflow_db.cleaned_transactions\n');
  writeFileSync(path.join(dir, 'a_rejects.sql'), 'SELECT reason FROM procureflow_db.rejected_transactions JOIN procureflow_db.raw_transactions ON true\n');
  writeFileSync(path.join(dir, 'notes.md'), 'not a query');
  t.deepEqual(analyticsQueries(dir, 'acme_db'), [
    { name: 'a_rejects', description: 'a_rejects', query: 'SELECT reason FROM acme_db.rejected_transactions JOIN acme_db.raw_transactions ON true' },
    { name: 'b_top', description: 'Top stores.', query: '-- Top stores.\nSELECT store_id FROM acme_db.cleaned_transactions' },
  ]);
  t.is(substituteDatabase('SELECT 1 FROM my_procureflow_db.x, procureflow_db.y', 'd'), 'SELECT 1 FROM my_procureflow_db.x, d.y');
  t.throws(() => analyticsQueries(mkdtempSync(path.join(tmpdir(), 'pf-empty-')), 'd'), { message: /no \.sql file in/ });
});

const policyArgs: CleanerPolicyArgs = {
  bronzeBucketArn: 'arn:aws:s3:::p-bronze',
  bronzePrefix: 'landing/',
  silverBucketArn: 'arn:aws:s3:::p-silver',
  goldBucketArn: 'arn:aws:s3:::p-gold',
  athenaResultsBucketArn: 'arn:aws:s3:::p-athena-results',
  databaseArn: 'arn:aws:glue:us-east-1:123456789012:database/p_db',
  pipelineWorkgroupArn: 'arn:aws:athena:us-east-1:123456789012:workgroup/p-pipeline',
  queueArn: 'arn:aws:sqs:us-east-1:123456789012:p-landings.fifo',
  logGroupArn: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/p-cleaner',
};

test('glueArns derives the catalog and table ARNs of one database', (t) => {
  const arns = glueArns(policyArgs.databaseArn);
  t.is(arns.catalog, 'arn:aws:glue:us-east-1:123456789012:catalog');
  t.is(arns.database, 'arn:aws:glue:us-east-1:123456789012:database/p_db');
  t.is(arns.table('stage_*'), 'arn:aws:glue:us-east-1:123456789012:table/p_db/stage_*');
  t.throws(() => glueArns('arn:aws:s3:::bucket'), { message: /is not a Glue database ARN/ });
});

test('cleanerPolicyStatements scope every action to named resources; only work tables can be created or dropped', (t) => {
  const statements = cleanerPolicyStatements(policyArgs);
  for (const statement of statements) {
    t.is(statement.Effect, 'Allow');
    for (const action of statement.Action) t.false(action.includes('*'), `${statement.Sid}: wildcard action ${action}`);
    t.false([statement.Resource].flat().includes('*'), `${statement.Sid} names its resources`);
  }
  const tablesOf = (action: string) =>
    statements.filter((statement) => statement.Action.includes(action)).flatMap((statement) => [statement.Resource].flat().filter((arn) => arn.includes(':table/')));
  t.deepEqual(tablesOf('glue:DeleteTable'), ['arn:aws:glue:us-east-1:123456789012:table/p_db/bronze_*', 'arn:aws:glue:us-east-1:123456789012:table/p_db/stage_*']);
  t.deepEqual(tablesOf('glue:CreateTable'), tablesOf('glue:DeleteTable'));
  t.deepEqual(tablesOf('glue:BatchGetPartition'), [
    'arn:aws:glue:us-east-1:123456789012:table/p_db/raw_transactions',
    'arn:aws:glue:us-east-1:123456789012:table/p_db/cleaned_transactions',
    'arn:aws:glue:us-east-1:123456789012:table/p_db/rejected_transactions',
  ]);
  t.deepEqual(
    statements.filter((statement) => statement.Action.includes('athena:StartQueryExecution')).map((statement) => statement.Resource),
    [policyArgs.pipelineWorkgroupArn],
  );
});

test('a silver queue adds exactly the split design statements; without one the policy is unchanged', (t) => {
  const inline = cleanerPolicyStatements(policyArgs);
  const silver = { queueArn: 'arn:aws:sqs:us-east-1:123456789012:p-silver.fifo', logGroupArn: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/p-silver-worker' };
  const split = cleanerPolicyStatements({ ...policyArgs, silver });
  t.deepEqual(
    inline.map((statement) => statement.Sid),
    split.map((statement) => statement.Sid).filter((sid) => !['SilverQueue', 'QueueSends', 'TurnRecordObjects', 'TurnRecordsList'].includes(sid)),
  );
  const logs = (statements: typeof inline) => statements.find((statement) => statement.Sid === 'OwnLogGroup')?.Resource;
  t.is(logs(inline), 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/p-cleaner:*');
  t.deepEqual(logs(split), ['arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/p-cleaner:*', `${silver.logGroupArn}:*`]);
  t.deepEqual(split.slice(-4), [
    {
      Sid: 'SilverQueue',
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
      Resource: silver.queueArn,
    },
    { Sid: 'QueueSends', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [policyArgs.queueArn, silver.queueArn] },
    { Sid: 'TurnRecordObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: 'arn:aws:s3:::p-silver/_work/turns/*' },
    { Sid: 'TurnRecordsList', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: 'arn:aws:s3:::p-silver', Condition: { StringLike: { 's3:prefix': ['_work/turns/*'] } } },
  ]);
  // The landed work areas' statements do not reach the turn records: the new ones are needed.
  const landedWork = split.find((statement) => statement.Sid === 'LandedWorkObjects')?.Resource;
  t.false([landedWork].flat().some((arn) => String(arn).includes('_work/turns/')));
});

test('the landing rule matches the bronze bucket and the three suffixes in any case; only the rule may send', (t) => {
  t.deepEqual(landingEventPattern('b'), {
    source: ['aws.s3'],
    'detail-type': ['Object Created'],
    detail: {
      bucket: { name: ['b'] },
      object: { key: [{ suffix: { 'equals-ignore-case': '.dat' } }, { suffix: { 'equals-ignore-case': '.dat.gz' } }, { suffix: { 'equals-ignore-case': '.zip' } }] },
    },
  });
  t.is(fifoQueueName('p-landings'), 'p-landings.fifo');
  t.throws(() => fifoQueueName('a'.repeat(76)), { message: /not a valid FIFO queue name/ });
  const rule = 'arn:aws:events:us-east-1:123456789012:rule/p-landings';
  t.deepEqual(JSON.parse(landingQueuePolicyDocument(policyArgs.queueArn, rule)).Statement, [
    {
      Sid: 'LandingRuleEvents',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: policyArgs.queueArn,
      Condition: { ArnEquals: { 'aws:SourceArn': rule } },
    },
  ]);
  t.throws(() => landingQueuePolicyDocument(policyArgs.queueArn, 'arn:aws:s3:::b'), { message: /not an EventBridge rule ARN/ });
  t.is(visibilityTimeoutSeconds(900), 5400);
  t.throws(() => visibilityTimeoutSeconds(7201), { message: /exceeds SQS's 43200 s/ });
});

test('cleanerEnvironment sets every variable under its CLEANER_ENV name', (t) => {
  t.deepEqual(
    cleanerEnvironment({
      bronzeBucket: 'b',
      silverBucket: 's',
      goldBucket: 'g',
      databaseName: 'd',
      pipelineWorkgroupName: 'w',
      bronzePrefix: 'landing/',
      zipMaxTotalBytes: 1000,
      zipMaxRatio: 20,
      landingMaxBytes: 500,
      parallelFiles: 3,
      groupMaxBytes: 7000,
      dedupeHorizonDays: 45,
      landingQueueUrl: 'https://sqs/l.fifo',
      silverQueueUrl: 'https://sqs/s.fifo',
      silverMaxReceives: MAX_RECEIVE_COUNT,
    }),
    {
      BRONZE_BUCKET: 'b',
      SILVER_BUCKET: 's',
      GOLD_BUCKET: 'g',
      GLUE_DATABASE: 'd',
      ATHENA_WORKGROUP: 'w',
      BRONZE_PREFIX: 'landing/',
      SQL_DIR: '/var/task/sql',
      ZIP_MAX_TOTAL_BYTES: '1000',
      ZIP_MAX_RATIO: '20',
      LANDING_MAX_BYTES: '500',
      PARALLEL_FILES: '3',
      GROUP_MAX_BYTES: '7000',
      DEDUPE_HORIZON_DAYS: '45',
      LANDING_QUEUE_URL: 'https://sqs/l.fifo',
      SILVER_QUEUE_URL: 'https://sqs/s.fifo',
      SILVER_MAX_RECEIVES: '5',
      POWERTOOLS_SERVICE_NAME: 'procureflow-cleaner',
      POWERTOOLS_METRICS_NAMESPACE: 'ProcureFlow',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    },
  );
  const base = { bronzeBucket: 'b', silverBucket: 's', goldBucket: 'g', databaseName: 'd', pipelineWorkgroupName: 'w', bronzePrefix: '', zipMaxTotalBytes: 1, zipMaxRatio: 1, landingMaxBytes: 1 };
  const names = Object.keys(cleanerEnvironment({ ...base, landingQueueUrl: 'l', silverQueueUrl: 's', silverMaxReceives: 5 }));
  t.deepEqual(Object.values(CLEANER_ENV).filter((name) => !names.includes(name)), [], 'every CLEANER_ENV variable is set');
  // Without workers SILVER_QUEUE_URL is absent (not empty): the Lambda's inline mode.
  const inline = cleanerEnvironment({ ...base, landingQueueUrl: 'l', silverMaxReceives: 5 });
  t.false(CLEANER_ENV.silverQueueUrl in inline);
  t.is(inline[CLEANER_ENV.landingQueueUrl], 'l');
});

test('a gold turn takes at most a quarter of the pipeline cutoff in landed bytes, never more than the cleaner default', (t) => {
  t.is(turnMaxBytes({ athenaBytesScannedCutoff: 16 * 1024 ** 3 }), 4 * 1024 ** 3);
  t.is(turnMaxBytes({ athenaBytesScannedCutoff: 10 * 1024 ** 2 }), Math.floor((10 * 1024 ** 2) / PIPELINE_SCAN_FACTOR));
  t.is(turnMaxBytes({ athenaBytesScannedCutoff: 1024 ** 4 }), CLEANER_DEFAULTS.groupMaxBytes);
});
