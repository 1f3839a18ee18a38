// The split mode's own messages (s13 design, "Messages"): their JSON bodies and how they are sent.
// handlers/aws/sqs-landings.ts reads them back.
//
// Both queues are FIFO, so every SendMessage names a MessageGroupId and, content-based
// deduplication being off on the silver queue and not relied on for our notes, a
// MessageDeduplicationId ("MessageDeduplicationId … applies only to FIFO queues … If a message
// with a particular MessageDeduplicationId is sent successfully, any messages sent with the same
// MessageDeduplicationId are accepted successfully but aren't delivered during the 5-minute
// deduplication interval", SendMessage, SQS API reference). An id may hold up to 128 alphanumeric
// and punctuation characters (same page): batch ids and group ids are `[a-z0-9_]`.
//
// The SQS client is the one of awsClients() (aws-lake.ts): the SDK's standard retry strategy is
// the only retry layer, so a send that still fails throws and the caller reports its record.
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Landing } from '../core/landing-event.ts';
import type { ObjectRef } from '../core/ports.ts';
import { LANDING_MESSAGE_GROUP } from './cleaner-environment.ts';

/** Turn keeper → silver worker: prepare this batch (its landing as the event gave it, with etag and size). */
export interface PrepareBody {
  procureflow: 'prepare';
  batchId: string;
  /** The landing message's SequenceNumber: its place in the landing order (for logs). */
  sequence: string;
  landing: { ref: ObjectRef; etag: string; size: number };
}

/** Silver worker → turn keeper: a batch's prepared (or failed) record is written. */
export interface SilverReadyBody {
  procureflow: 'silver-ready';
  batchId: string;
}

/** Turn keeper → itself: ready batches remain after a turn (it took one chunk). */
export interface GoldTurnBody {
  procureflow: 'gold-turn';
  after: string;
}

export type TurnNoteBody = SilverReadyBody | GoldTurnBody;

/** The landing as a prepare body carries it: etag and size known, so the worker need not HEAD it. */
export function prepareBody(batchId: string, sequence: string, landing: Landing & { etag: string; size: number }): PrepareBody {
  return { procureflow: 'prepare', batchId, sequence, landing: { ref: { bucket: landing.ref.bucket, key: landing.ref.key }, etag: landing.etag, size: landing.size } };
}

export interface TurnQueues {
  /** The silver workers' queue (one message group per batch). */
  silverQueueUrl: string;
  /** The landing queue (the turn keeper's trigger, one message group). */
  landingQueueUrl: string;
}

export class TurnMessages {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queues: TurnQueues,
  ) {}

  /**
   * One group per batch: FIFO hands a group's message to one consumer at a time, so a batch is
   * never prepared twice at once, while different batches run in parallel. The batch id
   * deduplicates: a re-delivered landing within 5 minutes sends no second copy.
   */
  async prepare(body: PrepareBody): Promise<void> {
    await this.send(this.queues.silverQueueUrl, body, body.batchId, body.batchId);
  }

  /**
   * Into the landings' one group (the turn keeper is one at a time). Deduplicated per receive of
   * the prepare message: a worker that is retried after a crash sends its note again, not lost
   * to the 5-minute window of the first try's note.
   */
  async silverReady(batchId: string, receiveCount: number): Promise<void> {
    await this.send(this.queues.landingQueueUrl, { procureflow: 'silver-ready', batchId } satisfies SilverReadyBody, LANDING_MESSAGE_GROUP, `ready-${batchId}-${receiveCount}`);
  }

  /** Keeps the turns going when ready batches remain; one note per turn that left them. */
  async goldTurn(after: string): Promise<void> {
    await this.send(this.queues.landingQueueUrl, { procureflow: 'gold-turn', after } satisfies GoldTurnBody, LANDING_MESSAGE_GROUP, `turn-${after}`);
  }

  private async send(queueUrl: string, body: object, groupId: string, deduplicationId: string): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body), MessageGroupId: groupId, MessageDeduplicationId: deduplicationId }));
  }
}
