// The cleaner role's policy: one statement per purpose, each naming its exact resources. Pure,
// so tests assert the exact statements.
import { LANDED_COPY_PREFIX, LANDED_MANIFEST_PREFIX } from '../handlers/core/lake-prefixes.ts';
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
}

/** The catalog, database and table ARNs that go with a Glue database ARN. */
export function glueArns(databaseArn: string): { catalog: string; database: string; table: (name: string) => string } {
  const match = /^(arn:[^:]+:glue:[^:]+:[^:]+):database\/([^/]+)$/.exec(databaseArn);
  if (!match) throw new Error(`'${databaseArn}' is not a Glue database ARN`);
  const [, base, database] = match;
  return { catalog: `${base}:catalog`, database: databaseArn, table: (name) => `${base}:table/${database}/${name}` };
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
      Resource: `${args.logGroupArn.replace(/:\*$/, '')}:*`,
    },
  ];
}

/** The role policy document of the cleaner. */
export function cleanerPolicyDocument(args: CleanerPolicyArgs): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: cleanerPolicyStatements(args) });
}
