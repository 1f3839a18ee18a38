// The deployed cleaner on the fake in MODEL mode (bench/cloud.ts, test/fake-model.test.ts): the
// stack's wiring as in cleaner-on-fake.ts (S3 → EventBridge rule → SQS FIFO queue, one message
// group → the real handler, handlers/lambda.ts), but objects have declared sizes and no bytes,
// Athena is the statement model (model-athena.ts), every call costs its latency, and the handler's
// Timing is the virtual clock. Each event source mapping is modelled as pollers on the virtual
// clock: receive, invoke, delete the messages not reported (a reported one returns after the
// visibility timeout), repeat. The landing queue has ONE message group, so its mapping runs one
// invocation at a time (the turn keeper: up to `batchSize` messages). With silver workers (the
// environment names a silver queue) the silver queue's mapping runs up to `silverWorkers`
// invocations at once (its MaximumConcurrency; batch size 1, one message group per batch:
// "For FIFO queues, concurrent invocations are capped either by the number of message group IDs
// or the maximum concurrency setting—whichever is lower", Lambda DG services-sqs-scaling.html).
// An idle poller waits like a long poll: until a message is sent to its queue or returns to it,
// or 20 s (ReceiveMessage WaitTimeSeconds' maximum) have passed. Polls cost nothing (they are the
// mapping's, not the function's); everything ends when both queues are empty.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { MAX_RECEIVE_COUNT } from '../../components/cleaner-queue.ts';
import { CLEANER_DEFAULTS, CLEANER_ENV } from '../../handlers/aws/cleaner-environment.ts';
import { createHandler, createSilverHandler } from '../../handlers/lambda.ts';
import { STACK, STACK_ENV, stackOnFake } from './cleaner-on-fake.ts';
import type { FakeFifoQueue } from './event-routing.ts';
import { FakeAws } from './fake-aws.ts';
import { DEFAULT_LATENCY, type LatencyModel } from './latency-model.ts';
import { DEFAULT_SHAPE, ModelAthena, modelId, type ModelShape } from './model-athena.ts';
import type { ColumnPlanner } from './model-columns.ts';
import { type CallCounts, modelClients } from './model-face.ts';
import { VirtualClock } from './virtual-clock.ts';

export interface ModelCleanerOptions {
  latency?: LatencyModel;
  shape?: ModelShape;
  /** Committed gold before the run: rows in equal partitions with consecutive id ranges. */
  goldHistory?: { rows: number; partitions: number };
  /** The function timeout (the stack's default, components/stack-config.ts: 900 s). */
  timeoutMs?: number;
  /** The cleaner's environment (default: the stack's, cleaner-on-fake.ts STACK_ENV). */
  env?: Record<string, string>;
  /** Receives of one LANDING message before the drain gives up (a redrive policy's maxReceiveCount). */
  maxReceives?: number;
  /**
   * The silver worker (default: handlers/lambda.ts createSilverHandler). Tests of the driver pass
   * their own; silver pollers run only when the environment names a silver queue.
   */
  silverHandler?: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  /** The turn keeper (default: handlers/lambda.ts createHandler); tests of the driver pass their own. */
  handler?: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  /** The column planner (model-columns.ts), shared across cleaners by the bench; default: one of its own. */
  planner?: ColumnPlanner;
}

export interface DrainResult {
  /** Virtual time from the first invocation to empty queues. */
  ms: number;
  /** Invocations of the turn keeper (landing queue). */
  invocations: number;
  /** Invocations of the silver workers (silver queue). */
  silverInvocations: number;
  /** The most silver invocations running at one time. */
  peakSilver: number;
  /** Messages reported for retry (each one comes back after the visibility timeout). */
  reported: number;
  /** Silver messages moved to the silver dead-letter queue (their bodies). */
  silverDeadLetters: string[];
  /**
   * UPPER BOUND (every table reference scans its whole table, StatementRecord.upperBoundBytes): of
   * the turn keeper's invocations that reported nothing, the largest bytes scanned / bytes landed,
   * in total and from committed gold. Only measured without silver workers (with them, statements
   * of concurrent invocations interleave): NaN then. The bench attributes statements to batches
   * instead (StatementRecord.batches), for every design.
   */
  worstUpperBoundRatio: number;
  worstHistoryUpperBoundRatio: number;
}

export interface ModelCleaner {
  clock: VirtualClock;
  aws: FakeAws;
  model: ModelAthena;
  calls: CallCounts;
  /** The SQS client the handlers get (the model face: each send costs its latency). */
  sqs: SQSClient;
  errors: string[];
  /** Lands a file of `bytes` (declared, no content) in bronze: its event reaches the queue. */
  land(name: string, bytes: number): void;
  /**
   * Runs the event source mappings until both queues are empty: the turn keeper `batchSize`
   * messages per invocation, one at a time; with a silver queue in the environment, up to
   * `silverWorkers` silver invocations at once (default CLEANER_DEFAULTS.silverWorkers).
   */
  drain(batchSize: number, silverWorkers?: number): Promise<DrainResult>;
  close(): Promise<void>;
}

