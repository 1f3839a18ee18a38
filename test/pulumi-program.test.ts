// The whole program (index.ts) under Pulumi mocks, with the dev stack's config: the exact resources
// of each component, the IAM statements, bucket security, the Lambda and the event wiring.
import { readdirSync, readFileSync } from 'node:fs';
import test from 'ava';
import { ACCOUNT, REGION, installMocks, qualifiedName, registeredUrns, settled, valueOf, type Registration } from './pulumi-helpers/mocks.ts';

// Mocks and config first: the program reads both when it is imported.
const registrations = installMocks('dev', {
  'aws:region': REGION,
  'procureflow:namePrefix': 'procureflow-dev',
  'procureflow:databaseName': 'procureflow_db',
  'procureflow:lambdaMemoryMb': '256',
  'procureflow:lambdaTimeoutSeconds': '900',
  'procureflow:athenaBytesScannedCutoff': '10737418240',
  'procureflow:forceDestroy': 'true',
});
const program = await import('../index.ts');
await settled(registrations);

const analyticsFiles = readdirSync(new URL('../sql/analytics/', import.meta.url)).filter((file) => file.endsWith('.sql')).sort();

/** The one registration of a (type, name); fails loudly when missing or repeated. */
function resource(type: string, name: string): Record<string, unknown> {
  const found = registrations.filter((registration: Registration) => registration.type === type && registration.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0]!.inputs;
}

function childrenOf(componentType: string): string[] {
  return registeredUrns()
    .map(qualifiedName)
    .filter((name) => name.startsWith(`${componentType}$`))
    .map((name) => name.slice(componentType.length + 1))
    .sort();
}

const bucketRoles = ['athena-results', 'bronze', 'gold', 'silver'];
const arn = (bucket: string) => `arn:aws:s3:::procureflow-dev-${bucket}`;

test('the stack is exactly three components plus their children', (t) => {
  const topLevel = registeredUrns()
    .map(qualifiedName)
    .filter((name) => !name.includes('$'))
    .sort();
  t.deepEqual(topLevel, ['procureflow:catalog:Catalog::catalog', 'procureflow:cleaner:Cleaner::cleaner', 'procureflow:lake:LakeBuckets::lake']);
  t.is(registeredUrns().length, registrations.length, 'every registration is one resource');
});

test('LakeBuckets holds exactly the four secured buckets', (t) => {
  const expected = bucketRoles.flatMap((role) => [
    `aws:s3/bucket:Bucket::lake-${role}`,
    `aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration::lake-${role}-lifecycle`,
    `aws:s3/bucketPolicy:BucketPolicy::lake-${role}-tls-only-policy`,
    `aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::lake-${role}-public-access-block`,
    `aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::lake-${role}-encryption`,
  ]);
  expected.push('aws:s3/bucketVersioning:BucketVersioning::lake-bronze-versioning');
  t.deepEqual(childrenOf('procureflow:lake:LakeBuckets'), expected.sort());
});

test('Catalog holds the database, the three tables, the workgroup and one named query per analytics file', (t) => {
  t.true(analyticsFiles.length > 0);
  t.deepEqual(
    childrenOf('procureflow:catalog:Catalog'),
    [
      'aws:athena/workgroup:Workgroup::catalog-workgroup',
      'aws:glue/catalogDatabase:CatalogDatabase::catalog-database',
      'aws:glue/catalogTable:CatalogTable::catalog-cleaned_transactions',
      'aws:glue/catalogTable:CatalogTable::catalog-raw_transactions',
      'aws:glue/catalogTable:CatalogTable::catalog-rejected_transactions',
      ...analyticsFiles.map((file) => `aws:athena/namedQuery:NamedQuery::catalog-query-${file.replace(/\.sql$/, '')}`),
    ].sort(),
  );
});

