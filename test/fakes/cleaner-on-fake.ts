// The deployed cleaner on the fake AWS side, as the stack wires it: a landing in bronze goes
// S3 → EventBridge rule (the stack's own pattern) → the landing SQS FIFO queue (one message group)
// → the real turn keeper (handlers/lambda.ts createHandler) with SDK clients answered by the fake;
// the turn keeper hands each landed file to the silver queue (one message group per batch) → the
// real silver worker (createSilverHandler), which sends "silver ready" back to the landing queue.
// Tests, the smoke test and benches build it once and drive it with `deliver()` (one poll of the
// landing queue's event source mapping), `deliverSilver()` (one of the silver queue's) or
// `settle()` (both, until both queues are empty). STACK_ENV_INLINE is the stack without silver
// workers (`silverWorkers: 0`): the turn keeper runs each FIFO batch inline as one group.
//
// Time is a test clock. The handler's sleeps (Athena polling, throttling backoff) advance it and
// then wait for an EVENT: the next fake Athena query that is not held to settle. So waits follow
// the work, never the wall clock, and no test depends on how many polls the backoff makes.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { MAX_RECEIVE_COUNT } from '../../components/cleaner-queue.ts';
import { DEFAULT_BYTES_SCANNED_CUTOFF, turnMaxBytes } from '../../components/stack-config.ts';
import { LANDING_MESSAGE_GROUP, landingEventPattern } from '../../components/landing-events.ts';
import { CLEANER_ENV } from '../../handlers/aws/cleaner-environment.ts';
import type { Timing } from '../../handlers/aws/backoff.ts';
import { DEFAULT_SQL_DIR } from '../../handlers/core/pipeline-sql.ts';
import { createHandler, createSilverHandler } from '../../handlers/lambda.ts';
import type { Execution, FakeSettings } from './cloud-state.ts';
import type { EventPattern, FakeFifoQueue } from './event-routing.ts';
import { FakeAws } from './fake-aws.ts';
import { queueUrlOf } from './fake-sqs.ts';
import { createLakeTables } from './lake-tables.ts';

export const STACK = {
  database: 'procureflow_db',
  workGroup: 'pf-pipeline',
  buckets: { bronze: 'pf-bronze', silver: 'pf-silver', gold: 'pf-gold' },
  bronzePrefix: 'landing/',
  queue: 'pf-landings.fifo',
  /** The silver workers' FIFO queue (contentBasedDeduplication false: the sender sets the id). */
  silverQueue: 'pf-silver.fifo',
} as const;

/** The cleaner's environment as the stack sets it by default (components/cleaner-environment.ts): silver workers on. */
export const STACK_ENV: Record<string, string> = {
  [CLEANER_ENV.bronzeBucket]: STACK.buckets.bronze,
  [CLEANER_ENV.silverBucket]: STACK.buckets.silver,
  [CLEANER_ENV.goldBucket]: STACK.buckets.gold,
  [CLEANER_ENV.database]: STACK.database,
  [CLEANER_ENV.workGroup]: STACK.workGroup,
  [CLEANER_ENV.bronzePrefix]: STACK.bronzePrefix,
  [CLEANER_ENV.sqlDir]: DEFAULT_SQL_DIR,
  [CLEANER_ENV.silverQueueUrl]: queueUrlOf(STACK.silverQueue),
  [CLEANER_ENV.landingQueueUrl]: queueUrlOf(STACK.queue),
  // The silver queue's redrive policy (components/cleaner-queue.ts).
  [CLEANER_ENV.silverMaxReceives]: String(MAX_RECEIVE_COUNT),
  // A turn's landed bytes as the stack bounds them with its default bytes-scanned cutoff.
  [CLEANER_ENV.groupMaxBytes]: String(turnMaxBytes({ athenaBytesScannedCutoff: DEFAULT_BYTES_SCANNED_CUTOFF })),
};

/**
 * The environment of a stack without silver workers (`silverWorkers: 0`): no silver queue, so the
 * turn keeper runs each FIFO batch inline as one group (the group design).
 */
export const STACK_ENV_INLINE: Record<string, string> = Object.fromEntries(Object.entries(STACK_ENV).filter(([name]) => name !== CLEANER_ENV.silverQueueUrl));

export interface Hold {
  /** Executions held so far (their statement has not started running). */
  readonly held: Execution[];
  /** Lets every held execution (and every later match) run. */
  release(): void;
}

