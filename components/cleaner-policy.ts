// The cleaner role's policy: one statement per purpose, each naming its exact resources. Pure,
// so tests assert the exact statements.
//
// One role for both functions, the turn keeper and the silver workers. A worker runs a batch's
// own steps (prepare-batch.ts), the very code the turn keeper runs inline when the stack has no
// workers, so it needs all but a few of the turn keeper's grants: a role of its own would drop
// only bronze PutObject (zip members), the gold table's writes and glue:CreatePartition (the
// commit), at the price of a second statement list that no test here can check against AWS. The
// statements the split adds (SilverQueue, QueueSends, TurnRecord*) appear only with a silver
// queue, so a stack without workers keeps exactly today's policy.
import { LANDED_COPY_PREFIX, LANDED_MANIFEST_PREFIX, TURNS_PREFIX } from '../handlers/core/lake-prefixes.ts';
import { LAKE_TABLES, TABLE_LAYER } from '../handlers/core/tables.ts';
import { PIPELINE_RESULTS_PREFIX } from './catalog.ts';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** The lake table folders the pipeline's CTAS statements write (external_location), by bucket. */
export const CTAS_OUTPUT_PREFIXES = {
  silver: LAKE_TABLES.filter((table) => TABLE_LAYER[table] === 'silver').map((table) => `${table}/`),
  gold: LAKE_TABLES.filter((table) => TABLE_LAYER[table] === 'gold').map((table) => `${table}/`),
} as const;
/** The silver bucket's work areas (handlers/core/lake-prefixes.ts): manifests and landed copies. */
export const WORK_OBJECT_PREFIXES = [LANDED_MANIFEST_PREFIX, LANDED_COPY_PREFIX] as const;
/**
 * Name prefixes of the per-batch work tables (handlers/core/process-batch.ts: `bronze_<batch>`,
 * `stage_<step>_<batch>`): the only tables the cleaner may create or delete.
 */
export const WORK_TABLE_PREFIXES = ['bronze_', 'stage_'] as const;

export interface CleanerPolicyArgs {
  bronzeBucketArn: string;
  bronzePrefix: string;
  silverBucketArn: string;
  goldBucketArn: string;
  athenaResultsBucketArn: string;
  /** `arn:<partition>:glue:<region>:<account>:database/<name>`. */
  databaseArn: string;
  /** The pipeline workgroup only: the analysts' workgroup is not the cleaner's. */
  pipelineWorkgroupArn: string;
  queueArn: string;
  logGroupArn: string;
  /** The silver workers' queue and log group; none when the stack has no workers. */
  silver?: { queueArn: string; logGroupArn: string };
}

/** The catalog, database and table ARNs that go with a Glue database ARN. */
export function glueArns(databaseArn: string): { catalog: string; database: string; table: (name: string) => string } {
  const match = /^(arn:[^:]+:glue:[^:]+:[^:]+):database\/([^/]+)$/.exec(databaseArn);
  if (!match) throw new Error(`'${databaseArn}' is not a Glue database ARN`);
  const [, base, database] = match;
  return { catalog: `${base}:catalog`, database: databaseArn, table: (name) => `${base}:table/${database}/${name}` };
}

/** `logs:` resource of a log group's streams. */
function logStreams(logGroupArn: string): string {
  return `${logGroupArn.replace(/:\*$/, '')}:*`;
}

/** The statements a silver queue adds (see the header): the split design's queues and turn records. */
function silverStatements(args: CleanerPolicyArgs, silver: NonNullable<CleanerPolicyArgs['silver']>): PolicyStatement[] {
  return [
    {
      // The silver queue's event source mapping polls with the function's role: the permissions
      // of AWSLambdaSQSQueueExecutionRole ("Setting up Lambda execution role permissions",
      // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html), plus
      // ChangeMessageVisibility as on the landing queue.
      Sid: 'SilverQueue',
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
      Resource: silver.queueArn,
    },
    {
      // The turn keeper sends prepare messages to the silver queue and gold-turn notes to the
      // landing queue; a worker sends silver-ready notes to the landing queue.
      Sid: 'QueueSends',
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: [args.queueArn, silver.queueArn],
    },
    {
      // Pending, prepared and failed records: written, read and deleted by key.
      Sid: 'TurnRecordObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: `${args.silverBucketArn}/${TURNS_PREFIX}*`,
    },
    {
      // The gold turn lists pending/, prepared/ and failed/ (ListObjectsV2 is s3:ListBucket).
      Sid: 'TurnRecordsList',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: args.silverBucketArn,
      Condition: { StringLike: { 's3:prefix': [`${TURNS_PREFIX}*`] } },
    },
  ];
}

