// The whole program (index.ts) under Pulumi mocks, with the dev stack's config: the exact resources
// of each component, the IAM statements, bucket security, the Lambda and the event wiring.
import { readdirSync, readFileSync } from 'node:fs';
import test from 'ava';
import { LANDINGS_REFUSED_METRIC } from '../components/cleaner-alarms.ts';
import { readStackConfig } from '../components/stack-config.ts';
import { CLEANER_ENV } from '../handlers/aws/cleaner-environment.ts';
import { COLUMN_DESCRIPTIONS, TABLE_COLUMNS } from '../handlers/core/tables.ts';
import { readLambdaSettings } from '../handlers/aws/lambda-settings.ts';
import { DEFAULT_ZIP_LIMITS } from '../handlers/core/zip-limits.ts';
import { ACCOUNT, REGION, calls, installMocks, qualifiedName, registeredUrns, settled, valueOf, type Registration } from './pulumi-helpers/mocks.ts';

// Mocks and config first: the program reads both when it is imported.
const DEV_CONFIG: Record<string, string> = {
  'aws:region': REGION,
  'procureflow:namePrefix': 'procureflow-dev',
  'procureflow:lambdaMemoryMb': '256',
  'procureflow:lambdaTimeoutSeconds': '900',
  'procureflow:athenaBytesScannedCutoff': '17179869184',
  'procureflow:forceDestroy': 'true',
};
const registrations = installMocks('dev', DEV_CONFIG);
const program = await import('../index.ts');
await settled();

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
const bucketOf = (role: string) => `procureflow-dev-${role}-${ACCOUNT}`;
const arn = (role: string) => `arn:aws:s3:::${bucketOf(role)}`;
const queueArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:procureflow-dev-landings.fifo`;
const queueUrl = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/procureflow-dev-landings.fifo`;
const silverQueueArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:procureflow-dev-silver.fifo`;
const silverQueueUrl = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/procureflow-dev-silver.fifo`;
const silverDlqArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:procureflow-dev-silver-dlq.fifo`;
const dlqArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:procureflow-dev-landings-dlq.fifo`;
const ruleArn = `arn:aws:events:${REGION}:${ACCOUNT}:rule/procureflow-dev-landings`;

test('the stack is exactly three components plus their children', (t) => {
  const topLevel = registeredUrns()
    .map(qualifiedName)
    .filter((name) => !name.includes('$'))
    .sort();
  t.deepEqual(topLevel, ['procureflow:catalog:Catalog::catalog', 'procureflow:cleaner:Cleaner::cleaner', 'procureflow:lake:LakeBuckets::lake']);
  t.is(registeredUrns().length, registrations.length, 'every registration is one resource');
});

