// The pure builders behind the Pulumi components: config, names, Glue tables, IAM, named queries.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { analyticsQueries, glueTableInput, substituteDatabase, tableLocation } from '../components/catalog.ts';
import { cleanerEnvironment, cleanerPolicyStatements, glueArns, landingQueuePolicyDocument, type CleanerPolicyArgs } from '../components/cleaner.ts';
import { bucketName, denyInsecureTransportPolicy, lifecycleRules } from '../components/lake.ts';
import { defaultDatabaseName, readStackConfig } from '../components/stack-config.ts';
import { TABLE_COLUMNS } from '../handlers/core/tables.ts';

const configOf = (values: Record<string, string>) => (key: string) => values[key];

test('readStackConfig derives names from the stack and applies every default', (t) => {
  t.deepEqual(readStackConfig(configOf({}), 'procureflow', 'prod'), {
    namePrefix: 'procureflow-prod',
    databaseName: 'procureflow_prod_db',
    bronzePrefix: 'landing/',
    lambdaMemoryMb: 256,
    lambdaTimeoutSeconds: 900,
    lambdaEphemeralStorageMb: 10240,
    athenaBytesScannedCutoff: 10 * 1024 ** 3,
    batchSize: 5,
    logRetentionDays: 14,
    forceDestroy: false,
    zipMaxTotalBytes: 50 * 1024 ** 3,
    zipMaxRatio: 200,
    alarmEmail: undefined,
  });
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
  t.throws(read({ namePrefix: 'a'.repeat(49) }), { message: /procureflow:namePrefix/ });
  t.throws(read({ databaseName: 'procureflow-db' }), { message: /procureflow:databaseName 'procureflow-db'/ });
  t.throws(read({ bronzePrefix: '/landing' }), { message: /procureflow:bronzePrefix '\/landing'/ });
  t.throws(read({ alarmEmail: 'ops' }), { message: /procureflow:alarmEmail 'ops'/ });
});

test('defaultDatabaseName keeps two stacks apart', (t) => {
  t.is(defaultDatabaseName('procureflow-dev'), 'procureflow_dev_db');
  t.not(defaultDatabaseName('procureflow-dev'), defaultDatabaseName('procureflow-prod'));
});

