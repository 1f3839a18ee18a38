// The cleaner: its container image, the Lambda that orchestrates Athena, its IAM role, and the
// S3 → SQS (with a dead-letter queue) → Lambda trigger, plus a log group and alarms.
import * as aws from '@pulumi/aws';
import * as awsx from '@pulumi/awsx';
import * as pulumi from '@pulumi/pulumi';

export const METRICS_NAMESPACE = 'ProcureFlow';
export const SERVICE_NAME = 'procureflow-cleaner';
/** Suffixes that trigger the cleaner: plain, gzip (read by Athena as is) and zip (unpacked by the Lambda). */
export const LANDING_SUFFIXES = ['.dat', '.dat.gz', '.zip'] as const;
/** The lake table folders the cleaner writes, by bucket. */
// `_work/landed/` holds the symlink manifests through which Athena reads one landed file
// (handlers/aws/glue-catalog.ts); the lake's lifecycle expires it.
export const CLEANER_TABLE_PREFIXES = {
  silver: ['raw_transactions/', '_work/landed/'],
  gold: ['cleaned_transactions/', 'rejected_transactions/'],
} as const;
/**
 * Receives before a message goes to the dead-letter queue. AWS advises at least 5 when the
 * function's concurrency is limited: a throttled delivery also counts as a receive.
 */
export const MAX_RECEIVE_COUNT = 5;
/** AWS guidance for SQS event sources: visibility timeout at least six times the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface CleanerPolicyArgs {
  bronzeBucketArn: string;
  bronzePrefix: string;
  silverBucketArn: string;
  goldBucketArn: string;
  athenaResultsBucketArn: string;
  /** `arn:<partition>:glue:<region>:<account>:database/<name>`. */
  databaseArn: string;
  workgroupArn: string;
  queueArn: string;
  logGroupArn: string;
}

/** The catalog and `table/<db>/*` ARNs that go with a Glue database ARN. */
export function glueArns(databaseArn: string): { catalog: string; database: string; tables: string } {
  const match = /^(arn:[^:]+:glue:[^:]+:[^:]+):database\/([^/]+)$/.exec(databaseArn);
  if (!match) throw new Error(`'${databaseArn}' is not a Glue database ARN`);
  const [, base, database] = match;
  return { catalog: `${base}:catalog`, database: databaseArn, tables: `${base}:table/${database}/*` };
}

/** Every statement of the cleaner's role: one per purpose, each naming its exact resources. */
export function cleanerPolicyStatements(args: CleanerPolicyArgs): PolicyStatement[] {
  const glue = glueArns(args.databaseArn);
  const tableObjects = [
    ...CLEANER_TABLE_PREFIXES.silver.map((prefix) => `${args.silverBucketArn}/${prefix}*`),
    ...CLEANER_TABLE_PREFIXES.gold.map((prefix) => `${args.goldBucketArn}/${prefix}*`),
  ];
  return [
    {
      // Reads landed files; writes the members of an unpacked zip next to it (multipart).
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
      Condition: { StringLike: { 's3:prefix': CLEANER_TABLE_PREFIXES.silver.map((prefix) => `${prefix}*`) } },
    },
    {
      Sid: 'GoldListTables',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: args.goldBucketArn,
      Condition: { StringLike: { 's3:prefix': CLEANER_TABLE_PREFIXES.gold.map((prefix) => `${prefix}*`) } },
    },
    {
      // Athena CTAS writes a batch's partition; the cleaner empties it before a retried step.
      Sid: 'LakeTableObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      Resource: tableObjects,
    },
    {
      Sid: 'LakeBucketLocation',
      Effect: 'Allow',
      Action: ['s3:GetBucketLocation'],
      Resource: [args.bronzeBucketArn, args.silverBucketArn, args.goldBucketArn, args.athenaResultsBucketArn],
    },
    {
      Sid: 'AthenaQueryResults',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 's3:AbortMultipartUpload'],
      Resource: [args.athenaResultsBucketArn, `${args.athenaResultsBucketArn}/*`],
    },
    {
      Sid: 'AthenaWorkgroupQueries',
      Effect: 'Allow',
      Action: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution'],
      Resource: args.workgroupArn,
    },
    {
      // Work tables (bronze_<batch>, stage_<step>_<batch>) are created and dropped per batch, so
      // their names are unknown in advance: the table wildcard stays inside the lake's database.
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
      Resource: [glue.catalog, glue.database, glue.tables],
    },
    {
      Sid: 'LandingQueue',
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
      Resource: args.queueArn,
    },
    {
      // The log group is created by the stack, so the role cannot create log groups.
      Sid: 'OwnLogGroup',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: `${args.logGroupArn.replace(/:\*$/, '')}:*`,
    },
    {
      // PutMetricData has no resource to scope; the namespace condition is its only bound.
      Sid: 'PutProcureFlowMetrics',
      Effect: 'Allow',
      Action: ['cloudwatch:PutMetricData'],
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } },
    },
  ];
}

