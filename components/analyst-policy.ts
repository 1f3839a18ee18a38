// The read-only analyst policy the stack exports (a managed policy to attach to the analysts'
// users, group or role): query in the analysts' workgroup only, read the lake's database, its
// three tables and their partitions, read the table folders of silver and gold, and write query
// results to the analysts' results folder. Pure, so tests assert the exact statements.
//
// Athena runs a query with the caller's permissions on Glue and S3, so those grants are needed
// beside the Athena ones; the Glue and S3 read actions are those the AmazonAthenaFullAccess
// managed policy grants for querying (GetDatabase(s), GetTable(s), GetPartition(s),
// BatchGetPartition; GetObject, ListBucket, GetBucketLocation; the multipart actions on the
// results location), https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonAthenaFullAccess.html.
import { LAKE_TABLES, TABLE_LAYER } from '../handlers/core/tables.ts';
import { ANALYSTS_RESULTS_PREFIX } from './catalog.ts';
import { glueArns, type PolicyStatement } from './cleaner-policy.ts';

export interface AnalystPolicyArgs {
  silverBucketArn: string;
  goldBucketArn: string;
  athenaResultsBucketArn: string;
  databaseArn: string;
  analystsWorkgroupArn: string;
}

/** Each lake table's folder in its bucket (`<table>/`), by bucket. */
const tablePrefixes = (layer: 'silver' | 'gold') => LAKE_TABLES.filter((table) => TABLE_LAYER[table] === layer).map((table) => `${table}/`);

export function analystPolicyStatements(args: AnalystPolicyArgs): PolicyStatement[] {
  const glue = glueArns(args.databaseArn);
  const silver = tablePrefixes('silver');
  const gold = tablePrefixes('gold');
  return [
    {
      // The analysts' workgroup enforces its result location, encryption and scan cutoff.
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
      Resource: args.analystsWorkgroupArn,
    },
    {
      Sid: 'GlueLakeRead',
      Effect: 'Allow',
      Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
      Resource: [glue.catalog, glue.database, ...LAKE_TABLES.map((table) => glue.table(table))],
    },
    {
      Sid: 'LakeTableObjectsRead',
      Effect: 'Allow',
      Action: ['s3:GetObject'],
      Resource: [...silver.map((prefix) => `${args.silverBucketArn}/${prefix}*`), ...gold.map((prefix) => `${args.goldBucketArn}/${prefix}*`)],
    },
    {
      Sid: 'SilverListTables',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: args.silverBucketArn,
      Condition: { StringLike: { 's3:prefix': silver.map((prefix) => `${prefix}*`) } },
    },
    {
      Sid: 'GoldListTables',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: args.goldBucketArn,
      Condition: { StringLike: { 's3:prefix': gold.map((prefix) => `${prefix}*`) } },
    },
    {
      Sid: 'BucketLocation',
      Effect: 'Allow',
      Action: ['s3:GetBucketLocation'],
      Resource: [args.silverBucketArn, args.goldBucketArn, args.athenaResultsBucketArn],
    },
    {
      // Athena writes each query's results (multipart for large ones) to the workgroup's folder.
      Sid: 'AnalystsQueryResults',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: `${args.athenaResultsBucketArn}/${ANALYSTS_RESULTS_PREFIX}*`,
    },
    {
      Sid: 'AnalystsQueryResultsList',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: args.athenaResultsBucketArn,
      Condition: { StringLike: { 's3:prefix': [`${ANALYSTS_RESULTS_PREFIX}*`] } },
    },
    {
      // A bucket-level action: the bucket Athena writes the analysts' results to, multipart.
      Sid: 'AnalystsResultsMultipartListing',
      Effect: 'Allow',
      Action: ['s3:ListBucketMultipartUploads'],
      Resource: args.athenaResultsBucketArn,
    },
  ];
}

export function analystPolicyDocument(args: AnalystPolicyArgs): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: analystPolicyStatements(args) });
}
