// The cleaner: its container image, the Lambda that orchestrates Athena (the turn keeper), its IAM
// role, and the S3 → EventBridge → SQS FIFO (with a FIFO dead-letter queue) → Lambda trigger, plus
// a log group and alarms; and, unless the stack sets silverWorkers to 0, the silver workers: a
// second FIFO queue (one message group per batch) and a second function from the same image
// that prepares one batch per invocation while the turn keeper takes the gold turns in landing
// order. This class is the wiring; each concern is its own file: the IAM statements in
// cleaner-policy.ts, the Lambda environment in cleaner-environment.ts, the queues, trigger and
// mapping in cleaner-queue.ts (their rules in landing-events.ts), the alarms in cleaner-alarms.ts.
//
// URNs: every resource those files create is still a child of this component (`{ parent }` the
// Cleaner), with the same name and type as when it was created here, so its URN is unchanged
// and no alias is needed. Keep it so: renaming or re-parenting a child needs an `aliases` entry.
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
import { createCleanerAlarms } from './cleaner-alarms.ts';
import { cleanerEnvironment } from './cleaner-environment.ts';
import { cleanerPolicyDocument } from './cleaner-policy.ts';
import { createLandingQueues, createLandingTrigger, createQueueMapping, createSilverMapping, createSilverQueues, MAX_RECEIVE_COUNT } from './cleaner-queue.ts';

/**
 * The image's CMD is the turn keeper (`index.handler`, lambda/Dockerfile); the workers run the same
 * bundle's other export. ImageConfig holds "configuration values that override the container
 * image Dockerfile settings", its Command the CMD (https://docs.aws.amazon.com/lambda/latest/dg/API_ImageConfig.html).
 */
export const SILVER_WORKER_COMMAND = ['index.silverHandler'];

/** The role's name: IAM names are global to the account, so the region keeps two regions' stacks apart. */
export function roleName(namePrefix: string, region: string): string {
  const name = `${namePrefix}-cleaner-${region}`;
  if (name.length > 64) throw new Error(`IAM role name '${name}' is ${name.length} characters; IAM allows 64`);
  return name;
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
  /** The most landed bytes one gold turn takes (stack-config.ts turnMaxBytes). */
  groupMaxBytes: number;
  /** The dedupe horizon in days (procureflow:dedupeHorizonDays); 0 or none = off. */
  dedupeHorizonDays?: number;
  /** Silver workers at once (procureflow:silverWorkers); 0 = no silver queue, no worker: inline groups. */
  silverWorkers: number;
  alarmEmail?: string;
  /** Build context of the image (the repository root) and its Dockerfile. */
  dockerContext: string;
  dockerfile: string;
}

export class Cleaner extends pulumi.ComponentResource {
  readonly repository: aws.ecr.Repository;
  readonly image: awsx.ecr.Image;
  readonly function: aws.lambda.Function;
  readonly queue: aws.sqs.Queue;
  readonly deadLetterQueue: aws.sqs.Queue;
  readonly landingRule: aws.cloudwatch.EventRule;
  readonly alarmTopic: aws.sns.Topic;
  /** The silver workers' queue, dead-letter queue and function; undefined when silverWorkers is 0. */
  readonly silverQueue: aws.sqs.Queue | undefined;
  readonly silverDeadLetterQueue: aws.sqs.Queue | undefined;
  readonly silverFunction: aws.lambda.Function | undefined;

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

    const queues = createLandingQueues(this, { name, namePrefix: args.namePrefix, timeoutSeconds: args.timeoutSeconds });
    this.deadLetterQueue = queues.deadLetterQueue;
    this.queue = queues.queue;