export interface CleanerOptions {
  env?: Record<string, string>;
  settings?: Partial<FakeSettings>;
  /** The test clock's start (epoch ms). */
  start?: number;
  /**
   * The landing queue's redrive policy (maxReceiveCount). Amazon SQS moves a message to the
   * dead-letter queue "after the value of maxReceiveCount is exceeded" (RedrivePolicy; SQS DG,
   * "Using dead-letter queues in Amazon SQS", sqs-dead-letter-queues.html). None = no DLQ. The
   * silver queue's is always the stack's MAX_RECEIVE_COUNT (components/cleaner-queue.ts).
   */
  maxReceiveCount?: number;
  /** Called at the start of every sleep of the handler (tests release holds on what they see). */
  onSleep?: () => void;
  /**
   * How long a reported message stays invisible before SQS returns it (the clock jumps by it
   * between a failed delivery and the next). Default 6 × the 900 s function timeout, the stack's
   * rule (components/cleaner-queue.ts, visibilityTimeoutSeconds: Lambda's "at least six times").
   */
  visibilityTimeoutMs?: number;
}

export interface CleanerOnFake {
  aws: FakeAws;
  clock: { now: number };
  /** The turn keeper (the landing queue's function). */
  handler: ReturnType<typeof createHandler>;
  /** The silver worker (the silver queue's function). */
  silverHandler: ReturnType<typeof createSilverHandler>;
  /** The handler's clock and sleep (a sleep waits for the next fake query to settle). */
  timing: Timing;
  /** Error log lines of the handler: message and fields. */
  errors: Array<{ message: string; fields: unknown }>;
  /** The EMF blobs the handler published, one per invocation with metrics. */
  published: Array<Record<string, unknown>>;
  /** Messages moved to the landing queue's dead-letter queue (their bodies). */
  deadLetters: string[];
  /** Messages moved to the silver queue's dead-letter queue (their bodies). */
  silverDeadLetters: string[];
  context(remainingMs?: number): Context;
  /** Holds every statement matching `match` before it runs, until released. */
  hold(match: (execution: Execution) => boolean): Hold;
  /**
   * One poll of the event source mapping: receive up to 10 messages, invoke the handler, delete
   * the ones it did not report; reported ones become visible again once the visibility timeout
   * has passed (the clock jumps by it), or go to the DLQ past maxReceiveCount.
   */
  deliver(remainingMs?: number): Promise<{ event: SQSEvent; response: SQSBatchResponse }>;
  /**
   * One poll of the silver queue's event source mapping (batch size 1): ONE visible message into
   * the silver worker, deleted unless reported (reported: back after the visibility timeout, or
   * to the silver DLQ past MAX_RECEIVE_COUNT). Undefined when no message is visible.
   */
  deliverSilver(remainingMs?: number): Promise<{ event: SQSEvent; response: SQSBatchResponse } | undefined>;
  /** Delivers until the landing queue is empty (or only dead letters are left); returns every response. */
  drain(remainingMs?: number): Promise<SQSBatchResponse[]>;
  /**
   * Alternates silver and landing deliveries until both queues are empty; how many invocations
   * of each function ran.
   */
  settle(remainingMs?: number): Promise<{ landing: number; silver: number }>;
  /** What was called on the fake from index `from` on. */
  callsSince(from: number): string[];
}

/**
 * The stack's AWS side on the fake: its buckets, database, pipeline workgroup (not enforced),
 * the S3 → EventBridge rule → landing FIFO queue, the silver FIFO queue, and the lake's tables.
 */
export function stackOnFake(settings: Partial<FakeSettings>): FakeAws {
  const aws = new FakeAws({
    buckets: Object.values(STACK.buckets),
    databases: [STACK.database],
    workGroups: [{ name: STACK.workGroup, enforceConfiguration: false }],
    rule: { pattern: landingEventPattern(STACK.buckets.bronze) as EventPattern, queue: STACK.queue, messageGroupId: LANDING_MESSAGE_GROUP },
    queues: [{ name: STACK.silverQueue, contentBasedDeduplication: false }],
    settings,
  });
  createLakeTables(aws, STACK.database, STACK.buckets);
  return aws;
}

