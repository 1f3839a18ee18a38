// The fake's SQS: FIFO queues addressed by URL, answering SendMessage and SendMessageBatch with
// SQS's refusals, and handing received messages to a Lambda as the event source mapping does
// (the real Lambda SQS record shape). Storage, groups, deduplication and visibility are
// FakeFifoQueue's (event-routing.ts); this file is the API's rules. Rule (n) in docs/aws-behaviour.md.
import {
  BatchEntryIdsNotDistinct,
  BatchRequestTooLong,
  EmptyBatchRequest,
  QueueDoesNotExist,
  type SendMessageBatchCommandInput,
  type SendMessageBatchCommandOutput,
  type SendMessageCommandInput,
  type SendMessageCommandOutput,
  SQSServiceException,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { FakeFifoQueue, type FifoMessage } from './event-routing.ts';

export const SQS_REGION = 'us-east-1';
export const SQS_ACCOUNT = '123456789012';

/** A queue's URL as SQS gives it (CreateQueue/GetQueueUrl): https://sqs.<region>.amazonaws.com/<account>/<name>. */
export const queueUrlOf = (name: string): string => `https://sqs.${SQS_REGION}.amazonaws.com/${SQS_ACCOUNT}/${name}`;
/** A queue's ARN, the eventSourceARN of its Lambda records. */
export const queueArnOf = (name: string): string => `arn:aws:sqs:${SQS_REGION}:${SQS_ACCOUNT}:${name}`;

/**
 * "The maximum allowed individual message size and the maximum total payload size (the sum of the
 * individual lengths of all of the batched messages) are both 1 MiB 1,048,576 bytes"
 * (SendMessageBatch, SQS API reference; SendMessage MessageBody: "The maximum size is 1 MiB or
 * 1,048,576 bytes"; raised from 256 KiB in 2025, the older pages still say 262,144).
 */
export const MAX_PAYLOAD_BYTES = 1_048_576;
/** "You can use SendMessageBatch to send up to 10 messages" (SendMessageBatch; TooManyEntriesInBatchRequest). */
export const MAX_BATCH_ENTRIES = 10;

const meta = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'fake-sqs', attempts: 1, totalRetryDelay: 0 });

/** An SQS error the SDK has no class for: SQSServiceException with the service's code as its name. */
function sqsError(name: string, message: string): SQSServiceException {
  return new SQSServiceException({ name, $fault: 'client', message, $metadata: meta(400) });
}

export interface FakeQueueOptions {
  /** The queue attribute ContentBasedDeduplication (default false). */
  contentBasedDeduplication?: boolean;
}

interface Entry {
  MessageBody?: string;
  DelaySeconds?: number;
  MessageDeduplicationId?: string;
  MessageGroupId?: string;
}

export class FakeSqs {
  private readonly queues = new Map<string, { queue: FakeFifoQueue; contentBasedDeduplication: boolean }>();
  /** Every accepted send, in order: [queue name, MessageGroupId, body] (tests read what was sent). */
  readonly sent: Array<{ queue: string; groupId: string; deduplicationId: string; body: string }> = [];
  /** Called after every accepted send (a model's pollers wake on it, as a long poll returns early). */
  private readonly listeners: Array<(queue: string) => void> = [];

  constructor(private readonly now: () => number = () => Date.now()) {}

  createQueue(name: string, options: FakeQueueOptions = {}): FakeFifoQueue {
    const queue = new FakeFifoQueue(name, this.now);
    this.queues.set(queueUrlOf(name), { queue, contentBasedDeduplication: options.contentBasedDeduplication ?? false });
    return queue;
  }

  /** Calls `listener(queueName)` after every accepted, not duplicate, send. */
  onSent(listener: (queue: string) => void): void {
    this.listeners.push(listener);
  }

  queue(name: string): FakeFifoQueue {
    return this.resolve(queueUrlOf(name)).queue;
  }