test('the program calls exactly the two provider functions it needs: the account and the region', (t) => {
  t.deepEqual([...new Set(calls)].sort(), ['aws:index/getCallerIdentity:getCallerIdentity', 'aws:index/getRegion:getRegion']);
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

test('Catalog holds the database, the three tables, the two workgroups and one named query per analytics file', (t) => {
  t.true(analyticsFiles.length > 0);
  t.deepEqual(
    childrenOf('procureflow:catalog:Catalog'),
    [
      'aws:athena/workgroup:Workgroup::catalog-analysts-workgroup',
      'aws:athena/workgroup:Workgroup::catalog-pipeline-workgroup',
      'aws:glue/catalogDatabase:CatalogDatabase::catalog-database',
      'aws:glue/catalogTable:CatalogTable::catalog-cleaned_transactions',
      'aws:glue/catalogTable:CatalogTable::catalog-raw_transactions',
      'aws:glue/catalogTable:CatalogTable::catalog-rejected_transactions',
      'aws:iam/policy:Policy::catalog-analyst-policy',
      ...analyticsFiles.map((file) => `aws:athena/namedQuery:NamedQuery::catalog-query-${file.replace(/\.sql$/, '')}`),
    ].sort(),
  );
});

test('Cleaner holds the image, both functions, role, both FIFO queue pairs, EventBridge trigger, log groups and alarms', (t) => {
  t.deepEqual(
    childrenOf('procureflow:cleaner:Cleaner'),
    [
      'aws:cloudwatch/eventRule:EventRule::cleaner-landing-rule',
      'aws:cloudwatch/eventTarget:EventTarget::cleaner-landing-target',
      'aws:cloudwatch/logGroup:LogGroup::cleaner-log-group',
      'aws:cloudwatch/logGroup:LogGroup::cleaner-silver-log-group',
      'aws:cloudwatch/metricAlarm:MetricAlarm::cleaner-dead-letter-alarm',
      'aws:cloudwatch/metricAlarm:MetricAlarm::cleaner-errors-alarm',
      'aws:cloudwatch/metricAlarm:MetricAlarm::cleaner-landings-refused-alarm',
      'aws:cloudwatch/metricAlarm:MetricAlarm::cleaner-silver-dead-letter-alarm',
      'aws:cloudwatch/metricAlarm:MetricAlarm::cleaner-silver-worker-errors-alarm',
      'aws:cloudwatch/metricAlarm:MetricAlarm::cleaner-silver-worker-throttles-alarm',
      'aws:cloudwatch/metricAlarm:MetricAlarm::cleaner-throttles-alarm',
      'aws:ecr/lifecyclePolicy:LifecyclePolicy::cleaner-repository-lifecycle',
      'aws:ecr/repository:Repository::cleaner-repository',
      'aws:iam/role:Role::cleaner-role',
      'aws:iam/rolePolicy:RolePolicy::cleaner-role-policy',
      'aws:lambda/eventSourceMapping:EventSourceMapping::cleaner-queue-mapping',
      'aws:lambda/eventSourceMapping:EventSourceMapping::cleaner-silver-queue-mapping',
      'aws:lambda/function:Function::cleaner-function',
      'aws:lambda/function:Function::cleaner-silver-function',
      'aws:s3/bucketNotification:BucketNotification::cleaner-bronze-notification',
      'aws:sns/topic:Topic::cleaner-alarms',
      'aws:sqs/queue:Queue::cleaner-dead-letter-queue',
      'aws:sqs/queue:Queue::cleaner-queue',
      'aws:sqs/queue:Queue::cleaner-silver-dead-letter-queue',
      'aws:sqs/queue:Queue::cleaner-silver-queue',
      'aws:sqs/queuePolicy:QueuePolicy::cleaner-queue-policy',
      'awsx:ecr:Image::cleaner-image',
    ].sort(),
  );
});

test('every bucket is encrypted, fully private, TLS only, force-destroyable in dev, with lifecycle rules', (t) => {
  for (const role of bucketRoles) {
    t.deepEqual(resource('aws:s3/bucket:Bucket', `lake-${role}`), { bucket: bucketOf(role), forceDestroy: true });
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
  const bronzeRules = resource('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', 'lake-bronze-lifecycle').rules;
  t.deepEqual((bronzeRules as Record<string, unknown>[]).find((rule) => rule.id === 'bronze-to-standard-ia'), {
    id: 'bronze-to-standard-ia',
    status: 'Enabled',
    filter: {},
    transitions: [{ days: 30, storageClass: 'STANDARD_IA' }],
  });
  const silverRules = resource('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', 'lake-silver-lifecycle').rules;
  t.deepEqual(
    (silverRules as { filter: { prefix?: string } }[]).map((rule) => rule.filter.prefix).filter(Boolean),
    ['_work/landed/', '_work/landed-copies/'],
    'both work areas expire',
  );
});

test('the Glue tables are Snappy Parquet, partitioned by batch_id, in the lake buckets', (t) => {
  t.is(resource('aws:glue/catalogDatabase:CatalogDatabase', 'catalog-database').name, 'procureflow_dev_db');
  const locations = {
    raw_transactions: `s3://${bucketOf('silver')}/raw_transactions/`,
    cleaned_transactions: `s3://${bucketOf('gold')}/cleaned_transactions/`,
    rejected_transactions: `s3://${bucketOf('gold')}/rejected_transactions/`,
  };
  for (const [table, location] of Object.entries(locations)) {
    const inputs = resource('aws:glue/catalogTable:CatalogTable', `catalog-${table}`);
    const storage = inputs.storageDescriptor as Record<string, unknown>;
    t.is(inputs.name, table);
    t.is(inputs.databaseName, 'procureflow_dev_db');
    t.deepEqual(inputs.partitionKeys, [{ name: 'batch_id', type: 'string', comment: COLUMN_DESCRIPTIONS.batch_id }]);
    // Every column carries its description from the contract.
    t.deepEqual(
      (storage.columns as Array<{ name: string; comment?: string }>).map((column) => [column.name, column.comment]),
      TABLE_COLUMNS[table as keyof typeof TABLE_COLUMNS].map((column) => [column.name, COLUMN_DESCRIPTIONS[column.name]]),
    );
    t.is((inputs.parameters as Record<string, string>)['parquet.compression'], 'SNAPPY');
    t.is(storage.location, location);
    t.is((storage.serDeInfo as Record<string, unknown>).serializationLibrary, 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
  }
});

test('the pipeline workgroup does not enforce (CTAS names external_location); the analysts workgroup does', (t) => {
  const shared = { state: 'ENABLED', forceDestroy: true };
  const configuration = (enforce: boolean, cutoff: number, prefix: string) => ({
    enforceWorkgroupConfiguration: enforce,
    publishCloudwatchMetricsEnabled: true,
    bytesScannedCutoffPerQuery: cutoff,
    engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
    resultConfiguration: { outputLocation: `s3://${bucketOf('athena-results')}/${prefix}`, encryptionConfiguration: { encryptionOption: 'SSE_S3' } },
  });
  t.deepEqual(resource('aws:athena/workgroup:Workgroup', 'catalog-pipeline-workgroup'), {
    name: 'procureflow-dev-pipeline',
    ...shared,
    configuration: configuration(false, 16 * 1024 ** 3, 'pipeline/'),
  });
  t.deepEqual(resource('aws:athena/workgroup:Workgroup', 'catalog-analysts-workgroup'), {
    name: 'procureflow-dev-analysts',
    ...shared,
    configuration: configuration(true, 10 * 1024 ** 3, 'analysts/'),
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
    t.is(inputs.database, 'procureflow_dev_db');
    t.is(inputs.workgroup, 'procureflow-dev-analysts');
    // The analysts wrote against procureflow_db: the dev stack's own database is substituted.
    t.is(inputs.query, sql.replace(/\bprocureflow_db\./g, 'procureflow_dev_db.'));
    t.notRegex(String(inputs.query), /(^|[^_])procureflow_db\./);
  }
});

test('the role policy is exactly the cleaner statements, each naming its resources', (t) => {
  const statements = JSON.parse(String(resource('aws:iam/rolePolicy:RolePolicy', 'cleaner-role-policy').policy)).Statement;
  const glue = `arn:aws:glue:${REGION}:${ACCOUNT}`;
  const table = (name: string) => `${glue}:table/procureflow_dev_db/${name}`;
  const multipartWrite = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];
  t.deepEqual(statements, [
    { Sid: 'BronzeLandedObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], Resource: `${arn('bronze')}/landing/*` },
    { Sid: 'BronzeListLanding', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: arn('bronze'), Condition: { StringLike: { 's3:prefix': ['landing/*'] } } },
    {
      Sid: 'SilverListTables',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: arn('silver'),
      Condition: { StringLike: { 's3:prefix': ['raw_transactions/*', '_work/landed/*', '_work/landed-copies/*'] } },
    },
    {
      Sid: 'GoldListTables',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: arn('gold'),
      Condition: { StringLike: { 's3:prefix': ['cleaned_transactions/*', 'rejected_transactions/*'] } },
    },
    {
      Sid: 'CtasOutputObjects',
      Effect: 'Allow',
      Action: multipartWrite,
      Resource: [`${arn('silver')}/raw_transactions/*`, `${arn('gold')}/cleaned_transactions/*`, `${arn('gold')}/rejected_transactions/*`],
    },
    { Sid: 'LandedWorkObjects', Effect: 'Allow', Action: multipartWrite, Resource: [`${arn('silver')}/_work/landed/*`, `${arn('silver')}/_work/landed-copies/*`] },
    { Sid: 'MultipartUploadListing', Effect: 'Allow', Action: ['s3:ListBucketMultipartUploads'], Resource: [arn('silver'), arn('gold'), arn('athena-results')] },
    { Sid: 'LakeBucketLocation', Effect: 'Allow', Action: ['s3:GetBucketLocation'], Resource: [arn('bronze'), arn('silver'), arn('gold'), arn('athena-results')] },
    {
      Sid: 'PipelineQueryResults',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: `${arn('athena-results')}/pipeline/*`,
    },
    {
      Sid: 'PipelineQueryResultsList',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: arn('athena-results'),
      Condition: { StringLike: { 's3:prefix': ['pipeline/*'] } },
    },
    {
      Sid: 'PipelineWorkgroupQueries',
      Effect: 'Allow',
      Action: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution'],
      Resource: `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/procureflow-dev-pipeline`,
    },
    { Sid: 'GlueDatabase', Effect: 'Allow', Action: ['glue:GetDatabase'], Resource: [`${glue}:catalog`, `${glue}:database/procureflow_dev_db`] },
    {
      Sid: 'GlueWorkTables',
      Effect: 'Allow',
      Action: ['glue:GetTable', 'glue:CreateTable', 'glue:DeleteTable'],
      Resource: [`${glue}:catalog`, `${glue}:database/procureflow_dev_db`, table('bronze_*'), table('stage_*')],
    },
    {
      Sid: 'GlueLakeTables',
      Effect: 'Allow',
      Action: ['glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition', 'glue:CreatePartition'],
      Resource: [`${glue}:catalog`, `${glue}:database/procureflow_dev_db`, table('raw_transactions'), table('cleaned_transactions'), table('rejected_transactions')],
    },
    {
      Sid: 'LandingQueue',
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
      Resource: queueArn,
    },
    {
      Sid: 'OwnLogGroup',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [
        `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/procureflow-dev-cleaner:*`,
        `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/procureflow-dev-silver-worker:*`,
      ],
    },
    // The split design (silverWorkers 15 by default): the workers' queue, both queues' sends, the turn records.
    {
      Sid: 'SilverQueue',
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
      Resource: silverQueueArn,
    },
    { Sid: 'QueueSends', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [queueArn, silverQueueArn] },
    { Sid: 'TurnRecordObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: `${arn('silver')}/_work/turns/*` },
    { Sid: 'TurnRecordsList', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: arn('silver'), Condition: { StringLike: { 's3:prefix': ['_work/turns/*'] } } },
  ]);
  const actions = statements.flatMap((statement: { Action: string[] }) => statement.Action);
  for (const gone of ['glue:BatchCreatePartition', 'glue:UpdateTable', 'glue:GetTables', 'cloudwatch:PutMetricData']) t.false(actions.includes(gone), `${gone} is not granted`);
  const deleters = statements.filter((statement: { Action: string[] }) => statement.Action.includes('glue:DeleteTable'));
  t.false(
    deleters.some((statement: { Resource: string[] }) => statement.Resource.some((resourceArn) => /table\/procureflow_dev_db\/(raw|cleaned|rejected)_transactions$/.test(resourceArn))),
    'no statement lets the cleaner drop a lake table',
  );
  t.is(statements.filter((statement: { Action: string[] }) => statement.Action.includes('athena:StartQueryExecution')).length, 1);
  const role = resource('aws:iam/role:Role', 'cleaner-role');
  t.deepEqual(JSON.parse(String(role.assumeRolePolicy)).Statement, [
    { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ]);
  t.is(role.managedPolicyArns, undefined, 'no managed policy');
  // One role with one inline policy for both functions, plus the analysts' managed policy, attached to no role of the stack.
  t.deepEqual(registrations.filter((registration) => registration.type.startsWith('aws:iam/')).map((registration) => registration.type).sort(), [
    'aws:iam/policy:Policy',
    'aws:iam/role:Role',
    'aws:iam/rolePolicy:RolePolicy',
  ]);
});

test('the Lambda reads back, from the environment the stack gives it, exactly the stack config values', (t) => {
  const config = readStackConfig((key) => DEV_CONFIG[`procureflow:${key}`], 'procureflow', 'dev');
  const variables = (resource('aws:lambda/function:Function', 'cleaner-function').environment as { variables: Record<string, string> }).variables;
  t.deepEqual(readLambdaSettings(variables), {
    buckets: { bronze: bucketOf('bronze'), silver: bucketOf('silver'), gold: bucketOf('gold') },
    bronzePrefix: config.bronzePrefix,
    database: config.databaseName,
    workGroup: `${config.namePrefix}-pipeline`,
    sqlDir: '/var/task/sql',
    zipLimits: { ...DEFAULT_ZIP_LIMITS, maxTotalBytes: config.zipMaxTotalBytes, maxRatio: config.zipMaxRatio },
    landingMaxBytes: config.landingMaxBytes,
    workDir: '/tmp',
    // Not stack config: the component writes the default of the inline group's files at once;
    // a turn's bytes follow the pipeline workgroup's cutoff (16 GiB / 4).
    parallelFiles: 10,
    groupMaxBytes: config.athenaBytesScannedCutoff / 4,
    dedupeHorizonDays: config.dedupeHorizonDays,
    // The split design: the workers' queue (silverWorkers > 0), the landing queue, the silver redrive count.
    landingQueueUrl: queueUrl,
    silverQueueUrl,
    silverMaxReceives: 5,
  });
});

test('the Lambda runs the image with bounded memory, no reserved concurrency and its environment', async (t) => {
  const fn = resource('aws:lambda/function:Function', 'cleaner-function');
  t.like(fn, {
    name: 'procureflow-dev-cleaner',
    packageType: 'Image',
    imageUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/procureflow-dev-cleaner@sha256:${'0'.repeat(64)}`,
    architectures: ['x86_64'],
    role: `arn:aws:iam::${ACCOUNT}:role/procureflow-dev-cleaner-${REGION}`,
    memorySize: 256,
    timeout: 900,
    ephemeralStorage: { size: 10240 },
  });
  // Reserved concurrency throttles an SQS mapping that does not see it (components/cleaner.ts).
  t.false('reservedConcurrentExecutions' in fn, 'no reserved concurrency');
  t.true((fn.memorySize as number) <= 256);
  t.is(fn.handler, undefined);
  t.deepEqual((fn.environment as { variables: unknown }).variables, {
    [CLEANER_ENV.bronzeBucket]: bucketOf('bronze'),
    [CLEANER_ENV.silverBucket]: bucketOf('silver'),
    [CLEANER_ENV.goldBucket]: bucketOf('gold'),
    [CLEANER_ENV.database]: 'procureflow_dev_db',
    [CLEANER_ENV.workGroup]: 'procureflow-dev-pipeline',
    [CLEANER_ENV.bronzePrefix]: 'landing/',
    [CLEANER_ENV.sqlDir]: '/var/task/sql',
    [CLEANER_ENV.zipMaxTotalBytes]: String(16 * 1024 ** 3),
    [CLEANER_ENV.zipMaxRatio]: '200',
    [CLEANER_ENV.landingMaxBytes]: String(4 * 1024 ** 3),
    [CLEANER_ENV.parallelFiles]: '10',
    // The default 16 GiB bytes-scanned cutoff / 4 (stack-config.ts turnMaxBytes).
    [CLEANER_ENV.groupMaxBytes]: String(4 * 1024 ** 3),
    // Off by default (procureflow:dedupeHorizonDays).
    [CLEANER_ENV.dedupeHorizonDays]: '0',
    [CLEANER_ENV.landingQueueUrl]: queueUrl,
    [CLEANER_ENV.silverQueueUrl]: silverQueueUrl,
    // The silver queue's redrive maxReceiveCount.
    [CLEANER_ENV.silverMaxReceives]: '5',
    POWERTOOLS_SERVICE_NAME: 'procureflow-cleaner',
    POWERTOOLS_METRICS_NAMESPACE: 'ProcureFlow',
    POWERTOOLS_LOG_LEVEL: 'INFO',
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

test('the silver worker runs the same image with the silverHandler command, the same role, memory, timeout and environment', async (t) => {
  const turnKeeper = resource('aws:lambda/function:Function', 'cleaner-function');
  const worker = resource('aws:lambda/function:Function', 'cleaner-silver-function');
  t.deepEqual(worker, {
    name: 'procureflow-dev-silver-worker',
    description: "Prepares one landed .dat (landing, silver, rejects, its figures) for the turn keeper's gold turn",
    packageType: 'Image',
    imageUri: turnKeeper.imageUri,
    // The image's CMD is index.handler (lambda/Dockerfile): the worker overrides it.
    imageConfig: { commands: ['index.silverHandler'] },
    architectures: ['x86_64'],
    role: turnKeeper.role,
    memorySize: 256,
    timeout: 900,
    environment: turnKeeper.environment,
  });
  t.is(turnKeeper.imageConfig, undefined, 'the turn keeper keeps the image CMD');
  t.regex(readFileSync(new URL('../lambda/Dockerfile', import.meta.url), 'utf8'), /^CMD \["index\.handler"\]$/m);
  t.deepEqual(resource('aws:cloudwatch/logGroup:LogGroup', 'cleaner-silver-log-group'), { name: '/aws/lambda/procureflow-dev-silver-worker', retentionInDays: 14 });
  t.is(await valueOf(program.silverFunctionName!), 'procureflow-dev-silver-worker');
});

test('the silver queue is FIFO with its own FIFO dead-letter queue; its mapping takes one message and at most silverWorkers at once', async (t) => {
  t.deepEqual(resource('aws:sqs/queue:Queue', 'cleaner-silver-queue'), {
    name: 'procureflow-dev-silver.fifo',
    fifoQueue: true,
    // The turn keeper names each message (MessageDeduplicationId = batchId).
    contentBasedDeduplication: false,
    visibilityTimeoutSeconds: 6 * 900,
    messageRetentionSeconds: 4 * 24 * 3600,
    sqsManagedSseEnabled: true,
    redrivePolicy: JSON.stringify({ deadLetterTargetArn: silverDlqArn, maxReceiveCount: 5 }),
  });
  t.deepEqual(resource('aws:sqs/queue:Queue', 'cleaner-silver-dead-letter-queue'), {
    name: 'procureflow-dev-silver-dlq.fifo',
    fifoQueue: true,
    messageRetentionSeconds: 1209600,
    sqsManagedSseEnabled: true,
  });
  t.deepEqual(resource('aws:lambda/eventSourceMapping:EventSourceMapping', 'cleaner-silver-queue-mapping'), {
    eventSourceArn: silverQueueArn,
    functionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:procureflow-dev-silver-worker`,
    batchSize: 1,
    functionResponseTypes: ['ReportBatchItemFailures'],
    // procureflow:silverWorkers, unset in the dev config: CLEANER_DEFAULTS.silverWorkers.
    scalingConfig: { maximumConcurrency: 15 },
  });
  // No queue policy: only the stack's own role sends to the silver queue (IAM, QueueSends).
  t.is(registrations.filter((registration) => registration.type === 'aws:sqs/queuePolicy:QueuePolicy').length, 1);
  t.is(await valueOf(program.silverQueueUrl!), silverQueueUrl);
  t.is(await valueOf(program.silverDeadLetterQueueUrl!), `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/procureflow-dev-silver-dlq.fifo`);
});

test('bronze landings reach the Lambda through EventBridge and one FIFO message group, with a FIFO dead-letter queue', async (t) => {
  const queue = resource('aws:sqs/queue:Queue', 'cleaner-queue');
  t.deepEqual(queue, {
    name: 'procureflow-dev-landings.fifo',
    fifoQueue: true,
    contentBasedDeduplication: true,
    visibilityTimeoutSeconds: 6 * 900,
    messageRetentionSeconds: 4 * 24 * 3600,
    sqsManagedSseEnabled: true,
    redrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
  });
  t.deepEqual(resource('aws:sqs/queue:Queue', 'cleaner-dead-letter-queue'), {
    name: 'procureflow-dev-landings-dlq.fifo',
    fifoQueue: true,
    messageRetentionSeconds: 1209600,
    sqsManagedSseEnabled: true,
  });

  // The bucket only turns EventBridge on: no S3 → SQS notification (S3 cannot notify a FIFO queue).
  t.deepEqual(resource('aws:s3/bucketNotification:BucketNotification', 'cleaner-bronze-notification'), { bucket: 'lake-bronze-id', eventbridge: true });

  const rule = resource('aws:cloudwatch/eventRule:EventRule', 'cleaner-landing-rule');
  t.is(rule.name, 'procureflow-dev-landings');
  t.deepEqual(JSON.parse(String(rule.eventPattern)), {
    source: ['aws.s3'],
    'detail-type': ['Object Created'],
    detail: {
      bucket: { name: [bucketOf('bronze')] },
      object: {
        key: [{ suffix: { 'equals-ignore-case': '.dat' } }, { suffix: { 'equals-ignore-case': '.dat.gz' } }, { suffix: { 'equals-ignore-case': '.zip' } }],
      },
    },
  });
  t.deepEqual(resource('aws:cloudwatch/eventTarget:EventTarget', 'cleaner-landing-target'), {
    rule: 'procureflow-dev-landings',
    targetId: 'landings-fifo-queue',
    arn: queueArn,
    sqsTarget: { messageGroupId: 'landings' },
  });

  const queuePolicy = resource('aws:sqs/queuePolicy:QueuePolicy', 'cleaner-queue-policy');
  t.is(queuePolicy.queueUrl, `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/procureflow-dev-landings.fifo`);
  t.deepEqual(JSON.parse(String(queuePolicy.policy)).Statement, [
    {
      Sid: 'LandingRuleEvents',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: queueArn,
      Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
    },
  ]);

  // No maximumConcurrency: with one message group, at most one batch runs at a time.
  t.deepEqual(resource('aws:lambda/eventSourceMapping:EventSourceMapping', 'cleaner-queue-mapping'), {
    eventSourceArn: queueArn,
    functionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:procureflow-dev-cleaner`,
    batchSize: 10,
    functionResponseTypes: ['ReportBatchItemFailures'],
  });
  t.is(await valueOf(program.queueUrl), `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/procureflow-dev-landings.fifo`);
  t.is(await valueOf(program.deadLetterQueueUrl), `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/procureflow-dev-landings-dlq.fifo`);
  t.is(await valueOf(program.landingRuleName), 'procureflow-dev-landings');
});

test('alarms fire on any dead letter of either queue, either Lambda\'s error or throttle and refused landing, to the alarm topic', (t) => {
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:procureflow-dev-alarms`;
  const shared = {
    period: 300,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    alarmActions: [topicArn],
    okActions: [topicArn],
  };
  const expected: Record<string, Record<string, unknown>> = {
    'cleaner-dead-letter-alarm': {
      name: 'procureflow-dev-landings-dead-letters',
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: 'procureflow-dev-landings-dlq.fifo' },
      statistic: 'Maximum',
    },
    'cleaner-errors-alarm': { name: 'procureflow-dev-cleaner-errors', namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: 'procureflow-dev-cleaner' }, statistic: 'Sum' },
    'cleaner-throttles-alarm': {
      name: 'procureflow-dev-cleaner-throttles',
      namespace: 'AWS/Lambda',
      metricName: 'Throttles',
      dimensions: { FunctionName: 'procureflow-dev-cleaner' },
      statistic: 'Sum',
    },
    'cleaner-silver-dead-letter-alarm': {
      name: 'procureflow-dev-silver-dead-letters',
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: 'procureflow-dev-silver-dlq.fifo' },
      statistic: 'Maximum',
    },
    'cleaner-silver-worker-errors-alarm': {
      name: 'procureflow-dev-silver-worker-errors',
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: 'procureflow-dev-silver-worker' },
      statistic: 'Sum',
    },
    'cleaner-silver-worker-throttles-alarm': {
      name: 'procureflow-dev-silver-worker-throttles',
      namespace: 'AWS/Lambda',
      metricName: 'Throttles',
      dimensions: { FunctionName: 'procureflow-dev-silver-worker' },
      statistic: 'Sum',
    },
    'cleaner-landings-refused-alarm': {
      name: 'procureflow-dev-landings-refused',
      namespace: 'ProcureFlow',
      metricName: LANDINGS_REFUSED_METRIC,
      dimensions: { service: 'procureflow-cleaner' },
      statistic: 'Sum',
    },
  };
  t.deepEqual(
    registrations.filter((registration) => registration.type === 'aws:cloudwatch/metricAlarm:MetricAlarm').map((registration) => registration.name).sort(),
    Object.keys(expected).sort(),
  );
  for (const [name, inputs] of Object.entries(expected)) {
    const { alarmDescription, ...rest } = resource('aws:cloudwatch/metricAlarm:MetricAlarm', name);
    t.is(typeof alarmDescription, 'string');
    t.deepEqual(rest, { ...inputs, ...shared }, name);
  }
  t.is(LANDINGS_REFUSED_METRIC, 'LandingsRefused');
});

test('the stack exports its names, both workgroups included', async (t) => {
  t.deepEqual(
    {
      bronzeBucket: await valueOf(program.bronzeBucket),
      silverBucket: await valueOf(program.silverBucket),
      goldBucket: await valueOf(program.goldBucket),
      athenaResultsBucket: await valueOf(program.athenaResultsBucket),
      bronzePrefix: program.bronzePrefix,
      databaseName: await valueOf(program.databaseName),
      pipelineWorkgroupName: await valueOf(program.pipelineWorkgroupName),
      analystsWorkgroupName: await valueOf(program.analystsWorkgroupName),
    },
    {
      bronzeBucket: bucketOf('bronze'),
      silverBucket: bucketOf('silver'),
      goldBucket: bucketOf('gold'),
      athenaResultsBucket: bucketOf('athena-results'),
      bronzePrefix: 'landing/',
      databaseName: 'procureflow_dev_db',
      pipelineWorkgroupName: 'procureflow-dev-pipeline',
      analystsWorkgroupName: 'procureflow-dev-analysts',
    },
  );
});

// Taggable resource types of the program, from each @pulumi/aws class's `tags` input (and the
// AWS API of each service that takes tags). A new resource type fails the test below until it is
// listed here or in UNTAGGABLE.
const TAGGABLE = [
  'aws:athena/workgroup:Workgroup',
  'aws:cloudwatch/eventRule:EventRule',
  'aws:cloudwatch/logGroup:LogGroup',
  'aws:cloudwatch/metricAlarm:MetricAlarm',
  'aws:ecr/repository:Repository',
  'aws:glue/catalogDatabase:CatalogDatabase',
  'aws:iam/policy:Policy',
  'aws:iam/role:Role',
  'aws:lambda/eventSourceMapping:EventSourceMapping',
  'aws:lambda/function:Function',
  'aws:s3/bucket:Bucket',
  'aws:sns/topic:Topic',
  'aws:sqs/queue:Queue',
];

test('every taggable resource carries the stack tags; nothing else gets a tags input', (t) => {
  const expected = { project: 'procureflow', stack: 'dev', 'name-prefix': 'procureflow-dev', 'managed-by': 'pulumi' };
  const aws = registrations.filter((registration) => registration.type.startsWith('aws:'));
  const tagged = [...new Set(aws.filter((registration) => registration.tags !== undefined).map((registration) => registration.type))].sort();
  t.deepEqual(tagged, TAGGABLE);
  for (const registration of aws.filter((r) => TAGGABLE.includes(r.type))) t.deepEqual(registration.tags, expected, `${registration.type} ${registration.name}`);
});

test('the read-only analyst policy: Athena in the analysts workgroup only, Glue read, S3 read of the tables, the analysts results folder', async (t) => {
  const inputs = resource('aws:iam/policy:Policy', 'catalog-analyst-policy');
  t.is(inputs.name, 'procureflow-dev-analyst-read-only');
  const glue = `arn:aws:glue:${REGION}:${ACCOUNT}`;
  const table = (name: string) => `${glue}:table/procureflow_dev_db/${name}`;
  t.deepEqual(JSON.parse(String(inputs.policy)), {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AnalystsWorkgroupQueries',
        Effect: 'Allow',
        Action: [
          'athena:StartQueryExecution',
          'athena:GetQueryExecution',
          'athena:GetQueryResults',
          'athena:StopQueryExecution',
          'athena:ListQueryExecutions',
          'athena:BatchGetQueryExecution',
          'athena:GetWorkGroup',
          'athena:ListNamedQueries',
          'athena:GetNamedQuery',
          'athena:BatchGetNamedQuery',
        ],
        Resource: `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/procureflow-dev-analysts`,
      },
      {
        Sid: 'GlueLakeRead',
        Effect: 'Allow',
        Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
        Resource: [`${glue}:catalog`, `${glue}:database/procureflow_dev_db`, table('raw_transactions'), table('cleaned_transactions'), table('rejected_transactions')],
      },
      {
        Sid: 'LakeTableObjectsRead',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: [`${arn('silver')}/raw_transactions/*`, `${arn('gold')}/cleaned_transactions/*`, `${arn('gold')}/rejected_transactions/*`],
      },
      { Sid: 'SilverListTables', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: arn('silver'), Condition: { StringLike: { 's3:prefix': ['raw_transactions/*'] } } },
      {
        Sid: 'GoldListTables',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: arn('gold'),
        Condition: { StringLike: { 's3:prefix': ['cleaned_transactions/*', 'rejected_transactions/*'] } },
      },
      { Sid: 'BucketLocation', Effect: 'Allow', Action: ['s3:GetBucketLocation'], Resource: [arn('silver'), arn('gold'), arn('athena-results')] },
      {
        Sid: 'AnalystsQueryResults',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: `${arn('athena-results')}/analysts/*`,
      },
      { Sid: 'AnalystsQueryResultsList', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: arn('athena-results'), Condition: { StringLike: { 's3:prefix': ['analysts/*'] } } },
      { Sid: 'AnalystsResultsMultipartListing', Effect: 'Allow', Action: ['s3:ListBucketMultipartUploads'], Resource: arn('athena-results') },
    ],
  });
  // Nothing writes to the lake or reaches bronze, the pipeline workgroup or the pipeline's results.
  const text = String(inputs.policy);
  t.notRegex(text, /bronze|procureflow-dev-pipeline|pipeline\/|s3:DeleteObject|glue:(Create|Delete|Update)/);
  t.is(await valueOf(program.analystPolicyArn), `arn:aws:iam::${ACCOUNT}:policy/procureflow-dev-analyst-read-only`, 'exported as a stack output');
});
