// The cleaner: its container image, the Lambda that orchestrates Athena, its IAM role, and the
// S3 → EventBridge → SQS FIFO (with a FIFO dead-letter queue) → Lambda trigger, plus a log group
// and alarms. The IAM statements live in cleaner-policy.ts, the trigger's rules in
// landing-events.ts.
//
// One gold writer at a time comes from the FIFO queue's single message group, not from reserved
// concurrency: an event source mapping does not account for reserved concurrency and can take
// more messages off the queue than the function may run, so throttled batches go back to the
// queue and count toward maxReceiveCount ("Event source mappings don't account for reserved
// concurrency", https://repost.aws/knowledge-center/lambda-sqs-scaling; "Don't set maximum
// concurrency higher than the function's reserved concurrency",
// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html). With a FIFO source
// Lambda invokes at most one batch per message group at a time (same pages), so neither
// reservedConcurrentExecutions nor the mapping's maximumConcurrency is set.
import * as aws from '@pulumi/aws';
import * as awsx from '@pulumi/awsx';
import * as pulumi from '@pulumi/pulumi';
import { CLEANER_DEFAULTS, CLEANER_ENV } from '../handlers/aws/cleaner-environment.ts';
import { cleanerPolicyDocument } from './cleaner-policy.ts';
import { fifoQueueName, LANDING_MESSAGE_GROUP, landingEventPattern, landingQueuePolicyDocument } from './landing-events.ts';

export const METRICS_NAMESPACE = 'ProcureFlow';
export const SERVICE_NAME = 'procureflow-cleaner';
/** The count of landings the cleaner refused (too large, unreadable name, ...), in METRICS_NAMESPACE. */
export const LANDINGS_REFUSED_METRIC = 'LandingsRefused';
/** Powertools Metrics adds the service name as the `service` dimension of every metric. */
export const METRICS_SERVICE_DIMENSION = 'service';
/**
 * Receives before a message goes to the dead-letter queue. A long batch legitimately takes more
 * than one delivery: at the timeout its running statement is left running and the next delivery
 * re-attaches to it (handlers/aws/athena-engine.ts). Five follows the common SQS/Lambda advice;
 * with no reserved concurrency a throttle no longer eats into it.
 */
export const MAX_RECEIVE_COUNT = 5;
/**
 * "Set the source queue's visibility timeout to at least six times the configuration timeout on
 * your function" (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
 * The same holds for a FIFO queue; there an in-flight message also holds back its group
 * (https://repost.aws/knowledge-center/sqs-fifo-messages-not-returned).
 */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
/** SQS allows a visibility timeout of at most 12 hours. */
export const MAX_VISIBILITY_TIMEOUT_SECONDS = 12 * 3600;

/** The role's name: IAM names are global to the account, so the region keeps two regions' stacks apart. */
export function roleName(namePrefix: string, region: string): string {
  const name = `${namePrefix}-cleaner-${region}`;
  if (name.length > 64) throw new Error(`IAM role name '${name}' is ${name.length} characters; IAM allows 64`);
  return name;
}

/** The visibility timeout of the landing queue for a function timeout. */
export function visibilityTimeoutSeconds(functionTimeoutSeconds: number): number {
  const seconds = VISIBILITY_TIMEOUT_FACTOR * functionTimeoutSeconds;
  if (seconds > MAX_VISIBILITY_TIMEOUT_SECONDS) throw new Error(`visibility timeout ${seconds} s exceeds SQS's ${MAX_VISIBILITY_TIMEOUT_SECONDS} s`);
  return seconds;
}

export interface CleanerEnvironmentArgs {
  bronzeBucket: string;
  silverBucket: string;
  goldBucket: string;
  databaseName: string;
  pipelineWorkgroupName: string;
  bronzePrefix: string;
  zipMaxTotalBytes: number;
  zipMaxRatio: number;
  landingMaxBytes: number;
  /** Files of one invocation at once (default CLEANER_DEFAULTS.parallelFiles). */
  parallelFiles?: number;
  /** Landed bytes one invocation takes (default CLEANER_DEFAULTS.groupMaxBytes). */
  groupMaxBytes?: number;
}