test('Cleaner holds the image, function, role, queues, trigger, log group and alarms', (t) => {
  t.deepEqual(
    childrenOf('procureflow:cleaner:Cleaner'),
    [
      'aws:cloudwatch/logGroup:LogGroup::cleaner-log-group',
      'aws:cloudwatch/metricAlarm:MetricAlarm::cleaner-dead-letter-alarm',
      'aws:cloudwatch/metricAlarm:MetricAlarm::cleaner-errors-alarm',
      'aws:ecr/lifecyclePolicy:LifecyclePolicy::cleaner-repository-lifecycle',
      'aws:ecr/repository:Repository::cleaner-repository',
      'aws:iam/role:Role::cleaner-role',
      'aws:iam/rolePolicy:RolePolicy::cleaner-role-policy',
      'aws:lambda/eventSourceMapping:EventSourceMapping::cleaner-queue-mapping',
      'aws:lambda/function:Function::cleaner-function',
      'aws:s3/bucketNotification:BucketNotification::cleaner-bronze-notification',
      'aws:sns/topic:Topic::cleaner-alarms',
      'aws:sqs/queue:Queue::cleaner-dead-letter-queue',
      'aws:sqs/queue:Queue::cleaner-queue',
      'aws:sqs/queuePolicy:QueuePolicy::cleaner-queue-policy',
      'awsx:ecr:Image::cleaner-image',
    ].sort(),
  );
});