export function modelCleaner(options: ModelCleanerOptions = {}): ModelCleaner {
  const latency = options.latency ?? DEFAULT_LATENCY;
  const shape = options.shape ?? DEFAULT_SHAPE;
  const clock = new VirtualClock(Date.UTC(2026, 2, 1, 12, 0, 0));
  const aws = stackOnFake({ now: () => clock.now(), activeDmlQuota: latency.activeDmlQuota });
  const history = options.goldHistory ?? { rows: 0, partitions: 0 };
  const model = new ModelAthena(aws.state, clock, latency, shape, history.rows, options.planner);
  preloadGold(aws, history, shape);
  const clients = modelClients(aws, model, clock, latency);

  const errors: string[] = [];
  const logger = new Logger({ serviceName: 'cleaner-model', logLevel: 'SILENT' });
  const originalError = logger.error.bind(logger);
  logger.error = ((message: string, fields?: unknown) => {
    errors.push(`${message} ${JSON.stringify(fields ?? {})}`);
    originalError(message);
  }) as typeof logger.error;
  const metrics = new Metrics({ namespace: 'ProcureFlowModel', serviceName: 'cleaner-model' });
  metrics.publishStoredMetrics = () => {
    metrics.clearMetrics();
    return metrics;
  };
  const env = options.env ?? STACK_ENV;
  const deps = { env, s3: clients.s3, glue: clients.glue, athena: clients.athena, sqs: clients.sqs, logger, metrics, timing: clock.timing };
  const handler = options.handler ?? createHandler(deps);
  const withSilver = env[CLEANER_ENV.silverQueueUrl] !== undefined;
  const silverHandler = withSilver ? (options.silverHandler ?? createSilverHandler(deps)) : undefined;
  const timeoutMs = options.timeoutMs ?? 900_000;
  const queue = () => {
    if (!aws.queue) throw new Error('modelCleaner: no queue');
    return aws.queue;
  };
  const silverQueue = aws.sqs.queue(STACK.silverQueue);

  // Long polls: an idle poller waits for a send to a queue or a message returning to one. In the
  // model nothing else makes a message receivable, so an idle poller sets no timer of its own (a
  // 20 s long-poll timer would be a wake-up the clock may jump to while a handler does real,
  // untracked work such as reading a turn record's body, which made runs differ by 2.5×).
  const waiting = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of [...waiting]) wake();
    waiting.clear();
  };
  aws.sqs.onSent(() => wakeAll());
  const longPoll = () =>
    new Promise<void>((resolve) => {
      waiting.add(resolve);
    });
  return {
    clock,
    aws,
    model,
    calls: clients.calls,
    sqs: clients.sqs,
    errors,
    land(name, bytes) {
      const key = `${STACK.bronzePrefix}${name}`;
      model.land(STACK.buckets.bronze, key, bytes);
      aws.s3.put(STACK.buckets.bronze, key, { declaredSize: bytes });
    },
    async drain(batchSize, silverWorkers = CLEANER_DEFAULTS.silverWorkers) {
      const started = clock.now();
      const result: DrainResult = { ms: 0, invocations: 0, silverInvocations: 0, peakSilver: 0, reported: 0, silverDeadLetters: [], worstUpperBoundRatio: withSilver ? NaN : 0, worstHistoryUpperBoundRatio: withSilver ? NaN : 0 };
      let failure: Error | undefined;
      let silverRunning = 0;
      const finished = () => failure !== undefined || (queue().depth === 0 && silverQueue.depth === 0);
      const context = (name: string, id: number): Context => {
        const deadline = clock.now() + timeoutMs;
        return { functionName: name, awsRequestId: `req-${name}-${id}`, getRemainingTimeInMillis: () => deadline - clock.now() } as unknown as Context;
      };
      /**
       * After an invocation: delete what was not reported; a reported message returns after the
       * visibility timeout (6 × the function timeout, components/cleaner-queue.ts) or, past
       * `deadAfter` receives, goes to the dead-letter queue.
       */
      const settleMessages = (from: FakeFifoQueue, event: SQSEvent, response: SQSBatchResponse, deadAfter?: { receives: number; into: string[] }) => {
        const failed = new Set(response.batchItemFailures.map((entry) => entry.itemIdentifier));
        for (const record of event.Records) {
          if (!failed.has(record.messageId)) {
            from.delete(record.receiptHandle);
            continue;
          }
          result.reported++;
          if (deadAfter && Number(record.attributes.ApproximateReceiveCount) >= deadAfter.receives) {
            deadAfter.into.push(record.body);
            from.delete(record.receiptHandle);
            continue;
          }
          returning++;
          void clock.sleep(6 * timeoutMs).then(() => {
            returning--;
            from.returnToQueue(record.receiptHandle);
            wakeAll();
          });
        }
        if (finished()) wakeAll();
      };
      let idlePollers = 0;
      let returning = 0;
      const idle = async () => {
        // Every poller idle, nothing invoked, no message on its way back, the queues not empty:
        // nothing can ever make progress (the driver's own guard).
        if (idlePollers + 1 === pollerCount && returning === 0 && !finished()) {
          failure ??= new Error(`modelCleaner: stuck, every poller idle with messages left; last error: ${errors.at(-1) ?? 'none logged'}`);
          wakeAll();
          return;
        }
        idlePollers++;
        try {
          await longPoll();
        } finally {
          idlePollers--;
        }
      };

      const turnKeeper = async () => {
        while (!finished()) {
          const event = aws.receiveSqsEvent(batchSize);
          if (event.Records.length === 0) {
            await idle();
            continue;
          }
          const tooMany = event.Records.find((record) => Number(record.attributes.ApproximateReceiveCount) > (options.maxReceives ?? 3));
          if (tooMany) {
            failure = new Error(`modelCleaner: a message was received ${tooMany.attributes.ApproximateReceiveCount} times; last error: ${errors.at(-1) ?? 'none logged'}`);
            wakeAll();
            return;
          }
          const recordsBefore = model.records.length;
          const response = await handler(event, context('pf-cleaner', result.invocations));
          result.invocations++;
          settleMessages(queue(), event, response);
          if (withSilver || response.batchItemFailures.length > 0) continue;
          const landed = event.Records.reduce((sum, record) => sum + Number((JSON.parse(record.body) as { detail?: { object?: { size?: number } } }).detail?.object?.size ?? 0), 0);
          if (landed === 0) continue;
          const statements = model.records.slice(recordsBefore);
          result.worstUpperBoundRatio = Math.max(result.worstUpperBoundRatio, statements.reduce((sum, statement) => sum + statement.upperBoundBytes, 0) / landed);
          result.worstHistoryUpperBoundRatio = Math.max(result.worstHistoryUpperBoundRatio, statements.reduce((sum, statement) => sum + statement.historyUpperBoundBytes, 0) / landed);
        }
      };

      const silverWorker = async (worker: number) => {
        while (!finished()) {
          // Batch size 1: one message group (one batch) per invocation.
          const event = aws.receiveSqsEvent(1, STACK.silverQueue);
          if (event.Records.length === 0) {
            await idle();
            continue;
          }
          if (!silverHandler) throw new Error('modelCleaner: a silver poller without a silver handler');
          silverRunning++;
          result.peakSilver = Math.max(result.peakSilver, silverRunning);
          try {
            const response = await silverHandler(event, context(`pf-silver-${worker}`, result.silverInvocations));
            result.silverInvocations++;
            settleMessages(silverQueue, event, response, { receives: MAX_RECEIVE_COUNT, into: result.silverDeadLetters });
          } finally {
            silverRunning--;
          }
        }
      };

      const pollerCount = 1 + (withSilver ? silverWorkers : 0);
      const pollers = [turnKeeper()];
      if (withSilver) for (let worker = 0; worker < silverWorkers; worker++) pollers.push(silverWorker(worker));
      await Promise.all(pollers);
      if (failure) throw failure;
      result.ms = clock.now() - started;
      return result;
    },
    async close() {
      clients.restore();
      await model.close();
    },
  };
}