/** The environment variables the cleaner's entry reads, under the names of CLEANER_ENV. */
export function cleanerEnvironment(args: CleanerEnvironmentArgs): Record<string, string> {
  return {
    [CLEANER_ENV.bronzeBucket]: args.bronzeBucket,
    [CLEANER_ENV.silverBucket]: args.silverBucket,
    [CLEANER_ENV.goldBucket]: args.goldBucket,
    [CLEANER_ENV.database]: args.databaseName,
    [CLEANER_ENV.workGroup]: args.pipelineWorkgroupName,
    [CLEANER_ENV.bronzePrefix]: args.bronzePrefix,
    [CLEANER_ENV.sqlDir]: '/var/task/sql',
    [CLEANER_ENV.zipMaxTotalBytes]: String(args.zipMaxTotalBytes),
    [CLEANER_ENV.zipMaxRatio]: String(args.zipMaxRatio),
    [CLEANER_ENV.landingMaxBytes]: String(args.landingMaxBytes),
    [CLEANER_ENV.parallelFiles]: String(args.parallelFiles ?? CLEANER_DEFAULTS.parallelFiles),
    [CLEANER_ENV.groupMaxBytes]: String(args.groupMaxBytes ?? CLEANER_DEFAULTS.groupMaxBytes),
    // Powertools' own variables.
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: 'INFO',
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
  /** The deploying region: part of the role's name. */
  region: pulumi.Input<string>;
  bronzeBucket: aws.s3.Bucket;
  silverBucket: aws.s3.Bucket;
  goldBucket: aws.s3.Bucket;
  athenaResultsBucket: aws.s3.Bucket;
  database: aws.glue.CatalogDatabase;
  /** The pipeline's workgroup: the only one the cleaner may use. */
  pipelineWorkgroup: aws.athena.Workgroup;
  bronzePrefix: string;
  memoryMb: number;
  timeoutSeconds: number;
  ephemeralStorageMb: number;
  batchSize: number;
  logRetentionDays: number;
  forceDestroy: boolean;
  zipMaxTotalBytes: number;
  zipMaxRatio: number;
  landingMaxBytes: number;
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
  readonly landingRule: aws.cloudwatch.EventRule;
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

    // "A FIFO queue can only use a FIFO DLQ"
    // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue.html).
    this.deadLetterQueue = new aws.sqs.Queue(
      `${name}-dead-letter-queue`,
      { name: fifoQueueName(`${args.namePrefix}-landings-dlq`), fifoQueue: true, messageRetentionSeconds: 14 * 24 * 3600, sqsManagedSseEnabled: true },
      childOpts,
    );
    this.queue = new aws.sqs.Queue(
      `${name}-queue`,
      {
        name: fifoQueueName(`${args.namePrefix}-landings`),
        fifoQueue: true,
        // Required of a FIFO queue that is an EventBridge target (landing-events.ts).
        contentBasedDeduplication: true,
        visibilityTimeoutSeconds: visibilityTimeoutSeconds(args.timeoutSeconds),
        messageRetentionSeconds: 4 * 24 * 3600,
        // SQS-managed keys: EventBridge needs no KMS grant to send to the queue.
        sqsManagedSseEnabled: true,
        redrivePolicy: this.deadLetterQueue.arn.apply((deadLetterTargetArn) => JSON.stringify({ deadLetterTargetArn, maxReceiveCount: MAX_RECEIVE_COUNT })),
      },
      childOpts,
    );

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: pulumi.output(args.region).apply((region) => roleName(args.namePrefix, region)),
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
            args.pipelineWorkgroup.arn,
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
              pipelineWorkgroupArn: workgroup,
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
        environment: {
          variables: pulumi
            .all([args.bronzeBucket.bucket, args.silverBucket.bucket, args.goldBucket.bucket, args.database.name, args.pipelineWorkgroup.name])
            .apply(([bronzeBucket, silverBucket, goldBucket, databaseName, pipelineWorkgroupName]) =>
              cleanerEnvironment({
                bronzeBucket,
                silverBucket,
                goldBucket,
                databaseName,
                pipelineWorkgroupName,
                bronzePrefix: args.bronzePrefix,
                zipMaxTotalBytes: args.zipMaxTotalBytes,
                zipMaxRatio: args.zipMaxRatio,
                landingMaxBytes: args.landingMaxBytes,
              }),
            ),
        },
      },
      { parent: this, dependsOn: [logGroup, rolePolicy] },
    );

    // S3 → EventBridge: with `eventbridge: true` the bucket sends all its events to the default
    // bus; the rule below picks the landings. (An explicit resource, not bucket.onObjectCreated,
    // so that previews and tests see it.)
    new aws.s3.BucketNotification(`${name}-bronze-notification`, { bucket: args.bronzeBucket.id, eventbridge: true }, childOpts);
    this.landingRule = new aws.cloudwatch.EventRule(
      `${name}-landing-rule`,
      {
        name: `${args.namePrefix}-landings`,
        description: 'Objects created in the bronze bucket with a .dat, .dat.gz or .zip key, in any case',
        eventPattern: args.bronzeBucket.bucket.apply((bucket) => JSON.stringify(landingEventPattern(bucket))),
      },
      childOpts,
    );
    const queuePolicy = new aws.sqs.QueuePolicy(
      `${name}-queue-policy`,
      { queueUrl: this.queue.url, policy: pulumi.all([this.queue.arn, this.landingRule.arn]).apply(([queue, rule]) => landingQueuePolicyDocument(queue, rule)) },
      childOpts,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-landing-target`,
      {
        rule: this.landingRule.name,
        targetId: 'landings-fifo-queue',
        arn: this.queue.arn,
        sqsTarget: { messageGroupId: LANDING_MESSAGE_GROUP },
      },
      { parent: this, dependsOn: [queuePolicy] },
    );
    new aws.lambda.EventSourceMapping(
      `${name}-queue-mapping`,
      {
        eventSourceArn: this.queue.arn,
        functionName: this.function.arn,
        // The messages of one invocation are one group: their files run at once and one gold
        // statement commits them (handlers/core/process-group.ts). "For FIFO queues, the maximum
        // is 10" (Lambda DG, services-sqs-parameters.html, BatchSize); the stack default is 10.
        batchSize: args.batchSize,
        // A failed file and every later message are retried (FIFO); the earlier ones are deleted.
        functionResponseTypes: ['ReportBatchItemFailures'],
      },
      { parent: this, dependsOn: [rolePolicy] },
    );

    this.alarmTopic = new aws.sns.Topic(`${name}-alarms`, { name: `${args.namePrefix}-alarms` }, childOpts);
    if (args.alarmEmail) {
      new aws.sns.TopicSubscription(`${name}-alarms-email`, { topic: this.alarmTopic.arn, protocol: 'email', endpoint: args.alarmEmail }, childOpts);
    }
    const alarm = (suffix: string, inputs: Omit<aws.cloudwatch.MetricAlarmArgs, 'comparisonOperator' | 'evaluationPeriods'>) =>
      new aws.cloudwatch.MetricAlarm(`${name}-${suffix}-alarm`, { ...inputs, ...alertOnAnyOccurrence(this.alarmTopic.arn) }, childOpts);
    alarm('dead-letter', {
      name: `${args.namePrefix}-landings-dead-letters`,
      alarmDescription: 'A landing failed every retry and waits in the dead-letter queue',
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: this.deadLetterQueue.name },
      statistic: 'Maximum',
    });
    alarm('errors', {
      name: `${args.namePrefix}-cleaner-errors`,
      alarmDescription: 'The cleaner Lambda failed an invocation',
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: this.function.name },
      statistic: 'Sum',
    });
    alarm('throttles', {
      name: `${args.namePrefix}-cleaner-throttles`,
      alarmDescription: 'The cleaner Lambda was throttled (account concurrency exhausted): landings wait',
      namespace: 'AWS/Lambda',
      metricName: 'Throttles',
      dimensions: { FunctionName: this.function.name },
      statistic: 'Sum',
    });
    alarm('landings-refused', {
      name: `${args.namePrefix}-landings-refused`,
      alarmDescription: 'The cleaner refused a landing (the reason is in its log)',
      namespace: METRICS_NAMESPACE,
      metricName: LANDINGS_REFUSED_METRIC,
      dimensions: { [METRICS_SERVICE_DIMENSION]: SERVICE_NAME },
      statistic: 'Sum',
    });

    this.registerOutputs({
      functionName: this.function.name,
      queueUrl: this.queue.url,
      deadLetterQueueUrl: this.deadLetterQueue.url,
      imageUri: this.image.imageUri,
      alarmTopicArn: this.alarmTopic.arn,
    });
  }
}