export function cleanerOnFake(options: CleanerOptions = {}): CleanerOnFake {
  const clock = { now: options.start ?? Date.UTC(2026, 2, 1, 12, 0, 0) };
  const holds: Array<{ match: (execution: Execution) => boolean; gate: Promise<void>; open: () => void; held: Execution[]; released: boolean }> = [];
  const waiting = new Set<Execution>();
  const aws = stackOnFake({
    now: () => clock.now,
    ...options.settings,
    beforeRun: async (execution) => {
      await options.settings?.beforeRun?.(execution);
      const hold = holds.find((candidate) => !candidate.released && candidate.match(execution));
      if (!hold) return;
      hold.held.push(execution);
      waiting.add(execution);
      await hold.gate;
    },
  });
  const { s3, glue, athena, sqs } = aws.clients();

  const timing: Timing = {
    now: () => clock.now,
    sleep: async (ms) => {
      options.onSleep?.();
      clock.now += ms;
      // Wait for the next statement that can make progress; if none can, return at once (the
      // caller's deadline, on the advanced clock, decides).
      const running = [...aws.state.executions.values()].filter((execution) => !execution.settled && !waiting.has(execution));
      if (running.length > 0) await Promise.race(running.map((execution) => execution.done));
      else await new Promise((resolve) => setImmediate(resolve));
    },
    random: () => 0.5,
  };

  const logger = new Logger({ serviceName: 'cleaner-test', logLevel: 'SILENT' });
  const errors: CleanerOnFake['errors'] = [];
  const originalError = logger.error.bind(logger);
  logger.error = ((message: string, fields?: unknown) => {
    errors.push({ message, fields });
    originalError(message);
  }) as typeof logger.error;
  const metrics = new Metrics({ namespace: 'ProcureFlowTest', serviceName: 'cleaner-test' });
  const published: CleanerOnFake['published'] = [];
  metrics.publishStoredMetrics = () => {
    if (metrics.hasStoredMetrics()) published.push(metrics.serializeMetrics() as unknown as Record<string, unknown>);
    metrics.clearMetrics();
    return metrics;
  };
  const deps = { env: options.env ?? STACK_ENV, s3, glue, athena, sqs, logger, metrics, timing };
  const handler = createHandler(deps);
  const silverHandler = createSilverHandler(deps);

  const context = (remainingMs = 600_000): Context => {
    const deadline = clock.now + remainingMs;
    return {
      functionName: 'pf-cleaner',
      awsRequestId: 'req-1',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:pf-cleaner',
      memoryLimitInMB: '2048',
      getRemainingTimeInMillis: () => deadline - clock.now,
    } as unknown as Context;
  };

  const deadLetters: string[] = [];
  const silverDeadLetters: string[] = [];
  const queue = () => {
    if (!aws.queue) throw new Error('cleanerOnFake: no queue');
    return aws.queue;
  };
  const silverQueue = aws.sqs.queue(STACK.silverQueue);

  /**
   * What the event source mapping does after an invocation: deletes the messages not reported; a
   * reported one comes back once its visibility timeout has passed (the clock jumps by it), or
   * goes to the DLQ when its next receive would exceed maxReceiveCount.
   */
  const afterInvocation = (from: FakeFifoQueue, event: SQSEvent, response: SQSBatchResponse, maxReceiveCount: number | undefined, dead: string[]) => {
    const reported = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    if (reported.size > 0) clock.now += options.visibilityTimeoutMs ?? 6 * 900_000;
    for (const record of event.Records) {
      const receives = Number(record.attributes.ApproximateReceiveCount);
      if (!reported.has(record.messageId)) from.delete(record.receiptHandle);
      else if (maxReceiveCount !== undefined && receives >= maxReceiveCount) {
        dead.push(record.body);
        from.delete(record.receiptHandle);
      }
    }
    from.expireVisibility();
  };

  const deliver: CleanerOnFake['deliver'] = async (remainingMs) => {
    const event = aws.receiveSqsEvent();
    const response = await handler(event, context(remainingMs));
    afterInvocation(queue(), event, response, options.maxReceiveCount, deadLetters);
    return { event, response };
  };

  const deliverSilver: CleanerOnFake['deliverSilver'] = async (remainingMs) => {
    // The silver event source mapping's batch size is 1 (one message group, one batch, per invocation).
    const event = aws.receiveSqsEvent(1, STACK.silverQueue);
    if (event.Records.length === 0) return undefined;
    const response = await silverHandler(event, context(remainingMs));
    afterInvocation(silverQueue, event, response, MAX_RECEIVE_COUNT, silverDeadLetters);
    return { event, response };
  };

  return {
    aws,
    clock,
    handler,
    silverHandler,
    timing,
    errors,
    published,
    deadLetters,
    silverDeadLetters,
    context,
    hold(match) {
      let open = () => {};
      const gate = new Promise<void>((resolve) => (open = resolve));
      const entry = { match, gate, open, held: [] as Execution[], released: false };
      holds.push(entry);
      return {
        held: entry.held,
        release() {
          entry.released = true;
          // At once, not when the gate's continuation runs: a sleep right after a release must wait for it.
          for (const execution of entry.held) waiting.delete(execution);
          entry.open();
        },
      };
    },
    deliver,
    deliverSilver,
    async drain(remainingMs) {
      const responses: SQSBatchResponse[] = [];
      while (queue().depth > 0) {
        if (responses.length >= 100) throw new Error('cleanerOnFake.drain: the queue never empties (a message failing forever without maxReceiveCount?)');
        responses.push((await deliver(remainingMs)).response);
      }
      return responses;
    },
    async settle(remainingMs) {
      const ran = { landing: 0, silver: 0 };
      while (queue().depth > 0 || silverQueue.depth > 0) {
        if (ran.landing + ran.silver >= 1_000) throw new Error('cleanerOnFake.settle: the queues never empty (a message failing forever without maxReceiveCount?)');
        if (silverQueue.depth > 0 && (await deliverSilver(remainingMs))) ran.silver++;
        if (queue().depth > 0) {
          await deliver(remainingMs);
          ran.landing++;
        }
      }
      return ran;
    },
    callsSince: (from) => aws.state.calls.slice(from),
  };
}
