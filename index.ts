// The ProcureFlow stack: the lake's buckets, the catalog (Glue + Athena) and the cleaner Lambda
// fed by bronze landings through SQS. Every physical name derives from the stack's prefix.
//
// Names: the prefix is `procureflow:namePrefix`, or `${project}-${stack}` when unset, so two
// stacks never share a bucket, queue, function or workgroup. The Glue database defaults to the
// prefix with underscores (`procureflow_prod_db` for stack prod): a fixed name would collide as
// soon as a second stack exists in the same account and region. The dev stack sets
// `procureflow_db` explicitly, the name the analyst SQL is written against.
import { fileURLToPath } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import { Catalog } from './components/catalog.ts';
import { Cleaner } from './components/cleaner.ts';
import { LakeBuckets } from './components/lake.ts';
import { readStackConfig } from './components/stack-config.ts';

const config = new pulumi.Config();
const settings = readStackConfig((key) => config.get(key), pulumi.getProject(), pulumi.getStack());

const lake = new LakeBuckets('lake', { namePrefix: settings.namePrefix, forceDestroy: settings.forceDestroy });

const catalog = new Catalog('catalog', {
  namePrefix: settings.namePrefix,
  databaseName: settings.databaseName,
  silverBucket: lake.silver.bucket,
  goldBucket: lake.gold.bucket,
  athenaResultsBucket: lake.athenaResults.bucket,
  athenaBytesScannedCutoff: settings.athenaBytesScannedCutoff,
  forceDestroy: settings.forceDestroy,
  analyticsSqlDir: fileURLToPath(new URL('./sql/analytics/', import.meta.url)),
});

const cleaner = new Cleaner('cleaner', {
  namePrefix: settings.namePrefix,
  bronzeBucket: lake.bronze,
  silverBucket: lake.silver,
  goldBucket: lake.gold,
  athenaResultsBucket: lake.athenaResults,
  database: catalog.database,
  workgroup: catalog.workgroup,
  bronzePrefix: settings.bronzePrefix,
  memoryMb: settings.lambdaMemoryMb,
  timeoutSeconds: settings.lambdaTimeoutSeconds,
  ephemeralStorageMb: settings.lambdaEphemeralStorageMb,
  batchSize: settings.batchSize,
  logRetentionDays: settings.logRetentionDays,
  forceDestroy: settings.forceDestroy,
  zipMaxTotalBytes: settings.zipMaxTotalBytes,
  zipMaxRatio: settings.zipMaxRatio,
  ...(settings.alarmEmail ? { alarmEmail: settings.alarmEmail } : {}),
  // Relative to the project folder, where `pulumi up` runs: the same inputs on every machine.
  // The Dockerfile copies only dist/lambda/ (from `npm run build:lambda`) and sql/.
  dockerContext: '.',
  dockerfile: 'lambda/Dockerfile',
});

export const bronzeBucket = lake.bronze.bucket;
export const silverBucket = lake.silver.bucket;
export const goldBucket = lake.gold.bucket;
export const athenaResultsBucket = lake.athenaResults.bucket;
export const bronzePrefix = settings.bronzePrefix;
export const databaseName = catalog.database.name;
export const workgroupName = catalog.workgroup.name;
export const functionName = cleaner.function.name;
export const imageUri = cleaner.image.imageUri;
export const queueUrl = cleaner.queue.url;
export const deadLetterQueueUrl = cleaner.deadLetterQueue.url;
export const alarmTopicArn = cleaner.alarmTopic.arn;
export const namedQueryIds = pulumi.output(Object.fromEntries(Object.entries(catalog.namedQueries).map(([name, query]) => [name, query.id])));