/** Every statement of the cleaner's role. */
export function cleanerPolicyStatements(args: CleanerPolicyArgs): PolicyStatement[] {
  const glue = glueArns(args.databaseArn);
  const ctasObjects = [
    ...CTAS_OUTPUT_PREFIXES.silver.map((prefix) => `${args.silverBucketArn}/${prefix}*`),
    ...CTAS_OUTPUT_PREFIXES.gold.map((prefix) => `${args.goldBucketArn}/${prefix}*`),
  ];
  return [
    {
      // Reads landed files (the source of a server-side copy too); writes the members of an
      // unpacked zip next to it (multipart).
      Sid: 'BronzeLandedObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
      Resource: `${args.bronzeBucketArn}/${args.bronzePrefix}*`,
    },
    {
      // Athena runs with the caller's credentials, so it lists bronze as the cleaner.
      Sid: 'BronzeListLanding',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: args.bronzeBucketArn,
      Condition: { StringLike: { 's3:prefix': [`${args.bronzePrefix}*`] } },
    },
    {
      Sid: 'SilverListTables',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: args.silverBucketArn,
      Condition: { StringLike: { 's3:prefix': [...CTAS_OUTPUT_PREFIXES.silver, ...WORK_OBJECT_PREFIXES].map((prefix) => `${prefix}*`) } },
    },
    {
      Sid: 'GoldListTables',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: args.goldBucketArn,
      Condition: { StringLike: { 's3:prefix': CTAS_OUTPUT_PREFIXES.gold.map((prefix) => `${prefix}*`) } },
    },
    {
      // Athena CTAS writes a batch's partition (multipart: it lists and aborts its own parts, the
      // multipart permissions of the AmazonAthenaFullAccess example,
      // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonAthenaFullAccess.html);
      // the cleaner empties the partition before a retried step.
      Sid: 'CtasOutputObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: ctasObjects,
    },
    {
      // Symlink manifests (LANDED_MANIFEST_PREFIX) and server-side copies of landed files under a
      // name Athena can read (LANDED_COPY_PREFIX); a copy over 5 GB is a multipart copy.
      Sid: 'LandedWorkObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: WORK_OBJECT_PREFIXES.map((prefix) => `${args.silverBucketArn}/${prefix}*`),
    },
    {
      // ListBucketMultipartUploads is a bucket-level action: the buckets Athena writes multipart to.
      Sid: 'MultipartUploadListing',
      Effect: 'Allow',
      Action: ['s3:ListBucketMultipartUploads'],
      Resource: [args.silverBucketArn, args.goldBucketArn, args.athenaResultsBucketArn],
    },
    {
      Sid: 'LakeBucketLocation',
      Effect: 'Allow',
      Action: ['s3:GetBucketLocation'],
      Resource: [args.bronzeBucketArn, args.silverBucketArn, args.goldBucketArn, args.athenaResultsBucketArn],
    },
    {
      // The pipeline workgroup's results folder only.
      Sid: 'PipelineQueryResults',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: `${args.athenaResultsBucketArn}/${PIPELINE_RESULTS_PREFIX}*`,
    },
    {
      Sid: 'PipelineQueryResultsList',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: args.athenaResultsBucketArn,
      Condition: { StringLike: { 's3:prefix': [`${PIPELINE_RESULTS_PREFIX}*`] } },
    },
    {
      Sid: 'PipelineWorkgroupQueries',
      Effect: 'Allow',
      Action: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution'],
      Resource: args.pipelineWorkgroupArn,
    },
    {
      Sid: 'GlueDatabase',
      Effect: 'Allow',
      Action: ['glue:GetDatabase'],
      Resource: [glue.catalog, glue.database],
    },
    {
      // Work tables are created (CreateTable by the catalog adapter and by Athena's CTAS), read
      // and dropped per batch; their names are unknown in advance, so the wildcard is on their
      // prefixes only. No statement lets the cleaner delete or update a lake table.
      Sid: 'GlueWorkTables',
      Effect: 'Allow',
      Action: ['glue:GetTable', 'glue:CreateTable', 'glue:DeleteTable'],
      Resource: [glue.catalog, glue.database, ...WORK_TABLE_PREFIXES.map((prefix) => glue.table(`${prefix}*`))],
    },
    {
      // Reading a partitioned table from Athena takes GetPartitions and BatchGetPartition (both in
      // the Glue grants of AmazonAthenaFullAccess, link above); the commit creates one partition
      // per lake table (CreatePartition) and reads it back (GetPartition).
      Sid: 'GlueLakeTables',
      Effect: 'Allow',
      Action: ['glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition', 'glue:CreatePartition'],
      Resource: [glue.catalog, glue.database, ...LAKE_TABLES.map((table) => glue.table(table))],
    },
    {
      Sid: 'LandingQueue',
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
      Resource: args.queueArn,
    },
    {
      // The log group is created by the stack, so the role cannot create log groups. Metrics go
      // through this log group too: Powertools writes them as CloudWatch Embedded Metric Format
      // to standard output ("Metrics creates custom metrics asynchronously by logging metrics to
      // standard output following Amazon CloudWatch Embedded Metric Format",
      // https://docs.aws.amazon.com/powertools/typescript/latest/core/metrics/), so the role has
      // no cloudwatch:PutMetricData.
      Sid: 'OwnLogGroup',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      // A plain string without workers: a stack with silverWorkers 0 keeps today's document.
      Resource: args.silver ? [logStreams(args.logGroupArn), logStreams(args.silver.logGroupArn)] : logStreams(args.logGroupArn),
    },
    ...(args.silver ? silverStatements(args, args.silver) : []),
  ];
}

/** The role policy document of the cleaner. */
export function cleanerPolicyDocument(args: CleanerPolicyArgs): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: cleanerPolicyStatements(args) });
}
