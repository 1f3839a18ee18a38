// How a landing reaches the Lambda: S3 notification filters, an EventBridge rule, an SQS FIFO queue.
import { createHash } from 'node:crypto';
import type { ObjectCreated } from './fake-s3.ts';

/**
 * Rule (k), S3 side: an S3 event notification's key filter is a plain prefix/suffix match on the
 * object key, and object keys are case-sensitive, so suffix ".dat" does not match "SALES.DAT"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html;
 * FilterRule, S3 API reference). No wildcard, no case folding.
 */
export function s3NotificationMatches(key: string, filter: { prefix?: string; suffix?: string }): boolean {
  return key.startsWith(filter.prefix ?? '') && key.endsWith(filter.suffix ?? '');
}

/** One EventBridge string matcher, as written in an event pattern. */
export type StringMatcher =
  | string
  | { prefix: string | { 'equals-ignore-case': string } }
  | { suffix: string | { 'equals-ignore-case': string } }
  | { 'equals-ignore-case': string };

/**
 * Rule (k), EventBridge side: "suffix" matching is case-sensitive unless combined with
 * "equals-ignore-case": `{"suffix": {"equals-ignore-case": ".png"}}` matches ".png", ".PNG" and
 * any other casing (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html,
 * "Suffix matching while ignoring case"; same for prefix).
 */
export function stringMatches(value: unknown, matcher: StringMatcher): boolean {
  if (typeof value !== 'string') return false;
  if (typeof matcher === 'string') return value === matcher;
  if ('equals-ignore-case' in matcher) return value.toLowerCase() === matcher['equals-ignore-case'].toLowerCase();
  if ('prefix' in matcher) {
    const p = matcher.prefix;
    return typeof p === 'string' ? value.startsWith(p) : value.toLowerCase().startsWith(p['equals-ignore-case'].toLowerCase());
  }
  const s = matcher.suffix;
  return typeof s === 'string' ? value.endsWith(s) : value.toLowerCase().endsWith(s['equals-ignore-case'].toLowerCase());
}

/**
 * An event pattern: every field named must match; a field's array lists alternatives (OR).
 * (EventBridge "Event patterns": matching values are in arrays, fields are ANDed.)
 */
export type EventPattern = { [field: string]: EventPattern | StringMatcher[] };

export function patternMatches(event: unknown, pattern: EventPattern): boolean {
  if (typeof event !== 'object' || event === null) return false;
  return Object.entries(pattern).every(([field, expected]) => {
    const value = (event as Record<string, unknown>)[field];
    if (Array.isArray(expected)) return expected.some((matcher) => stringMatches(value, matcher));
    return patternMatches(value, expected);
  });
}

/** The "Object Created" event S3 sends to EventBridge (S3 user guide, "EventBridge message structure"). */
export function objectCreatedDetailEvent(created: ObjectCreated, time = new Date()) {
  return {
    version: '0',
    id: createHash('sha256').update(`${created.bucket}/${created.key}/${created.etag}/${time.toISOString()}`).digest('hex').slice(0, 36),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: time.toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${created.bucket}`],
    detail: {
      version: '0',
      bucket: { name: created.bucket },
      object: { key: created.key, size: created.size, etag: created.etag, sequencer: String(Date.now()) },
      'request-id': 'FAKE',
      requester: '123456789012',
      reason: created.reason,
    },
  };
}

export interface FifoMessage {
  messageId: string;
  body: string;
  groupId: string;
  deduplicationId: string;
  receiptHandle: string;
  receiveCount: number;
  /**
   * SQS: "The large, non-consecutive number that Amazon SQS assigns to each message. The length of
   * SequenceNumber is 128 bits. SequenceNumber continues to increase for a particular
   * MessageGroupId" (SendMessage response, SQS API reference). A decimal string; here it grows
   * with every send to the queue (so within each group too) by a gap that is never 1.
   */
  sequenceNumber: string;
}

/** The first sequence number of a queue: 20 decimal digits, as SQS's look (well under 128 bits). */
const FIRST_SEQUENCE = 18_890_000_000_000_000_000n;

/**
 * Rule (l), an SQS FIFO queue (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-key-terms.html,
 * FIFO-queues-understanding-logic.html):
 * - "Messages within the same message group are always processed one at a time, in strict
 *   order": while a group has a message in flight, no later message of that group is returned;
 * - "If multiple messages with the same deduplication ID are sent within a 5 minute
 *   deduplication interval, they are treated as duplicates, and only one copy is delivered",
 *   and the ID is tracked "even after the message has been received and deleted";
 * - a message that is not deleted becomes visible again (visibility timeout) at the head of its group.
 */
export class FakeFifoQueue {
  private readonly messages: FifoMessage[] = [];
  private readonly inFlight = new Map<string, FifoMessage>();
  private readonly seen = new Map<string, number>();
  private sequence = 0;
  private sequenceNumber = FIRST_SEQUENCE;

  constructor(
    readonly name: string,
    private readonly now: () => number = () => Date.now(),
  ) {
    if (!name.endsWith('.fifo')) throw new Error('The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix');
  }

  send(input: { body: string; groupId: string; deduplicationId: string }): { messageId: string; duplicate: boolean; sequenceNumber: string } {
    const seenAt = this.seen.get(input.deduplicationId);
    if (seenAt !== undefined && this.now() - seenAt < 5 * 60_000) return { messageId: `dup-${input.deduplicationId}`, duplicate: true, sequenceNumber: String(this.sequenceNumber) };
    this.seen.set(input.deduplicationId, this.now());
    this.sequence += 1;
    // Non-consecutive: the gap varies (1000 to 1006), deterministically.
    this.sequenceNumber += 1000n + BigInt(this.sequence % 7);
    const message: FifoMessage = { ...input, messageId: `m-${this.sequence}`, receiptHandle: '', receiveCount: 0, sequenceNumber: String(this.sequenceNumber) };
    this.messages.push(message);
    return { messageId: message.messageId, duplicate: false, sequenceNumber: message.sequenceNumber };
  }

  /**
   * Up to `max` visible messages, in send order. A group with a message in flight from an earlier
   * receive is skipped entirely; one receive may return several messages of a free group, in
   * order ("you can receive multiple messages from the same message group ID at once").
   */
  receive(max = 10): FifoMessage[] {
    const busy = new Set([...this.inFlight.values()].map((message) => message.groupId));
    const out: FifoMessage[] = [];
    for (const message of this.messages) {
      if (out.length >= max) break;
      if (busy.has(message.groupId)) continue;
      message.receiveCount += 1;
      message.receiptHandle = `rh-${message.messageId}-${message.receiveCount}`;
      out.push(message);
    }
    for (const message of out) this.inFlight.set(message.receiptHandle, message);
    return out;
  }

  delete(receiptHandle: string): void {
    const message = this.inFlight.get(receiptHandle);
    if (!message) return;
    this.inFlight.delete(receiptHandle);
    this.messages.splice(this.messages.indexOf(message), 1);
  }

  /** The visibility timeout runs out: in-flight messages return to the head of their groups. */
  expireVisibility(): void {
    this.inFlight.clear();
  }

  /**
   * The visibility timeout of ONE received message runs out (the others stay in flight): it is
   * visible again, at the head of its group (a concurrent poller's messages are not disturbed).
   */
  returnToQueue(receiptHandle: string): void {
    this.inFlight.delete(receiptHandle);
  }

  /** Messages not yet deleted (visible or in flight). */
  get depth(): number {
    return this.messages.length;
  }

  /** Messages received and neither deleted nor returned yet. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }
}