  /**
   * QueueDoesNotExist: "Ensure that the QueueUrl is correct and that the queue has not been
   * deleted" (SQS API reference, SendMessage errors); its query-protocol code is
   * AWS.SimpleQueueService.NonExistentQueue ("The specified queue does not exist for this wsdl
   * version.", aws/aws-sdk-java#43, softwaremill/elasticmq#825), which the SDK keeps as `Code`.
   */
  private resolve(url: string | undefined) {
    const found = this.queues.get(url ?? '');
    if (!found) {
      throw Object.assign(new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: meta(400) }), {
        Code: 'AWS.SimpleQueueService.NonExistentQueue',
      });
    }
    return found;
  }

  /**
   * One message's checks on a FIFO queue, in the order SQS reports them:
   * - MessageGroupId: "You must associate a non-empty MessageGroupId with a message. If you don't
   *   provide a MessageGroupId, the action fails" (SendMessage, SQS API reference) — code
   *   MissingParameter, "The request must contain the parameter MessageGroupId."
   *   (aws/aws-sdk-js-v3#5031; the same for SendMessageBatch entries, getmoto/moto#4009);
   * - MessageDeduplicationId: "If you don't provide a MessageDeduplicationId and the queue doesn't
   *   have ContentBasedDeduplication set, the action fails with an error" (SendMessage) — code
   *   InvalidParameterValue, "The queue should either have ContentBasedDeduplication enabled or
   *   MessageDeduplicationId provided explicitly" (awslabs/amazon-sqs-java-messaging-lib#97);
   *   with ContentBasedDeduplication "Amazon SQS uses a SHA-256 hash to generate the
   *   MessageDeduplicationId using the body of the message", and an explicit id overrides it;
   * - DelaySeconds: "When you set FifoQueue, you can't set DelaySeconds per message. You can set
   *   this parameter only on a queue level" (SendMessage, SendMessageBatchRequestEntry) — code
   *   InvalidParameterValue, "Value 5 for parameter DelaySeconds is invalid. Reason: The request
   *   include parameter that is not valid for this queue type."; 0 is accepted
   *   (localstack/localstack#6612, fixed by #6633; softwaremill/elasticmq#273);
   * - the body: "The minimum size is one character. The maximum size is 1 MiB" (SendMessage MessageBody).
   */
  private checked(entry: Entry, contentBasedDeduplication: boolean): { body: string; groupId: string; deduplicationId: string } {
    const body = entry.MessageBody ?? '';
    if (!entry.MessageGroupId) throw sqsError('MissingParameter', 'The request must contain the parameter MessageGroupId.');
    if (!entry.MessageDeduplicationId && !contentBasedDeduplication) {
      throw sqsError('InvalidParameterValue', 'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
    }
    if (entry.DelaySeconds !== undefined && entry.DelaySeconds !== 0) {
      throw sqsError('InvalidParameterValue', `Value ${entry.DelaySeconds} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`);
    }
    if (body.length === 0) throw sqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
    if (Buffer.byteLength(body) > MAX_PAYLOAD_BYTES) {
      throw sqsError('InvalidParameterValue', `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_PAYLOAD_BYTES} bytes.`);
    }
    const deduplicationId = entry.MessageDeduplicationId ?? createHash('sha256').update(body).digest('hex');
    return { body, groupId: entry.MessageGroupId, deduplicationId };
  }

  private enqueue(name: string, queue: FakeFifoQueue, message: { body: string; groupId: string; deduplicationId: string }) {
    const sent = queue.send(message);
    if (!sent.duplicate) {
      this.sent.push({ queue: name, ...message });
      for (const listener of this.listeners) listener(name);
    }
    return { MessageId: sent.messageId, MD5OfMessageBody: createHash('md5').update(message.body).digest('hex'), SequenceNumber: sent.sequenceNumber };
  }

  sendMessage(input: SendMessageCommandInput): Omit<SendMessageCommandOutput, '$metadata'> {
    const { queue, contentBasedDeduplication } = this.resolve(input.QueueUrl);
    return this.enqueue(queue.name, queue, this.checked(input, contentBasedDeduplication));
  }

  /**
   * SendMessageBatch: EmptyBatchRequest with no entries; TooManyEntriesInBatchRequest past 10
   * ("the maximum number of entries you can include in a single SendMessageBatch … request is
   * 10"); BatchEntryIdsNotDistinct ("Two or more batch entries in the request have the same Id");
   * BatchRequestTooLong ("The length of all the messages put together is more than the limit",
   * 1 MiB, see MAX_PAYLOAD_BYTES). All of them refuse the whole request before any entry is sent;
   * then "For a FIFO queue, multiple messages within a single batch are enqueued in the order they
   * are sent" (SendMessageBatch, SQS API reference).
   */
  sendMessageBatch(input: SendMessageBatchCommandInput): Omit<SendMessageBatchCommandOutput, '$metadata'> {
    const { queue, contentBasedDeduplication } = this.resolve(input.QueueUrl);
    const entries = input.Entries ?? [];
    if (entries.length === 0) throw new EmptyBatchRequest({ message: 'There should be at least one SendMessageBatchRequestEntry in the request.', $metadata: meta(400) });
    if (entries.length > MAX_BATCH_ENTRIES) {
      throw new TooManyEntriesInBatchRequest({ message: `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`, $metadata: meta(400) });
    }
    const ids = entries.map((entry) => entry.Id);
    const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
    if (repeated !== undefined) throw new BatchEntryIdsNotDistinct({ message: `Id ${repeated} repeated.`, $metadata: meta(400) });
    const total = entries.reduce((sum, entry) => sum + Buffer.byteLength(entry.MessageBody ?? ''), 0);
    if (total > MAX_PAYLOAD_BYTES) {
      throw new BatchRequestTooLong({ message: `Batch requests cannot be longer than ${MAX_PAYLOAD_BYTES} bytes. You have sent ${total} bytes.`, $metadata: meta(400) });
    }
    const messages = entries.map((entry) => this.checked(entry, contentBasedDeduplication));
    return {
      Successful: messages.map((message, index) => ({ Id: ids[index] as string, ...this.enqueue(queue.name, queue, message) }) as { Id: string; MessageId: string; MD5OfMessageBody: string; SequenceNumber: string }),
      Failed: [],
    };
  }

  /**
   * The Lambda event of one event-source-mapping poll of `name`: up to `max` messages, in the
   * record shape Lambda gives (Lambda DG "Using Lambda with Amazon SQS", example FIFO event:
   * attributes ApproximateReceiveCount, SentTimestamp, SequenceNumber, MessageGroupId,
   * SenderId, MessageDeduplicationId, ApproximateFirstReceiveTimestamp; eventSourceARN the queue's).
   */
  receiveRecords(name: string, max = 10): SQSRecord[] {
    return this.queue(name)
      .receive(max)
      .map((message) => lambdaRecord(name, message, this.now()));
  }
}

export function lambdaRecord(queueName: string, message: FifoMessage, now: number): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(now),
      SenderId: 'AIDAFAKESENDER',
      ApproximateFirstReceiveTimestamp: String(now),
      SequenceNumber: message.sequenceNumber,
      MessageGroupId: message.groupId,
      MessageDeduplicationId: message.deduplicationId,
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(message.body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArnOf(queueName),
    awsRegion: SQS_REGION,
  };
}
