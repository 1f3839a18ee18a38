// The cleaner's landing queue, its FIFO dead-letter queue, the S3 → EventBridge trigger that fills
// it and the event source mapping that drains it into the Lambda. The rules behind the trigger
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

/** The visibility timeout of the landing queue for a function timeout. */
export function visibilityTimeoutSeconds(functionTimeoutSeconds: number): number {
  const seconds = VISIBILITY_TIMEOUT_FACTOR * functionTimeoutSeconds;
  if (seconds > MAX_VISIBILITY_TIMEOUT_SECONDS) throw new Error(`visibility timeout ${seconds} s exceeds SQS's ${MAX_VISIBILITY_TIMEOUT_SECONDS} s`);
  return seconds;
}

export interface LandingQueues {
  queue: aws.sqs.Queue;
  deadLetterQueue: aws.sqs.Queue;
}

/** The FIFO landing queue and its FIFO dead-letter queue, children of `parent` (the Cleaner). */
export function createLandingQueues(parent: pulumi.Resource, args: { name: string; namePrefix: string; timeoutSeconds: number }): LandingQueues {
  const childOpts = { parent };
  // "A FIFO queue can only use a FIFO DLQ"
  // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue.html).
  const deadLetterQueue = new aws.sqs.Queue(
    `${args.name}-dead-letter-queue`,
    { name: fifoQueueName(`${args.namePrefix}-landings-dlq`), fifoQueue: true, messageRetentionSeconds: 14 * 24 * 3600, sqsManagedSseEnabled: true },
    childOpts,
  );
  const queue = new aws.sqs.Queue(
    `${args.name}-queue`,
    {
      name: fifoQueueName(`${args.namePrefix}-landings`),
      fifoQueue: true,
      // Required of a FIFO queue that is an EventBridge target (landing-events.ts).
      contentBasedDeduplication: true,
      visibilityTimeoutSeconds: visibilityTimeoutSeconds(args.timeoutSeconds),
      messageRetentionSeconds: 4 * 24 * 3600,
      // SQS-managed keys: EventBridge needs no KMS grant to send to the queue.
      sqsManagedSseEnabled: true,
      redrivePolicy: deadLetterQueue.arn.apply((deadLetterTargetArn) => JSON.stringify({ deadLetterTargetArn, maxReceiveCount: MAX_RECEIVE_COUNT })),
    },
    childOpts,
  );
  return { queue, deadLetterQueue };
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