    // The workers run with the turn keeper's timeout: one file's silver can take as long as a
    // group's, and the silver queue's visibility follows it.
    const workerName = `${args.namePrefix}-silver-worker`;
    const silverQueues = args.silverWorkers > 0 ? createSilverQueues(this, { name, namePrefix: args.namePrefix, timeoutSeconds: args.timeoutSeconds }) : undefined;
    this.silverQueue = silverQueues?.queue;
    this.silverDeadLetterQueue = silverQueues?.deadLetterQueue;
    const workerLogGroup = silverQueues
      ? new aws.cloudwatch.LogGroup(`${name}-silver-log-group`, { name: `/aws/lambda/${workerName}`, retentionInDays: args.logRetentionDays }, childOpts)
      : undefined;

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
            pulumi.all([args.bronzeBucket.arn, args.silverBucket.arn, args.goldBucket.arn, args.athenaResultsBucket.arn]),
            args.database.arn,
            args.pipelineWorkgroup.arn,
            this.queue.arn,
            logGroup.arn,
            // The workers' queue and log group, or undefined: a stack without workers.
            silverQueues && workerLogGroup
              ? pulumi.all([silverQueues.queue.arn, workerLogGroup.arn]).apply(([queueArn, logGroupArn]) => ({ queueArn, logGroupArn }))
              : pulumi.output(undefined),
          ])
          .apply(([[bronze, silver, gold, results], database, workgroup, queue, logs, workers]) =>
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
              ...(workers ? { silver: workers } : {}),
            }),
          ),
      },
      childOpts,
    );

    // One environment for both functions (cleaner-environment.ts).
    const environment = pulumi
      .all([
        args.bronzeBucket.bucket,
        args.silverBucket.bucket,
        args.goldBucket.bucket,
        args.database.name,
        args.pipelineWorkgroup.name,
        this.queue.url,
        pulumi.output(this.silverQueue?.url),
      ])
      .apply(([bronzeBucket, silverBucket, goldBucket, databaseName, pipelineWorkgroupName, landingQueueUrl, silverQueueUrl]) =>
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
          groupMaxBytes: args.groupMaxBytes,
          dedupeHorizonDays: args.dedupeHorizonDays ?? 0,
          landingQueueUrl,
          ...(silverQueueUrl === undefined ? {} : { silverQueueUrl }),
          silverMaxReceives: MAX_RECEIVE_COUNT,
        }),
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
        environment: { variables: environment },
      },
      { parent: this, dependsOn: [logGroup, rolePolicy] },
    );

    this.landingRule = createLandingTrigger(this, { name, namePrefix: args.namePrefix, bronzeBucket: args.bronzeBucket, queue: this.queue });
    createQueueMapping(this, { name, queue: this.queue, function: this.function, batchSize: args.batchSize, rolePolicy });

    this.silverFunction =
      silverQueues && workerLogGroup
        ? new aws.lambda.Function(
            `${name}-silver-function`,
            {
              name: workerName,
              description: "Prepares one landed .dat (landing, silver, rejects, its figures) for the turn keeper's gold turn",
              packageType: 'Image',
              imageUri: this.image.imageUri,
              imageConfig: { commands: SILVER_WORKER_COMMAND },
              architectures: ['x86_64'],
              role: role.arn,
              // The turn keeper's memory: the Lambda bench's 91 MB peak (README "Performance") was
              // measured on the whole handler, not a worker alone, so 128 MB is not shown safe.
              memorySize: args.memoryMb,
              timeout: args.timeoutSeconds,
              // No ephemeralStorage: only the turn keeper downloads a zip to /tmp (handle-landings.ts),
              // so the workers keep Lambda's default 512 MB.
              environment: { variables: environment },
            },
            { parent: this, dependsOn: [workerLogGroup, rolePolicy] },
          )
        : undefined;
    if (silverQueues && this.silverFunction) {
      createSilverMapping(this, { name, queue: silverQueues.queue, function: this.silverFunction, maximumConcurrency: args.silverWorkers, rolePolicy });
    }

    this.alarmTopic = createCleanerAlarms(this, {
      name,
      namePrefix: args.namePrefix,
      alarmEmail: args.alarmEmail,
      deadLetterQueue: this.deadLetterQueue,
      function: this.function,
      ...(this.silverDeadLetterQueue && this.silverFunction ? { silver: { deadLetterQueue: this.silverDeadLetterQueue, function: this.silverFunction } } : {}),
    });

    this.registerOutputs({
      functionName: this.function.name,
      queueUrl: this.queue.url,
      deadLetterQueueUrl: this.deadLetterQueue.url,
      imageUri: this.image.imageUri,
      alarmTopicArn: this.alarmTopic.arn,
      silverQueueUrl: this.silverQueue?.url,
      silverFunctionName: this.silverFunction?.name,
    });
  }
}
