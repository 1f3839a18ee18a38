// The deployed cleaner on the fake in MODEL mode (bench/cloud.ts, test/fake-model.test.ts): the
// stack's wiring as in cleaner-on-fake.ts (S3 → EventBridge rule → SQS FIFO queue, one message
// group → the real handler, handlers/lambda.ts), but objects have declared sizes and no bytes,
// Athena is the statement model (model-athena.ts), every call costs its latency, and the handler's
// Timing is the virtual clock. The FIFO message group allows one invocation at a time, so the
// event source mapping is modelled as a loop: receive up to `batchSize` messages, invoke, delete
// the ones not reported, repeat until the queue is empty.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { LANDING_MESSAGE_GROUP, landingEventPattern } from '../../components/landing-events.ts';
import { createHandler } from '../../handlers/lambda.ts';
import { STACK, STACK_ENV } from './cleaner-on-fake.ts';
import type { EventPattern } from './event-routing.ts';
import { FakeAws } from './fake-aws.ts';
import { DEFAULT_LATENCY, type LatencyModel } from './latency-model.ts';
import { createLakeTables } from './lake-tables.ts';
import { DEFAULT_SHAPE, ModelAthena, modelId, type ModelShape } from './model-athena.ts';
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
  /** Receives of one message before the drain gives up (a redrive policy's maxReceiveCount). */
  maxReceives?: number;
}

export interface DrainResult {
  /** Virtual time from the first invocation to an empty queue. */
  ms: number;
  invocations: number;
  /** Messages reported for retry (each one comes back after the visibility timeout). */
  reported: number;
  /** Of the invocations that reported nothing: the largest bytes scanned / bytes landed, in total and from committed gold. */
  worstScanRatio: number;
  worstHistoryRatio: number;
}

export interface ModelCleaner {
  clock: VirtualClock;
  aws: FakeAws;
  model: ModelAthena;
  calls: CallCounts;
  errors: string[];
  /** Lands a file of `bytes` (declared, no content) in bronze: its event reaches the queue. */
  land(name: string, bytes: number): void;
  /** Invokes the handler until the queue is empty, `batchSize` messages per invocation. */
  drain(batchSize: number): Promise<DrainResult>;
  close(): void;
}

export function modelCleaner(options: ModelCleanerOptions = {}): ModelCleaner {
  const latency = options.latency ?? DEFAULT_LATENCY;
  const shape = options.shape ?? DEFAULT_SHAPE;
  const clock = new VirtualClock(Date.UTC(2026, 2, 1, 12, 0, 0));
  const aws = new FakeAws({
    buckets: Object.values(STACK.buckets),
    databases: [STACK.database],
    workGroups: [{ name: STACK.workGroup, enforceConfiguration: false }],
    rule: { pattern: landingEventPattern(STACK.buckets.bronze) as EventPattern, queue: STACK.queue, messageGroupId: LANDING_MESSAGE_GROUP },
    settings: { now: () => clock.now(), activeDmlQuota: latency.activeDmlQuota },
  });
  createLakeTables(aws, STACK.database, STACK.buckets);
  const history = options.goldHistory ?? { rows: 0, partitions: 0 };
  const model = new ModelAthena(aws.state, clock, latency, shape, history.rows);
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
  const handler = createHandler({ env: options.env ?? STACK_ENV, s3: clients.s3, glue: clients.glue, athena: clients.athena, logger, metrics, timing: clock.timing });
  const timeoutMs = options.timeoutMs ?? 900_000;
  const queue = () => {
    if (!aws.queue) throw new Error('modelCleaner: no queue');
    return aws.queue;
  };

  return {
    clock,
    aws,
    model,
    calls: clients.calls,
    errors,
    land(name, bytes) {
      const key = `${STACK.bronzePrefix}${name}`;
      model.land(STACK.buckets.bronze, key, bytes);
      aws.s3.put(STACK.buckets.bronze, key, { declaredSize: bytes });
    },
    async drain(batchSize) {
      const started = clock.now();
      let invocations = 0;
      let reported = 0;
      let worstScanRatio = 0;
      let worstHistoryRatio = 0;
      while (queue().depth > 0) {
        const event = aws.receiveSqsEvent(batchSize);
        const tooMany = event.Records.find((record) => Number(record.attributes.ApproximateReceiveCount) > (options.maxReceives ?? 3));
        if (tooMany) throw new Error(`modelCleaner: a message was received ${tooMany.attributes.ApproximateReceiveCount} times; last error: ${errors.at(-1) ?? 'none logged'}`);
        const deadline = clock.now() + timeoutMs;
        const context = { functionName: 'pf-cleaner', awsRequestId: `req-${invocations}`, getRemainingTimeInMillis: () => deadline - clock.now() } as unknown as Context;
        const recordsBefore = model.records.length;
        const response = await handler(event, context);
        invocations++;
        const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
        for (const record of event.Records) {
          if (failed.has(record.messageId)) reported++;
          else queue().delete(record.receiptHandle);
        }
        queue().expireVisibility();
        if (failed.size > 0) {
          // SQS returns a reported message once its visibility timeout has passed (6 × the
          // function timeout, components/cleaner-queue.ts); queries left running end meanwhile.
          await clock.sleep(6 * timeoutMs);
          continue;
        }
        const landed = event.Records.reduce((sum, record) => sum + Number((JSON.parse(record.body) as { detail: { object: { size: number } } }).detail.object.size), 0);
        const statements = model.records.slice(recordsBefore);
        worstScanRatio = Math.max(worstScanRatio, statements.reduce((sum, statement) => sum + statement.scannedBytes, 0) / landed);
        worstHistoryRatio = Math.max(worstHistoryRatio, statements.reduce((sum, statement) => sum + statement.historyBytes, 0) / landed);
      }
      return { ms: clock.now() - started, invocations, reported, worstScanRatio, worstHistoryRatio };
    },
    close() {
      clients.restore();
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
