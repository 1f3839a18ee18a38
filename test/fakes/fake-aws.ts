// The one fake of the AWS side: a CloudState, the services that enforce AWS's rules on it, and
// the routing of landings (S3 → EventBridge rule → SQS FIFO queue) and further FIFO queues the
// code sends to itself (fake-sqs.ts). Tests build one FakeAws and talk to it through real SDK
// clients (sdkClients) or over HTTP (http-face.ts).
import type { SQSEvent } from 'aws-lambda';
import { CloudState, type FakeSettings } from './cloud-state.ts';
import { type EventPattern, type FakeFifoQueue, objectCreatedDetailEvent, patternMatches } from './event-routing.ts';
import { FakeAthena } from './fake-athena.ts';
import { FakeGlue } from './fake-glue.ts';
import { FakeS3 } from './fake-s3.ts';
import { FakeSqs, type FakeQueueOptions } from './fake-sqs.ts';
import { type SdkClients, sdkClients } from './sdk-face.ts';

export interface FakeAwsOptions {
  buckets?: string[];
  databases?: string[];
  workGroups?: Array<{ name: string; enforceConfiguration: boolean; outputLocation?: string }>;
  settings?: Partial<FakeSettings>;
  /** Landings matching this EventBridge pattern go to the FIFO queue, in one message group. */
  rule?: { pattern: EventPattern; queue: string; messageGroupId: string };
  /** Further FIFO queues (SendMessage targets), by name. */
  queues?: Array<{ name: string } & FakeQueueOptions>;
}

export class FakeAws {
  readonly state: CloudState;
  readonly s3: FakeS3;
  readonly glue: FakeGlue;
  readonly athena: FakeAthena;
  readonly sqs: FakeSqs;
  /** The queue the EventBridge rule targets (the landing queue). */
  readonly queue: FakeFifoQueue | undefined;
  private readonly opened: SdkClients[] = [];

  constructor(options: FakeAwsOptions = {}) {
    this.state = new CloudState(options.settings);
    for (const bucket of options.buckets ?? []) this.state.createBucket(bucket);
    for (const database of options.databases ?? []) this.state.createDatabase(database);
    for (const group of options.workGroups ?? [{ name: 'primary', enforceConfiguration: false }]) {
      this.state.createWorkGroup({ name: group.name, enforceConfiguration: group.enforceConfiguration, outputLocation: group.outputLocation ?? 's3://fake-athena-results/' });
    }
    this.s3 = new FakeS3(this.state);
    this.glue = new FakeGlue(this.state);
    this.athena = new FakeAthena(this.state);
    this.sqs = new FakeSqs(() => this.state.settings.now());
    for (const queue of options.queues ?? []) this.sqs.createQueue(queue.name, queue);
    const rule = options.rule;
    if (rule) {
      // "If you specify an SQS FIFO queue as a target, the queue must have content-based
      // deduplication enabled" (EventBridge API reference, SqsParameters).
      const queue = this.sqs.createQueue(rule.queue, { contentBasedDeduplication: true });
      this.queue = queue;
      this.s3.onObjectCreated((created) => {
        const event = objectCreatedDetailEvent(created);
        if (!patternMatches(event, rule.pattern)) return;
        // The rule's SQS target on a FIFO queue sets MessageGroupId; the event id deduplicates.
        queue.send({ body: JSON.stringify(event), groupId: rule.messageGroupId, deduplicationId: event.id });
      });
    }
  }

  /** Real SDK clients answered by this fake. */
  clients(): SdkClients {
    const clients = sdkClients(this);
    this.opened.push(clients);
    return clients;
  }

  /**
   * The Lambda event for the next messages a FIFO queue delivers (the event source mapping's
   * poll): the rule's queue unless `queueName` names another.
   */
  receiveSqsEvent(max = 10, queueName?: string): SQSEvent {
    const name = queueName ?? this.queue?.name;
    if (!name) throw new Error('FakeAws: no EventBridge rule and queue configured');
    return { Records: this.sqs.receiveRecords(name, max) };
  }

  async close(): Promise<void> {
    for (const clients of this.opened.splice(0)) clients.restore();
    await this.athena.close();
  }
}
