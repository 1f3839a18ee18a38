// The cleaner's landing queue, its FIFO dead-letter queue, the S3 → EventBridge trigger that fills
// it and the event source mapping that drains it into the Lambda (the turn keeper); and the
// silver workers' FIFO queue, its dead-letter queue and its mapping. The rules behind the trigger
// are in landing-events.ts. Every resource is a child of the Cleaner component under the name it
// always had (`${name}-...`), so moving its code here leaves every URN as it was.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { fifoQueueName, LANDING_MESSAGE_GROUP, landingEventPattern, landingQueuePolicyDocument } from './landing-events.ts';

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

/** 14 days, SQS's longest retention: a dead letter waits for the operator. */
const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;
/** 4 days (SQS's default): a backlog this old means the pipeline is down and alarmed long since. */
const QUEUE_RETENTION_SECONDS = 4 * 24 * 3600;

/** The visibility timeout of a queue feeding a function with this timeout. */
export function visibilityTimeoutSeconds(functionTimeoutSeconds: number): number {
  const seconds = VISIBILITY_TIMEOUT_FACTOR * functionTimeoutSeconds;
  if (seconds > MAX_VISIBILITY_TIMEOUT_SECONDS) throw new Error(`visibility timeout ${seconds} s exceeds SQS's ${MAX_VISIBILITY_TIMEOUT_SECONDS} s`);
  return seconds;
}

/** A FIFO queue and its FIFO dead-letter queue. */
export interface FifoQueuePair {
  queue: aws.sqs.Queue;
  deadLetterQueue: aws.sqs.Queue;
}

/**
 * A FIFO dead-letter queue, then the FIFO queue that redrives to it after MAX_RECEIVE_COUNT
 * receives; children of `parent` (the Cleaner). "A FIFO queue can only use a FIFO DLQ"
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue.html).
 */
function fifoQueueWithDeadLetters(
  parent: pulumi.Resource,
  args: { queueName: string; resourceName: string; deadLetterResourceName: string; timeoutSeconds: number; contentBasedDeduplication: boolean },
): FifoQueuePair {
  const childOpts = { parent };
  const deadLetterQueue = new aws.sqs.Queue(
    args.deadLetterResourceName,
    { name: fifoQueueName(`${args.queueName}-dlq`), fifoQueue: true, messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS, sqsManagedSseEnabled: true },
    childOpts,
  );
  const queue = new aws.sqs.Queue(
    args.resourceName,
    {
      name: fifoQueueName(args.queueName),
      fifoQueue: true,
      contentBasedDeduplication: args.contentBasedDeduplication,
      visibilityTimeoutSeconds: visibilityTimeoutSeconds(args.timeoutSeconds),
      messageRetentionSeconds: QUEUE_RETENTION_SECONDS,
      // SQS-managed keys: neither EventBridge nor the Lambda poller needs a KMS grant (kms:Decrypt
      // is only asked of a queue encrypted with a KMS key, services-sqs-configure.html).
      sqsManagedSseEnabled: true,
      redrivePolicy: deadLetterQueue.arn.apply((deadLetterTargetArn) => JSON.stringify({ deadLetterTargetArn, maxReceiveCount: MAX_RECEIVE_COUNT })),
    },
    childOpts,
  );
  return { queue, deadLetterQueue };
}

/** The FIFO landing queue and its FIFO dead-letter queue, children of `parent` (the Cleaner). */
export function createLandingQueues(parent: pulumi.Resource, args: { name: string; namePrefix: string; timeoutSeconds: number }): FifoQueuePair {
  return fifoQueueWithDeadLetters(parent, {
    queueName: `${args.namePrefix}-landings`,
    resourceName: `${args.name}-queue`,
    deadLetterResourceName: `${args.name}-dead-letter-queue`,
    timeoutSeconds: args.timeoutSeconds,
    // Required of a FIFO queue that is an EventBridge target (landing-events.ts).
    contentBasedDeduplication: true,
  });
}

/**
 * The silver workers' FIFO queue and its FIFO dead-letter queue, children of `parent` (the
 * Cleaner). One message group per batch (the turn keeper sends MessageGroupId = batchId): SQS
 * never hands one group's message to two consumers at once, so a batch is never prepared twice
 * concurrently while different batches run in parallel. No content-based deduplication: the
 * sender names each message (MessageDeduplicationId = batchId), so a re-sent prepare message of
 * the same batch within SQS's 5-minute deduplication interval is dropped whatever its body
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-key-terms.html).
 * Visibility is six times the worker's timeout, as for the landing queue.
 */