test('bucketName names a stack bucket and refuses what S3 would refuse', (t) => {
  t.is(bucketName('procureflow-dev', 'bronze'), 'procureflow-dev-bronze');
  t.is(bucketName('procureflow-dev', 'athena-results'), 'procureflow-dev-athena-results');
  t.not(bucketName('procureflow-dev', 'gold'), bucketName('procureflow-prod', 'gold'));
  t.is(bucketName('a'.repeat(48), 'athena-results').length, 63);
  t.throws(() => bucketName('a'.repeat(49), 'athena-results'), { message: /is 64 characters; S3 allows 3 to 63/ });
  t.throws(() => bucketName('Procure', 'gold'), { message: /must be lowercase/ });
  t.throws(() => bucketName('procure_flow', 'gold'), { message: /must be lowercase/ });
  t.throws(() => bucketName('procureflow', 'platinum' as never), { message: /unknown bucket role 'platinum'/ });
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

test('lifecycleRules abort stale uploads everywhere, expire results, work manifests and old bronze versions', (t) => {
  const abort = { id: 'abort-incomplete-multipart-uploads', status: 'Enabled', filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } };
  t.deepEqual(lifecycleRules('silver'), [abort, { id: 'expire-work-manifests', status: 'Enabled', filter: { prefix: '_work/' }, expiration: { days: 7 } }]);
  t.deepEqual(lifecycleRules('gold'), [abort]);
  t.deepEqual(lifecycleRules('athena-results'), [abort, { id: 'expire-query-results', status: 'Enabled', filter: {}, expiration: { days: 7 } }]);
  t.deepEqual(lifecycleRules('bronze'), [
    abort,
    { id: 'expire-noncurrent-versions', status: 'Enabled', filter: {}, noncurrentVersionExpiration: { noncurrentDays: 30 } },
  ]);
});

test('glueTableInput describes a Snappy Parquet table partitioned by batch_id, columns from TABLE_COLUMNS', (t) => {
  const input = glueTableInput('cleaned_transactions', 's3://gold-bucket/cleaned_transactions/');
  t.deepEqual(input, {
    name: 'cleaned_transactions',
    tableType: 'EXTERNAL_TABLE',
    parameters: { EXTERNAL: 'TRUE', classification: 'parquet', 'parquet.compression': 'SNAPPY' },
    partitionKeys: [{ name: 'batch_id', type: 'string' }],
    storageDescriptor: {
      location: 's3://gold-bucket/cleaned_transactions/',
      inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      compressed: true,
      serDeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', parameters: { 'serialization.format': '1' } },
      columns: TABLE_COLUMNS.cleaned_transactions.map(({ name, type }) => ({ name, type })),
    },
  });
  t.deepEqual(
    input.storageDescriptor.columns.slice(-3),
    [
      { name: 'currency', type: 'string' },
      { name: 'source_file', type: 'string' },
      { name: 'transaction_date', type: 'date' },
    ],
  );
  t.is(tableLocation('silver-bucket', 'raw_transactions'), 's3://silver-bucket/raw_transactions/');
  t.throws(() => glueTableInput('cleaned_transactions', 's3://gold-bucket/cleaned_transactions'), { message: /must be an s3:\/\/ folder/ });
  t.throws(() => glueTableInput('platinum' as never, 's3://b/p/'), { message: /unknown lake table 'platinum'/ });
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
  workgroupArn: 'arn:aws:athena:us-east-1:123456789012:workgroup/p-workgroup',
  queueArn: 'arn:aws:sqs:us-east-1:123456789012:p-landings',
  logGroupArn: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/p-cleaner',
};

test('glueArns derives the catalog and the table wildcard of one database', (t) => {
  t.deepEqual(glueArns(policyArgs.databaseArn), {
    catalog: 'arn:aws:glue:us-east-1:123456789012:catalog',
    database: 'arn:aws:glue:us-east-1:123456789012:database/p_db',
    tables: 'arn:aws:glue:us-east-1:123456789012:table/p_db/*',
  });
  t.throws(() => glueArns('arn:aws:s3:::bucket'), { message: /is not a Glue database ARN/ });
});

test('cleanerPolicyStatements scope every action but PutMetricData, which its namespace bounds', (t) => {
  const statements = cleanerPolicyStatements(policyArgs);
  t.deepEqual(
    statements.map((statement) => statement.Sid),
    [
      'BronzeLandedObjects',
      'BronzeListLanding',
      'SilverListTables',
      'GoldListTables',
      'LakeTableObjects',
      'LakeBucketLocation',
      'AthenaQueryResults',
      'AthenaWorkgroupQueries',
      'GlueLakeDatabase',
      'LandingQueue',
      'OwnLogGroup',
      'PutProcureFlowMetrics',
    ],
  );
  for (const statement of statements) {
    t.is(statement.Effect, 'Allow');
    for (const action of statement.Action) t.false(action.includes('*'), `${statement.Sid}: wildcard action ${action}`);
    const resources = [statement.Resource].flat();
    if (statement.Sid === 'PutProcureFlowMetrics') {
      t.deepEqual(statement.Condition, { StringEquals: { 'cloudwatch:namespace': 'ProcureFlow' } });
    } else {
      t.false(resources.includes('*'), `${statement.Sid} names its resources`);
    }
  }
  t.deepEqual(landingQueuePolicyDocument(policyArgs.queueArn, policyArgs.bronzeBucketArn), JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'BronzeLandingEvents',
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: policyArgs.queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': policyArgs.bronzeBucketArn }, StringEquals: { 'aws:SourceAccount': '123456789012' } },
      },
    ],
  }));
});

test('cleanerEnvironment gives the Lambda every variable its entry reads', (t) => {
  t.deepEqual(
    cleanerEnvironment({
      bronzeBucket: 'b',
      silverBucket: 's',
      goldBucket: 'g',
      databaseName: 'd',
      workgroupName: 'w',
      bronzePrefix: 'landing/',
      zipMaxTotalBytes: 1000,
      zipMaxRatio: 20,
    }),
    {
      BRONZE_BUCKET: 'b',
      SILVER_BUCKET: 's',
      GOLD_BUCKET: 'g',
      GLUE_DATABASE: 'd',
      ATHENA_WORKGROUP: 'w',
      BRONZE_PREFIX: 'landing/',
      SQL_DIR: '/var/task/sql',
      POWERTOOLS_SERVICE_NAME: 'procureflow-cleaner',
      POWERTOOLS_METRICS_NAMESPACE: 'ProcureFlow',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ZIP_MAX_TOTAL_BYTES: '1000',
      ZIP_MAX_RATIO: '20',
    },
  );
});
