// The ProcureFlow stack: the lake's buckets, the catalog (Glue + two Athena workgroups) and the
// cleaner Lambda fed by bronze landings through EventBridge and an SQS FIFO queue. Every
// physical name derives from the stack's prefix.
//
// Names: the prefix is `procureflow:namePrefix`, or `${project}-${stack}` when unset, so two
// stacks never share a bucket, queue, function or workgroup. Bucket names also carry the
// account id (bucket names are global to all of S3) and the role's name the region (IAM names
// are global to the account). The Glue database defaults to the
// prefix with underscores (`procureflow_prod_db` for stack prod, `alice_pf_dev_db` for a developer
// whose prefix is `alice-pf-dev`): a fixed name would collide as soon as a second stack exists in
// the same account and region, a second developer's dev stack included. Analyst SQL is written
// against `procureflow_db`; the named queries get the stack's database substituted
// (components/catalog.ts substituteDatabase).
//
// Every taggable resource carries the stack's tags (components/default-tags.ts), through a
// transformation given to each component.
import { fileURLToPath } from 'node:url';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { Catalog } from './components/catalog.ts';
import { Cleaner } from './components/cleaner.ts';
import { LakeBuckets } from './components/lake.ts';
import { defaultTagsTransformation, stackTags } from './components/default-tags.ts';
import { readStackConfig, turnMaxBytes } from './components/stack-config.ts';

const config = new pulumi.Config();
const settings = readStackConfig((key) => config.get(key), pulumi.getProject(), pulumi.getStack());
// Given to each component, a transformation applies to it and to all its children: every resource.
const tagged: pulumi.ComponentResourceOptions = {
  transformations: [defaultTagsTransformation(stackTags(pulumi.getProject(), pulumi.getStack(), settings.namePrefix))],
};

const accountId = aws.getCallerIdentityOutput().accountId;
const region = aws.getRegionOutput().region;

const lake = new LakeBuckets('lake', {
  namePrefix: settings.namePrefix,
  accountId,
  forceDestroy: settings.forceDestroy,
  bronzeInfrequentAccessDays: settings.bronzeInfrequentAccessDays,
}, tagged);

const catalog = new Catalog('catalog', {
  namePrefix: settings.namePrefix,
  databaseName: settings.databaseName,
  silverBucket: lake.silver.bucket,
  goldBucket: lake.gold.bucket,
  athenaResultsBucket: lake.athenaResults.bucket,
  pipelineBytesScannedCutoff: settings.athenaBytesScannedCutoff,
  analystsBytesScannedCutoff: settings.analystsBytesScannedCutoff,
  forceDestroy: settings.forceDestroy,
  analyticsSqlDir: fileURLToPath(new URL('./sql/analytics/', import.meta.url)),
  bucketArns: { silver: lake.silver.arn, gold: lake.gold.arn, athenaResults: lake.athenaResults.arn },
}, tagged);

const cleaner = new Cleaner('cleaner', {
  namePrefix: settings.namePrefix,
  region,
  bronzeBucket: lake.bronze,
  silverBucket: lake.silver,
  goldBucket: lake.gold,
  athenaResultsBucket: lake.athenaResults,
  database: catalog.database,
  pipelineWorkgroup: catalog.pipelineWorkgroup,
  bronzePrefix: settings.bronzePrefix,
  memoryMb: settings.lambdaMemoryMb,
  timeoutSeconds: settings.lambdaTimeoutSeconds,
  ephemeralStorageMb: settings.lambdaEphemeralStorageMb,
  batchSize: settings.batchSize,
  logRetentionDays: settings.logRetentionDays,
  forceDestroy: settings.forceDestroy,
  zipMaxTotalBytes: settings.zipMaxTotalBytes,
  zipMaxRatio: settings.zipMaxRatio,
  landingMaxBytes: settings.landingMaxBytes,
  groupMaxBytes: turnMaxBytes(settings),
  dedupeHorizonDays: settings.dedupeHorizonDays,
  silverWorkers: settings.silverWorkers,
  ...(settings.alarmEmail ? { alarmEmail: settings.alarmEmail } : {}),
  // Relative to the project folder, where `pulumi up` runs: the same inputs on every machine.
  // The Dockerfile builds the bundle itself (multi-stage), so `pulumi up` needs no prior build.
  dockerContext: '.',
  dockerfile: 'lambda/Dockerfile',
}, tagged);

export const bronzeBucket = lake.bronze.bucket;
export const silverBucket = lake.silver.bucket;
export const goldBucket = lake.gold.bucket;
export const athenaResultsBucket = lake.athenaResults.bucket;
export const bronzePrefix = settings.bronzePrefix;
export const databaseName = catalog.database.name;
export const pipelineWorkgroupName = catalog.pipelineWorkgroup.name;
export const analystsWorkgroupName = catalog.analystsWorkgroup.name;
/** Attach to the analysts' users, group or role: read-only access through the analysts' workgroup. */
export const analystPolicyArn = catalog.analystPolicy.arn;
export const landingRuleName = cleaner.landingRule.name;
export const functionName = cleaner.function.name;
export const imageUri = cleaner.image.imageUri;
export const queueUrl = cleaner.queue.url;
export const deadLetterQueueUrl = cleaner.deadLetterQueue.url;
export const alarmTopicArn = cleaner.alarmTopic.arn;
// Undefined (no output) on a stack with silverWorkers 0.
export const silverQueueUrl = cleaner.silverQueue?.url;
export const silverDeadLetterQueueUrl = cleaner.silverDeadLetterQueue?.url;
export const silverFunctionName = cleaner.silverFunction?.name;
export const namedQueryIds = pulumi.output(Object.fromEntries(Object.entries(catalog.namedQueries).map(([name, query]) => [name, query.id])));