test('every bucket is encrypted, fully private, TLS only, force-destroyable in dev, with lifecycle rules', (t) => {
  for (const role of bucketRoles) {
    t.deepEqual(resource('aws:s3/bucket:Bucket', `lake-${role}`), { bucket: `procureflow-dev-${role}`, forceDestroy: true });
    t.deepEqual(resource('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration', `lake-${role}-encryption`), {
      bucket: `lake-${role}-id`,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    t.deepEqual(resource('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', `lake-${role}-public-access-block`), {
      bucket: `lake-${role}-id`,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const policy = resource('aws:s3/bucketPolicy:BucketPolicy', `lake-${role}-tls-only-policy`);
    t.deepEqual(JSON.parse(String(policy.policy)).Statement, [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [arn(role), `${arn(role)}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
    const rules = resource('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', `lake-${role}-lifecycle`).rules as { id: string }[];
    t.true(rules.some((rule) => rule.id === 'abort-incomplete-multipart-uploads'), `${role} aborts stale uploads`);
  }
  t.deepEqual(resource('aws:s3/bucketVersioning:BucketVersioning', 'lake-bronze-versioning'), {
    bucket: 'lake-bronze-id',
    versioningConfiguration: { status: 'Enabled' },
  });
  const resultRules = resource('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', 'lake-athena-results-lifecycle').rules;
  t.deepEqual((resultRules as Record<string, unknown>[]).find((rule) => rule.id === 'expire-query-results'), {
    id: 'expire-query-results',
    status: 'Enabled',
    filter: {},
    expiration: { days: 7 },
  });
});

test('the Glue tables are Snappy Parquet, partitioned by batch_id, in the lake buckets', (t) => {
  t.is(resource('aws:glue/catalogDatabase:CatalogDatabase', 'catalog-database').name, 'procureflow_db');
  const locations = {
    raw_transactions: 's3://procureflow-dev-silver/raw_transactions/',
    cleaned_transactions: 's3://procureflow-dev-gold/cleaned_transactions/',
    rejected_transactions: 's3://procureflow-dev-gold/rejected_transactions/',
  };
  for (const [table, location] of Object.entries(locations)) {
    const inputs = resource('aws:glue/catalogTable:CatalogTable', `catalog-${table}`);
    const storage = inputs.storageDescriptor as Record<string, unknown>;
    t.is(inputs.name, table);
    t.is(inputs.databaseName, 'procureflow_db');
    t.deepEqual(inputs.partitionKeys, [{ name: 'batch_id', type: 'string' }]);
    t.is((inputs.parameters as Record<string, string>)['parquet.compression'], 'SNAPPY');
    t.is(storage.location, location);
    t.is((storage.serDeInfo as Record<string, unknown>).serializationLibrary, 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
  }
});

test('the workgroup runs engine v3, enforced, with encrypted results and the bytes-scanned cutoff', (t) => {
  t.deepEqual(resource('aws:athena/workgroup:Workgroup', 'catalog-workgroup'), {
    name: 'procureflow-dev-workgroup',
    state: 'ENABLED',
    forceDestroy: true,
    configuration: {
      enforceWorkgroupConfiguration: true,
      publishCloudwatchMetricsEnabled: true,
      bytesScannedCutoffPerQuery: 10737418240,
      engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
      resultConfiguration: { outputLocation: 's3://procureflow-dev-athena-results/', encryptionConfiguration: { encryptionOption: 'SSE_S3' } },
    },
  });
});

test('each analytics file is a named query on the stack database and workgroup', async (t) => {
  const ids = await valueOf(program.namedQueryIds);
  t.deepEqual(Object.keys(ids).sort(), analyticsFiles.map((file) => file.replace(/\.sql$/, '')));
  for (const file of analyticsFiles) {
    const name = file.replace(/\.sql$/, '');
    const inputs = resource('aws:athena/namedQuery:NamedQuery', `catalog-query-${name}`);
    const sql = readFileSync(new URL(`../sql/analytics/${file}`, import.meta.url), 'utf8').trim();
    t.is(inputs.name, name);
    t.is(inputs.database, 'procureflow_db');
    t.is(inputs.workgroup, 'procureflow-dev-workgroup');
    // The dev stack's database is the one the analysts wrote against: the SQL is kept as is.
    t.is(inputs.query, sql);
  }
});

test('the role policy is exactly the cleaner statements, each naming its resources', (t) => {
  const statements = JSON.parse(String(resource('aws:iam/rolePolicy:RolePolicy', 'cleaner-role-policy').policy)).Statement;
  const glue = `arn:aws:glue:${REGION}:${ACCOUNT}`;
  t.deepEqual(statements, [
    { Sid: 'BronzeLandedObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], Resource: `${arn('bronze')}/landing/*` },
    { Sid: 'BronzeListLanding', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: arn('bronze'), Condition: { StringLike: { 's3:prefix': ['landing/*'] } } },
    { Sid: 'SilverListTables', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: arn('silver'), Condition: { StringLike: { 's3:prefix': ['raw_transactions/*', '_work/landed/*'] } } },
    {
      Sid: 'GoldListTables',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: arn('gold'),
      Condition: { StringLike: { 's3:prefix': ['cleaned_transactions/*', 'rejected_transactions/*'] } },
    },
    {
      Sid: 'LakeTableObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      Resource: [
        `${arn('silver')}/raw_transactions/*`,
        `${arn('silver')}/_work/landed/*`,
        `${arn('gold')}/cleaned_transactions/*`,
        `${arn('gold')}/rejected_transactions/*`,
      ],
    },
    { Sid: 'LakeBucketLocation', Effect: 'Allow', Action: ['s3:GetBucketLocation'], Resource: [arn('bronze'), arn('silver'), arn('gold'), arn('athena-results')] },
    {
      Sid: 'AthenaQueryResults',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 's3:AbortMultipartUpload'],
      Resource: [arn('athena-results'), `${arn('athena-results')}/*`],
    },
    {
      Sid: 'AthenaWorkgroupQueries',
      Effect: 'Allow',
      Action: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution'],
      Resource: `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/procureflow-dev-workgroup`,
    },
    {
      Sid: 'GlueLakeDatabase',
      Effect: 'Allow',
      Action: [
        'glue:GetDatabase',
        'glue:GetTable',
        'glue:GetTables',
        'glue:CreateTable',
        'glue:DeleteTable',
        'glue:UpdateTable',
        'glue:GetPartition',
        'glue:GetPartitions',
        'glue:BatchCreatePartition',
        'glue:CreatePartition',
      ],
      Resource: [`${glue}:catalog`, `${glue}:database/procureflow_db`, `${glue}:table/procureflow_db/*`],
    },
    {
      Sid: 'LandingQueue',
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
      Resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:procureflow-dev-landings`,
    },
    {
      Sid: 'OwnLogGroup',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/procureflow-dev-cleaner:*`,
    },
    {
      Sid: 'PutProcureFlowMetrics',
      Effect: 'Allow',
      Action: ['cloudwatch:PutMetricData'],
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'ProcureFlow' } },
    },
  ]);
  const role = resource('aws:iam/role:Role', 'cleaner-role');
  t.deepEqual(JSON.parse(String(role.assumeRolePolicy)).Statement, [
    { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ]);
  t.is(role.managedPolicyArns, undefined, 'no managed policy');
  t.is(registrations.filter((registration) => registration.type.startsWith('aws:iam/')).length, 2, 'one role, one inline policy');
});

test('the Lambda runs the image with bounded memory, one concurrent execution and its environment', async (t) => {
  const fn = resource('aws:lambda/function:Function', 'cleaner-function');
  t.like(fn, {
    name: 'procureflow-dev-cleaner',
    packageType: 'Image',
    imageUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/procureflow-dev-cleaner@sha256:${'0'.repeat(64)}`,
    architectures: ['x86_64'],
    role: `arn:aws:iam::${ACCOUNT}:role/procureflow-dev-cleaner-role`,
    memorySize: 256,
    timeout: 900,
    ephemeralStorage: { size: 10240 },
    reservedConcurrentExecutions: 1,
  });
  t.true((fn.memorySize as number) <= 256);
  t.is(fn.handler, undefined);
  t.deepEqual((fn.environment as { variables: unknown }).variables, {
    BRONZE_BUCKET: 'procureflow-dev-bronze',
    SILVER_BUCKET: 'procureflow-dev-silver',
    GOLD_BUCKET: 'procureflow-dev-gold',
    GLUE_DATABASE: 'procureflow_db',
    ATHENA_WORKGROUP: 'procureflow-dev-workgroup',
    BRONZE_PREFIX: 'landing/',
    SQL_DIR: '/var/task/sql',
    POWERTOOLS_SERVICE_NAME: 'procureflow-cleaner',
    POWERTOOLS_METRICS_NAMESPACE: 'ProcureFlow',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ZIP_MAX_TOTAL_BYTES: String(50 * 1024 ** 3),
    ZIP_MAX_RATIO: '200',
  });
  t.deepEqual(resource('awsx:ecr:Image', 'cleaner-image'), {
    repositoryUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/procureflow-dev-cleaner`,
    context: '.',
    dockerfile: 'lambda/Dockerfile',
    platform: 'linux/amd64',
  });
  t.like(resource('aws:ecr/repository:Repository', 'cleaner-repository'), {
    name: 'procureflow-dev-cleaner',
    forceDelete: true,
    imageScanningConfiguration: { scanOnPush: true },
  });
  const lifecycle = JSON.parse(String(resource('aws:ecr/lifecyclePolicy:LifecyclePolicy', 'cleaner-repository-lifecycle').policy));
  t.like(lifecycle.rules[0], { selection: { countType: 'imageCountMoreThan', countNumber: 5 }, action: { type: 'expire' } });
  t.deepEqual(resource('aws:cloudwatch/logGroup:LogGroup', 'cleaner-log-group'), { name: '/aws/lambda/procureflow-dev-cleaner', retentionInDays: 14 });
  t.is(await valueOf(program.functionName), 'procureflow-dev-cleaner');
});

test('bronze landings reach the Lambda through SQS, filtered, with a dead-letter queue', async (t) => {
  const queueArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:procureflow-dev-landings`;
  const dlqArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:procureflow-dev-landings-dlq`;
  const queue = resource('aws:sqs/queue:Queue', 'cleaner-queue');
  t.like(queue, { name: 'procureflow-dev-landings', sqsManagedSseEnabled: true });
  t.true((queue.visibilityTimeoutSeconds as number) >= 6 * 900);
  t.deepEqual(JSON.parse(String(queue.redrivePolicy)), { deadLetterTargetArn: dlqArn, maxReceiveCount: 5 });
  t.like(resource('aws:sqs/queue:Queue', 'cleaner-dead-letter-queue'), { name: 'procureflow-dev-landings-dlq', sqsManagedSseEnabled: true, messageRetentionSeconds: 1209600 });

  const queuePolicy = resource('aws:sqs/queuePolicy:QueuePolicy', 'cleaner-queue-policy');
  t.is(queuePolicy.queueUrl, `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/procureflow-dev-landings`);
  t.deepEqual(JSON.parse(String(queuePolicy.policy)).Statement, [
    {
      Sid: 'BronzeLandingEvents',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: queueArn,
      Condition: { ArnEquals: { 'aws:SourceArn': arn('bronze') }, StringEquals: { 'aws:SourceAccount': ACCOUNT } },
    },
  ]);

  const notification = resource('aws:s3/bucketNotification:BucketNotification', 'cleaner-bronze-notification');
  t.is(notification.bucket, 'lake-bronze-id');
  t.deepEqual(
    notification.queues,
    ['.dat', '.dat.gz', '.zip'].map((suffix) => ({
      id: `landing${suffix.replace(/\./g, '-')}`,
      queueArn,
      events: ['s3:ObjectCreated:*'],
      filterPrefix: 'landing/',
      filterSuffix: suffix,
    })),
  );
  t.is(notification.lambdaFunctions, undefined);
  t.is(notification.topics, undefined);

  t.deepEqual(resource('aws:lambda/eventSourceMapping:EventSourceMapping', 'cleaner-queue-mapping'), {
    eventSourceArn: queueArn,
    functionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:procureflow-dev-cleaner`,
    batchSize: 5,
    functionResponseTypes: ['ReportBatchItemFailures'],
    scalingConfig: { maximumConcurrency: 2 },
  });
  t.is(await valueOf(program.queueUrl), `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/procureflow-dev-landings`);
  t.is(await valueOf(program.deadLetterQueueUrl), `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/procureflow-dev-landings-dlq`);
});

test('alarms fire on any dead letter and any Lambda error, to the alarm topic', (t) => {
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:procureflow-dev-alarms`;
  t.like(resource('aws:cloudwatch/metricAlarm:MetricAlarm', 'cleaner-dead-letter-alarm'), {
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: 'procureflow-dev-landings-dlq' },
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    alarmActions: [topicArn],
  });
  t.like(resource('aws:cloudwatch/metricAlarm:MetricAlarm', 'cleaner-errors-alarm'), {
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensions: { FunctionName: 'procureflow-dev-cleaner' },
    statistic: 'Sum',
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    alarmActions: [topicArn],
  });
});

test('the stack exports its names', async (t) => {
  t.deepEqual(
    {
      bronzeBucket: await valueOf(program.bronzeBucket),
      silverBucket: await valueOf(program.silverBucket),
      goldBucket: await valueOf(program.goldBucket),
      athenaResultsBucket: await valueOf(program.athenaResultsBucket),
      bronzePrefix: program.bronzePrefix,
      databaseName: await valueOf(program.databaseName),
      workgroupName: await valueOf(program.workgroupName),
    },
    {
      bronzeBucket: 'procureflow-dev-bronze',
      silverBucket: 'procureflow-dev-silver',
      goldBucket: 'procureflow-dev-gold',
      athenaResultsBucket: 'procureflow-dev-athena-results',
      bronzePrefix: 'landing/',
      databaseName: 'procureflow_db',
      workgroupName: 'procureflow-dev-workgroup',
    },
  );
});