/**
 * Gold committed before the run, as commits leave it: one partition per earlier batch, an object
 * of its declared size, and the figures parameters with its gold id range (what pruning reads).
 */
function preloadGold(aws: FakeAws, history: { rows: number; partitions: number }, shape: ModelShape): void {
  if (history.partitions === 0) return;
  const rowsPer = Math.ceil(history.rows / history.partitions);
  for (let index = 0; index < history.partitions; index++) {
    const first = index * rowsPer;
    const last = Math.min(history.rows, first + rowsPer) - 1;
    const batchId = `history_${String(index).padStart(6, '0')}`;
    const prefix = `cleaned_transactions/batch_id=${batchId}/`;
    aws.state.putObject(STACK.buckets.gold, `${prefix}part-00000.snappy.parquet`, { declaredSize: Math.round((last - first + 1) * shape.bytesPerLine * shape.goldFraction) });
    const figures = { batchId, loaded: last - first + 1, goldIds: { min: modelId(first), max: modelId(last) } };
    aws.glue.createPartition({
      DatabaseName: STACK.database,
      TableName: 'cleaned_transactions',
      PartitionInput: { Values: [batchId], StorageDescriptor: { Location: `s3://${STACK.buckets.gold}/${prefix}` }, Parameters: { procureflow_figures: JSON.stringify(figures) } },
    });
  }
}
