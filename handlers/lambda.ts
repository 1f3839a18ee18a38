// The cleaner Lambda: SQS FIFO messages whose bodies are EventBridge "Object Created" events of
// landings in bronze. Thin by design: parse the event, hand the landing to the pipeline core with
// the ports of handlers/aws/aws-lake.ts, and report the messages to retry (ReportBatchItemFailures).
//
// Failure policy, per SQS message (Powertools batch, SqsFifoPartialProcessorAsync):
// - a landing whose result is `failed` throws: Powertools reports that message AND every message
//   after it, unprocessed, in order, so a FIFO message group never skips ahead (issue 9 item 1);
// - a landing that is `refused` (over LANDING_MAX_BYTES, a zip over its limits, a name that cannot
//   be processed) and zip entries refused are NOT reported: the verdict is the same on every retry.
//   They are logged at error level with the reason and counted (`LandingsRefused` metric) for an
//   alarm, instead of being retried into the dead-letter queue (issue 7 item 11);
// - a body that is not an EventBridge S3 event is reported (it reaches the DLQ and its alarm).
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { AthenaClient } from '@aws-sdk/client-athena';
import type { GlueClient } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { handleLanding, isRetryable } from './core/handle-landings.ts';
import { awsClients, type AwsLake, openAwsLake } from './aws/aws-lake.ts';
import type { Timing } from './aws/backoff.ts';
import { readLambdaSettings } from './aws/lambda-settings.ts';
import { countLandingResult, powertoolsLog } from './aws/powertools-observability.ts';
import { readSqsBody } from './aws/sqs-landings.ts';

export interface CleanerDeps {
  env?: Record<string, string | undefined>;
  s3?: S3Client;
  glue?: GlueClient;
  athena?: AthenaClient;
  logger?: Logger;
  metrics?: Metrics;
  /** Tests make Athena's polling instant. */
  timing?: Timing;
}

/** Builds a handler; the module's `handler` is one with the real environment and clients. */
export function createHandler(deps: CleanerDeps = {}) {
  const logger = deps.logger ?? new Logger();
  const metrics = deps.metrics ?? new Metrics();
  const log = powertoolsLog(logger);
  let lake: Promise<AwsLake> | undefined;

  // Once per container: settings, SQL and clients; a failure is retried by the next invocation.
  const init = (): Promise<AwsLake> => {
    lake ??= (async () => {
      const settings = readLambdaSettings(deps.env ?? process.env);
      const clients = awsClients({ s3: deps.s3, glue: deps.glue, athena: deps.athena });
      return openAwsLake(settings, clients, log);
    })().catch((error: unknown) => {
      lake = undefined;
      throw error;
    });
    return lake;
  };

  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    const aws = await init();
    const { settings } = aws;
    const ports = aws.ports({ remainingTimeMillis: () => context.getRemainingTimeInMillis(), ...(deps.timing ? { timing: deps.timing } : {}) });

    const handleRecord = async (record: SQSRecord): Promise<void> => {
      logger.appendKeys({ messageId: record.messageId });
      try {
        const body = readSqsBody(record.body, { bucket: settings.buckets.bronze, prefix: settings.bronzePrefix });
        if (body.kind === 'ignored') {
          logger.info('landing ignored: outside the bronze bucket and prefix', { bucket: body.bucket, key: body.key, reason: body.reason });
          return;
        }
        const sourceFile = `${body.landing.ref.bucket}/${body.landing.ref.key}`;
        logger.appendKeys({ sourceFile });
        const results = await handleLanding(body.landing, ports);
        let retry: string | undefined;
        for (const result of results) {
          countLandingResult(metrics, result);
          if (result.status === 'committed' || result.status === 'already_committed') {
            logger.info('landing done', { status: result.status, batchId: result.batchId, sourceFile: result.sourceFile });
          }
          if (result.status === 'unpacked' && result.refused.length > 0) {
            logger.error('zip entries refused; not retried (the verdict would not change)', { sourceFile: result.sourceFile, refused: result.refused });
          }
          if (isRetryable(result) && result.status === 'failed') retry ??= result.error;
        }
        if (retry !== undefined) throw new Error(retry);
      } catch (error) {
        logger.error('SQS message failed; it and every later message of the batch are retried', {
          error: error instanceof Error ? error.message : String(error),
        });
        throw error;
      } finally {
        logger.removeKeys(['messageId', 'sourceFile']);
      }
    };

    try {
      // A failed message and every one after it are reported, in order; a batch that failed whole
      // is reported whole too (not thrown), so SQS redelivers exactly those messages.
      return await processPartialResponse(event, handleRecord, new SqsFifoPartialProcessorAsync(), { context, throwOnFullBatchFailure: false });
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

let defaultHandler: ReturnType<typeof createHandler> | undefined;

/** The Lambda entry (`index.handler` in the image); built on first use, once per container. */
export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  defaultHandler ??= createHandler();
  return defaultHandler(event, context);
};
