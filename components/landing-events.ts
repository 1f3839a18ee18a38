// The landing trigger as AWS allows it: S3 → EventBridge → an SQS FIFO queue → the cleaner.
//
// - S3 cannot notify a FIFO queue directly: "Event notification types and destinations"
//   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html)
//   allows only standard SQS queues (and standard SNS topics) as destinations, not FIFO ones;
//   the SQS "FIFO compatibility" page warns the same of services that notify SQS. With
//   EventBridge enabled on the bucket, S3 sends every event to the default bus (https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html) and a
//   rule forwards the landings to the FIFO queue.
// - One message group for every landing: SQS delivers a group in order, one message at a time
//   ("Messages within the same message group are always processed one at a time, in strict
//   order", https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/using-messagegroupid-property.html),
//   and for a FIFO source Lambda's concurrency is at most the number of message groups
//   (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html). So there is one
//   gold writer at a time, in landing order, without reserved concurrency.
// - Deduplication: an EventBridge target that is a FIFO queue must have content-based
//   deduplication enabled (EventBridge API, Target.SqsParameters: "If you specify an SQS FIFO
//   queue as a target, the queue must have content-based deduplication enabled",
//   https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_SqsParameters.html). Each
//   event has its own id and time, so only a re-sent copy of the same event is dropped.

/** Suffixes that trigger the cleaner, matched in any case: plain, gzip (read by Athena) and zip (unpacked by the Lambda). */
export const LANDING_SUFFIXES = ['.dat', '.dat.gz', '.zip'] as const;
/** The one message group of every landing (defined beside the Lambda's environment names, which the image carries). */
export { LANDING_MESSAGE_GROUP } from '../handlers/aws/cleaner-environment.ts';

/** A FIFO queue's name must end in `.fifo`. */
export function fifoQueueName(base: string): string {
  const name = `${base}.fifo`;
  if (!/^[A-Za-z0-9_-]{1,75}\.fifo$/.test(name)) throw new Error(`'${name}' is not a valid FIFO queue name (1 to 80 characters, ending in .fifo)`);
  return name;
}

/**
 * The rule's event pattern: objects created in the bronze bucket whose key ends in a landing
 * suffix, in any case. The "Ends with (ignore case)" operator is
 * `{"suffix": {"equals-ignore-case": ".png"}}` ("Comparison operators for use in event
 * patterns", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html).
 * The values listed for one field are alternatives (OR): a pattern cannot require a prefix AND
 * a suffix of the same key (wildcard `landing/*.dat` would, but it is case-sensitive). So the
 * rule matches the suffix, and the bronze prefix is checked by the Lambda, which logs and skips
 * a key "outside the bronze prefix" (handlers/aws/sqs-landings.ts).
 */
export function landingEventPattern(bronzeBucket: string): Record<string, unknown> {
  return {
    source: ['aws.s3'],
    'detail-type': ['Object Created'],
    detail: {
      bucket: { name: [bronzeBucket] },
      object: { key: LANDING_SUFFIXES.map((suffix) => ({ suffix: { 'equals-ignore-case': suffix } })) },
    },
  };
}

/**
 * The queue policy letting only the landing rule send: EventBridge delivers to SQS under the
 * queue's resource-based policy, principal events.amazonaws.com, bounded by the rule's ARN
 * ("Using resource-based policies for Amazon EventBridge", Amazon SQS permissions,
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html).
 */
export function landingQueuePolicyDocument(queueArn: string, ruleArn: string): string {
  if (!/^arn:[^:]+:sqs:[^:]+:\d{12}:[^:]+$/.test(queueArn)) throw new Error(`'${queueArn}' is not an SQS queue ARN`);
  if (!/^arn:[^:]+:events:[^:]+:\d{12}:rule\/.+$/.test(ruleArn)) throw new Error(`'${ruleArn}' is not an EventBridge rule ARN`);
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'LandingRuleEvents',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
      },
    ],
  });
}