/** The role policy document of the cleaner. */
export function cleanerPolicyDocument(args: CleanerPolicyArgs): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: cleanerPolicyStatements(args) });
}

/** The queue policy letting only the bronze bucket of this account send landing events. */
export function landingQueuePolicyDocument(queueArn: string, bronzeBucketArn: string): string {
  const account = queueArn.split(':')[4];
  if (!account) throw new Error(`'${queueArn}' is not an SQS queue ARN`);
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'BronzeLandingEvents',
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': bronzeBucketArn }, StringEquals: { 'aws:SourceAccount': account } },
      },
    ],
  });
}

export interface CleanerEnvironmentArgs {
  bronzeBucket: string;
  silverBucket: string;
  goldBucket: string;
  databaseName: string;
  workgroupName: string;
  bronzePrefix: string;
  zipMaxTotalBytes: number;
  zipMaxRatio: number;
}

/** The environment variables the cleaner's entry reads. */
export function cleanerEnvironment(args: CleanerEnvironmentArgs): Record<string, string> {
  return {
    BRONZE_BUCKET: args.bronzeBucket,
    SILVER_BUCKET: args.silverBucket,
    GOLD_BUCKET: args.goldBucket,
    GLUE_DATABASE: args.databaseName,
    ATHENA_WORKGROUP: args.workgroupName,
    BRONZE_PREFIX: args.bronzePrefix,
    SQL_DIR: '/var/task/sql',
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ZIP_MAX_TOTAL_BYTES: String(args.zipMaxTotalBytes),
    ZIP_MAX_RATIO: String(args.zipMaxRatio),
  };
}

/** The ECR lifecycle policy: keep the newest images only. */
export function imageLifecyclePolicy(keep: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `keep the ${keep} newest images`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keep },
        action: { type: 'expire' },
      },
    ],
  });
}

export interface CleanerArgs {
  namePrefix: string;
  bronzeBucket: aws.s3.Bucket;
  silverBucket: aws.s3.Bucket;
  goldBucket: aws.s3.Bucket;
  athenaResultsBucket: aws.s3.Bucket;
  database: aws.glue.CatalogDatabase;
  workgroup: aws.athena.Workgroup;
  bronzePrefix: string;
  memoryMb: number;
  timeoutSeconds: number;
  ephemeralStorageMb: number;
  batchSize: number;
  logRetentionDays: number;
  forceDestroy: boolean;
  zipMaxTotalBytes: number;
  zipMaxRatio: number;
  alarmEmail?: string;
  /** Build context of the image (the repository root) and its Dockerfile. */
  dockerContext: string;
  dockerfile: string;
}

/** The part every cleaner alarm shares: fire on a single occurrence in five minutes, tell the topic. */
export function alertOnAnyOccurrence(topicArn: pulumi.Input<string>) {
  return {
    period: 300,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    alarmActions: [topicArn],
    okActions: [topicArn],
  };
}

