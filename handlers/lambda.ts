// The cleaner Lambda's entries, one image, two functions (s13 design):
// - `handler`, on the landing FIFO queue: with SILVER_QUEUE_URL unset (inline mode) each
//   invocation runs its FIFO batch as one group (handlers/aws/inline-group.ts); with it set it is
//   the turn keeper (handlers/aws/turn-keeper.ts): it hands each landed .dat to a silver worker and
//   takes gold turns over the batches whose silver is ready, in landing order;
// - `silverHandler`, on the silver FIFO queue (split mode only): one batch's own steps
//   (handlers/aws/silver-worker.ts).
// Thin by design: settings, clients and ports are built once per container (aws-lake.ts); the
// modules above decide, and this file turns their verdict into ReportBatchItemFailures.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { AthenaClient } from '@aws-sdk/client-athena';
import type { GlueClient } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { BatchPorts } from './core/process-batch.ts';
import { awsClients, type AwsLake, openAwsLake } from './aws/aws-lake.ts';
import type { Timing } from './aws/backoff.ts';
import { CLEANER_ENV } from './aws/cleaner-environment.ts';
import { runInlineGroup } from './aws/inline-group.ts';
import { type LambdaSettings, readLambdaSettings } from './aws/lambda-settings.ts';
import { powertoolsLog } from './aws/powertools-observability.ts';
import { workOnPrepare } from './aws/silver-worker.ts';
import { keepTurn } from './aws/turn-keeper.ts';
import { TurnMessages } from './aws/turn-messages.ts';
import { TurnRecords } from './aws/turn-records.ts';

export interface CleanerDeps {
  env?: Record<string, string | undefined>;
  s3?: S3Client;
  glue?: GlueClient;
  athena?: AthenaClient;
  /** Split mode's notes (SendMessage); the SDK's standard retry strategy (awsClients). */
  sqs?: SQSClient;
  logger?: Logger;
  metrics?: Metrics;
  /** Tests make Athena's polling instant. */
  timing?: Timing;
  /** Tests inject a crash between two steps (BatchPorts.beforeStep). */
  beforeStep?: BatchPorts['beforeStep'];
}

/** What one container keeps between invocations. */
interface Container {
  aws: AwsLake;
  /** Set in split mode. */
  turns?: { records: TurnRecords; messages: TurnMessages; maxReceives: number };
}

type Invocation = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** Once per container: settings, SQL and clients; a failure is retried by the next invocation. */
function container(deps: CleanerDeps, logger: Logger) {
  let built: Promise<Container> | undefined;
  return (): Promise<Container> => {
    built ??= (async (): Promise<Container> => {
      const settings = readLambdaSettings(deps.env ?? process.env);
      const clients = awsClients({ s3: deps.s3, glue: deps.glue, athena: deps.athena, sqs: deps.sqs });
      const aws = await openAwsLake(settings, clients, powertoolsLog(logger));
      const turns = splitOf(settings);
      if (!turns) return { aws };
      return {
        aws,
        turns: {
          records: new TurnRecords(clients.s3, settings.buckets.silver),
          messages: new TurnMessages(clients.sqs, turns),
          maxReceives: turns.silverMaxReceives,
        },
      };
    })().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
}

function splitOf(settings: LambdaSettings) {
  const { silverQueueUrl, landingQueueUrl, silverMaxReceives } = settings;
  return silverQueueUrl && landingQueueUrl && silverMaxReceives ? { silverQueueUrl, landingQueueUrl, silverMaxReceives } : undefined;
}

/** Shared by both entries: context, the invocation's ports, metrics published at the end. */
function entry(deps: CleanerDeps, run: (event: SQSEvent, own: Container, ports: ReturnType<AwsLake['ports']>, tools: { logger: Logger; metrics: Metrics }) => Promise<SQSBatchResponse>): Invocation {
  const logger = deps.logger ?? new Logger();
  const metrics = deps.metrics ?? new Metrics();
  const init = container(deps, logger);
  return async (event, context) => {
    logger.addContext(context);
    const own = await init();
    const ports = own.aws.ports({
      remainingTimeMillis: () => context.getRemainingTimeInMillis(),
      ...(deps.timing ? { timing: deps.timing } : {}),
      ...(deps.beforeStep ? { beforeStep: deps.beforeStep } : {}),
    });
    try {
      return await run(event, own, ports, { logger, metrics });
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

const reported = (ids: string[]): SQSBatchResponse => ({ batchItemFailures: ids.map((itemIdentifier) => ({ itemIdentifier })) });

/** Builds the landing queue's handler; the module's `handler` is one with the real environment and clients. */
export function createHandler(deps: CleanerDeps = {}): Invocation {
  return entry(deps, async (event, own, ports, { logger, metrics }) => {
    const { settings } = own.aws;
    if (!own.turns) return runInlineGroup(event.Records, ports, settings, logger, metrics);
    const failed = await keepTurn(event.Records, {
      ports,
      records: own.turns.records,
      messages: own.turns.messages,
      metrics,
      scope: { bucket: settings.buckets.bronze, prefix: settings.bronzePrefix },
      groupMaxBytes: settings.groupMaxBytes,
    });
    return reported(failed);
  });
}

/** Builds the silver queue's handler (split mode; its event source mapping has batchSize 1). */
export function createSilverHandler(deps: CleanerDeps = {}): Invocation {
  return entry(deps, async (event, own, ports) => {
    const turns = own.turns;
    if (!turns) throw new Error(`the silver worker needs ${CLEANER_ENV.silverQueueUrl}, ${CLEANER_ENV.landingQueueUrl} and ${CLEANER_ENV.silverMaxReceives}`);
    const failed: string[] = [];
    for (const record of event.Records) {
      if (await workOnPrepare(record, { ports, records: turns.records, messages: turns.messages, maxReceives: turns.maxReceives })) failed.push(record.messageId);
    }
    return reported(failed);
  });
}

let defaultHandler: Invocation | undefined;
let defaultSilverHandler: Invocation | undefined;

/** The landing queue's entry (`index.handler` in the image); built on first use, once per container. */
export const handler: Invocation = (event, context) => {
  defaultHandler ??= createHandler();
  return defaultHandler(event, context);
};

/** The silver queue's entry (`index.silverHandler`); built on first use, once per container. */
export const silverHandler: Invocation = (event, context) => {
  defaultSilverHandler ??= createSilverHandler();
  return defaultSilverHandler(event, context);
};