export function createSilverQueues(parent: pulumi.Resource, args: { name: string; namePrefix: string; timeoutSeconds: number }): FifoQueuePair {
  return fifoQueueWithDeadLetters(parent, {
    queueName: `${args.namePrefix}-silver`,
    resourceName: `${args.name}-silver-queue`,
    deadLetterResourceName: `${args.name}-silver-dead-letter-queue`,
    timeoutSeconds: args.timeoutSeconds,
    contentBasedDeduplication: false,
  });
}

/** S3 → EventBridge → the landing queue, children of `parent` (the Cleaner); returns the rule. */
export function createLandingTrigger(
  parent: pulumi.Resource,
  args: { name: string; namePrefix: string; bronzeBucket: aws.s3.Bucket; queue: aws.sqs.Queue },
): aws.cloudwatch.EventRule {
  const childOpts = { parent };
  // With `eventbridge: true` the bucket sends all its events to the default bus; the rule below
  // picks the landings. (An explicit resource, not bucket.onObjectCreated, so that previews and
  // tests see it.)
  new aws.s3.BucketNotification(`${args.name}-bronze-notification`, { bucket: args.bronzeBucket.id, eventbridge: true }, childOpts);
  const rule = new aws.cloudwatch.EventRule(
    `${args.name}-landing-rule`,
    {
      name: `${args.namePrefix}-landings`,
      description: 'Objects created in the bronze bucket with a .dat, .dat.gz or .zip key, in any case',
      eventPattern: args.bronzeBucket.bucket.apply((bucket) => JSON.stringify(landingEventPattern(bucket))),
    },
    childOpts,
  );
  const queuePolicy = new aws.sqs.QueuePolicy(
    `${args.name}-queue-policy`,
    { queueUrl: args.queue.url, policy: pulumi.all([args.queue.arn, rule.arn]).apply(([queue, ruleArn]) => landingQueuePolicyDocument(queue, ruleArn)) },
    childOpts,
  );
  new aws.cloudwatch.EventTarget(
    `${args.name}-landing-target`,
    {
      rule: rule.name,
      targetId: 'landings-fifo-queue',
      arn: args.queue.arn,
      sqsTarget: { messageGroupId: LANDING_MESSAGE_GROUP },
    },
    { parent, dependsOn: [queuePolicy] },
  );
  return rule;
}

/** The landing queue → Lambda mapping, a child of `parent` (the Cleaner), after the role's policy. */
export function createQueueMapping(
  parent: pulumi.Resource,
  args: { name: string; queue: aws.sqs.Queue; function: aws.lambda.Function; batchSize: number; rolePolicy: aws.iam.RolePolicy },
): aws.lambda.EventSourceMapping {
  return new aws.lambda.EventSourceMapping(
    `${args.name}-queue-mapping`,
    {
      eventSourceArn: args.queue.arn,
      functionName: args.function.arn,
      // The messages of one invocation are one group: their files run at once and one gold
      // statement commits them (handlers/core/process-group.ts). "For FIFO queues, the maximum
      // is 10" (Lambda DG, services-sqs-parameters.html, BatchSize); the stack default is 10.
      batchSize: args.batchSize,
      // A failed file and every later message are retried (FIFO); the earlier ones are deleted.
      functionResponseTypes: ['ReportBatchItemFailures'],
    },
    { parent, dependsOn: [args.rolePolicy] },
  );
}

/**
 * The silver queue → silver worker mapping, a child of `parent` (the Cleaner), after the role's
 * policy. One message per invocation: a worker prepares one batch and reports it alone. The
 * mapping's maximum concurrency bounds the workers (stack-config.ts keeps them under Athena's DML
 * quota); "For FIFO queues, concurrent invocations are capped either by the number of message
 * group IDs (messageGroupId) or the maximum concurrency setting—whichever is lower"
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html), and each batch is its
 * own group. No reserved concurrency: the mapping does not see it (header of cleaner.ts).
 */
export function createSilverMapping(
  parent: pulumi.Resource,
  args: { name: string; queue: aws.sqs.Queue; function: aws.lambda.Function; maximumConcurrency: number; rolePolicy: aws.iam.RolePolicy },
): aws.lambda.EventSourceMapping {
  return new aws.lambda.EventSourceMapping(
    `${args.name}-silver-queue-mapping`,
    {
      eventSourceArn: args.queue.arn,
      functionName: args.function.arn,
      batchSize: 1,
      // The worker reports its one failed message (the handler's batchItemFailures).
      functionResponseTypes: ['ReportBatchItemFailures'],
      scalingConfig: { maximumConcurrency: args.maximumConcurrency },
    },
    { parent, dependsOn: [args.rolePolicy] },
  );
}