export class Cleaner extends pulumi.ComponentResource {
  readonly repository: aws.ecr.Repository;
  readonly image: awsx.ecr.Image;
  readonly function: aws.lambda.Function;
  readonly queue: aws.sqs.Queue;
  readonly deadLetterQueue: aws.sqs.Queue;
  readonly alarmTopic: aws.sns.Topic;

  constructor(name: string, args: CleanerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('procureflow:cleaner:Cleaner', name, {}, opts);
    const childOpts = { parent: this };
    const functionName = `${args.namePrefix}-cleaner`;

    this.repository = new aws.ecr.Repository(
      `${name}-repository`,
      {
        name: functionName,
        forceDelete: args.forceDestroy,
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: 'AES256' }],
      },
      childOpts,
    );
    new aws.ecr.LifecyclePolicy(`${name}-repository-lifecycle`, { repository: this.repository.name, policy: imageLifecyclePolicy(5) }, childOpts);
    this.image = new awsx.ecr.Image(
      `${name}-image`,
      {
        repositoryUrl: this.repository.repositoryUrl,
        context: args.dockerContext,
        dockerfile: args.dockerfile,
        // Lambda runs the image on x86_64 whatever machine builds it.
        platform: 'linux/amd64',
      },
      childOpts,
    );

    // Created before the function so that Lambda does not create it without retention.
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-log-group`,
      { name: `/aws/lambda/${functionName}`, retentionInDays: args.logRetentionDays },
      childOpts,
    );

    this.deadLetterQueue = new aws.sqs.Queue(
      `${name}-dead-letter-queue`,
      { name: `${args.namePrefix}-landings-dlq`, messageRetentionSeconds: 14 * 24 * 3600, sqsManagedSseEnabled: true },
      childOpts,
    );
    this.queue = new aws.sqs.Queue(
      `${name}-queue`,
      {
        name: `${args.namePrefix}-landings`,
        visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_FACTOR * args.timeoutSeconds,
        messageRetentionSeconds: 4 * 24 * 3600,
        // SQS-managed keys: S3 cannot publish to a queue encrypted with the AWS-managed KMS key.
        sqsManagedSseEnabled: true,
        redrivePolicy: this.deadLetterQueue.arn.apply((deadLetterTargetArn) => JSON.stringify({ deadLetterTargetArn, maxReceiveCount: MAX_RECEIVE_COUNT })),
      },
      childOpts,
    );

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: `${functionName}-role`,
        assumeRolePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      },
      childOpts,
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-role-policy`,
      {
        role: role.id,
        policy: pulumi
          .all([
            args.bronzeBucket.arn,
            args.silverBucket.arn,
            args.goldBucket.arn,
            args.athenaResultsBucket.arn,
            args.database.arn,
            args.workgroup.arn,
            this.queue.arn,
            logGroup.arn,
          ])
          .apply(([bronze, silver, gold, results, database, workgroup, queue, logs]) =>
            cleanerPolicyDocument({
              bronzeBucketArn: bronze,
              bronzePrefix: args.bronzePrefix,
              silverBucketArn: silver,
              goldBucketArn: gold,
              athenaResultsBucketArn: results,
              databaseArn: database,
              workgroupArn: workgroup,
              queueArn: queue,
              logGroupArn: logs,
            }),
          ),
      },
      childOpts,
    );

    this.function = new aws.lambda.Function(
      `${name}-function`,
      {
        name: functionName,
        description: 'Registers each landed .dat in Glue and runs the silver/gold SQL in Athena',
        packageType: 'Image',
        imageUri: this.image.imageUri,
        architectures: ['x86_64'],
        role: role.arn,
        memorySize: args.memoryMb,
        timeout: args.timeoutSeconds,
        // Room to download a landed zip before streaming its members back to bronze.
        ephemeralStorage: { size: args.ephemeralStorageMb },
        // Gold writers take turns: first-write-wins dedupe reads gold, so two batches merging at
        // once could both insert an id. One concurrent execution serializes the merges and keeps
        // the stack far below Athena's DML quota. (The mapping's maximumConcurrency cannot go
        // below 2, and S3 cannot notify a FIFO queue.)
        reservedConcurrentExecutions: 1,
        environment: {
          variables: pulumi
            .all([args.bronzeBucket.bucket, args.silverBucket.bucket, args.goldBucket.bucket, args.database.name, args.workgroup.name])
            .apply(([bronzeBucket, silverBucket, goldBucket, databaseName, workgroupName]) =>
              cleanerEnvironment({
                bronzeBucket,
                silverBucket,
                goldBucket,
                databaseName,
                workgroupName,
                bronzePrefix: args.bronzePrefix,
                zipMaxTotalBytes: args.zipMaxTotalBytes,
                zipMaxRatio: args.zipMaxRatio,
              }),
            ),
        },
      },
      { parent: this, dependsOn: [logGroup, rolePolicy] },
    );

    const queuePolicy = new aws.sqs.QueuePolicy(
      `${name}-queue-policy`,
      { queueUrl: this.queue.url, policy: pulumi.all([this.queue.arn, args.bronzeBucket.arn]).apply(([queue, bronze]) => landingQueuePolicyDocument(queue, bronze)) },
      childOpts,
    );
    // An explicit resource (not bucket.onObjectCreated) so that previews and tests see it.
    new aws.s3.BucketNotification(
      `${name}-bronze-notification`,
      {
        bucket: args.bronzeBucket.id,
        queues: LANDING_SUFFIXES.map((suffix) => ({
          id: `landing${suffix.replace(/\./g, '-')}`,
          queueArn: this.queue.arn,
          events: ['s3:ObjectCreated:*'],
          filterPrefix: args.bronzePrefix,
          filterSuffix: suffix,
        })),
      },
      { parent: this, dependsOn: [queuePolicy] },
    );
    new aws.lambda.EventSourceMapping(
      `${name}-queue-mapping`,
      {
        eventSourceArn: this.queue.arn,
        functionName: this.function.arn,
        batchSize: args.batchSize,
        // One failed file is retried alone; the others of the batch are deleted.
        functionResponseTypes: ['ReportBatchItemFailures'],
        // The lowest value AWS allows: fewer throttled deliveries against the reserved concurrency of 1.
        scalingConfig: { maximumConcurrency: 2 },
      },
      { parent: this, dependsOn: [rolePolicy] },
    );

    this.alarmTopic = new aws.sns.Topic(`${name}-alarms`, { name: `${args.namePrefix}-alarms` }, childOpts);
    if (args.alarmEmail) {
      new aws.sns.TopicSubscription(`${name}-alarms-email`, { topic: this.alarmTopic.arn, protocol: 'email', endpoint: args.alarmEmail }, childOpts);
    }
    new aws.cloudwatch.MetricAlarm(
      `${name}-dead-letter-alarm`,
      {
        name: `${args.namePrefix}-landings-dead-letters`,
        alarmDescription: 'A landing failed every retry and waits in the dead-letter queue',
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: this.deadLetterQueue.name },
        statistic: 'Maximum',
        ...alertOnAnyOccurrence(this.alarmTopic.arn),
      },
      childOpts,
    );
    new aws.cloudwatch.MetricAlarm(
      `${name}-errors-alarm`,
      {
        name: `${args.namePrefix}-cleaner-errors`,
        alarmDescription: 'The cleaner Lambda failed an invocation',
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: { FunctionName: this.function.name },
        statistic: 'Sum',
        ...alertOnAnyOccurrence(this.alarmTopic.arn),
      },
      childOpts,
    );

    this.registerOutputs({
      functionName: this.function.name,
      queueUrl: this.queue.url,
      deadLetterQueueUrl: this.deadLetterQueue.url,
      imageUri: this.image.imageUri,
      alarmTopicArn: this.alarmTopic.arn,
    });
  }
}
