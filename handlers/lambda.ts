// The cleaner Lambda: SQS messages whose bodies are S3 notifications of landings in bronze.
// Thin by design: parse the event, build the AWS adapters, call the pipeline core, report the
// messages that failed (SQS partial batch response) so one bad file never blocks the others.
//
// Failure policy, per SQS message:
// - a landing whose result is `failed` → the message is reported and SQS delivers it again (every
//   step is idempotent; the dead-letter queue and its alarm catch what keeps failing);
// - a zip with refused entries is NOT reported: the verdict is the same on every retry, so retrying
//   would only unpack the archive again. The refusal is logged at error level and counted
//   (`zipEntriesRefused` metric) for an alarm;
// - on a FIFO queue, the messages after a failed one are reported too, unprocessed, to keep order.
import { AthenaClient } from '@aws-sdk/client-athena';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { handleLandingEvent, type LandingPorts } from './core/handle-landings.ts';
import { loadPipelineSql, type PipelineSql } from './core/pipeline-sql.ts';
import { AthenaEngine } from './aws/athena-engine.ts';
import type { Timing } from './aws/backoff.ts';
import { GlueCatalog } from './aws/glue-catalog.ts';
import { type LambdaSettings, readLambdaSettings } from './aws/lambda-settings.ts';
import { countLandingResult, powertoolsLog } from './aws/powertools-observability.ts';
import { S3ObjectStore } from './aws/s3-object-store.ts';
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

interface Runtime {
  settings: LambdaSettings;
  sql: PipelineSql;
  store: S3ObjectStore;
  catalog: GlueCatalog;
  athena: AthenaClient;
}

/** Builds a handler; the module's `handler` is one with the real environment and clients. */
export function createHandler(deps: CleanerDeps = {}) {
  const logger = deps.logger ?? new Logger();
  const metrics = deps.metrics ?? new Metrics();
  const log = powertoolsLog(logger);
  let runtime: Promise<Runtime> | undefined;

  // Once per container: settings, SQL and clients; a failure is retried by the next invocation.
  const init = (): Promise<Runtime> => {
    runtime ??= (async () => {
      const settings = readLambdaSettings(deps.env ?? process.env);
      const s3 = deps.s3 ?? new S3Client({});
      const store = new S3ObjectStore(s3);
      const catalog = new GlueCatalog({
        client: deps.glue ?? new GlueClient({}),
        store,
        database: settings.database,
        buckets: { silver: settings.buckets.silver, gold: settings.buckets.gold },
      });
      return { settings, sql: await loadPipelineSql(settings.sqlDir), store, catalog, athena: deps.athena ?? new AthenaClient({}) };
    })().catch((error: unknown) => {
      runtime = undefined;
      throw error;
    });
    return runtime;
  };

  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    const { settings, sql, store, catalog, athena } = await init();
    // The engine is per invocation: its deadline is this invocation's remaining time.
    const engine = new AthenaEngine({
      client: athena,
      workGroup: settings.workGroup,
      database: settings.database,
      remainingTimeMillis: () => context.getRemainingTimeInMillis(),
      resetOutput: async (tableName, location) => {
        await store.clearLocation(location);
        await catalog.dropWorkTable(tableName);
      },
      log,
      ...(deps.timing ? { timing: deps.timing } : {}),
    });
    const ports: LandingPorts = {
      store,
      catalog,
      engine,
      sql,
      log,
      zipLimits: settings.zipLimits,
      workDir: settings.workDir,
      processUnpackedMembers: false,
    };
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    const fifo = (event.Records[0]?.eventSourceARN ?? '').endsWith('.fifo');
    try {
      for (const record of event.Records) {
        if (fifo && failures.length > 0) {
          failures.push({ itemIdentifier: record.messageId });
          continue;
        }
        logger.appendKeys({ messageId: record.messageId });
        try {
          const body = readSqsBody(record.body, { bucket: settings.buckets.bronze, prefix: settings.bronzePrefix });
          if (body.kind === 's3_test_event') {
            logger.info('s3:TestEvent ignored');
            continue;
          }
          for (const ignored of body.ignored) logger.info('landing ignored: outside the bronze bucket and prefix', { ...ignored });
          let failed = false;
          for (const landingRecord of body.event.Records ?? []) {
            const sourceFile = `${landingRecord.s3?.bucket?.name ?? ''}/${landingRecord.s3?.object?.key ?? ''}`;
            logger.appendKeys({ sourceFile });
            const results = await handleLandingEvent({ Records: [landingRecord] }, ports);
            for (const result of results) {
              countLandingResult(metrics, result);
              if (result.status === 'committed' || result.status === 'already_committed') {
                logger.info('landing done', { status: result.status, batchId: result.batchId, sourceFile: result.sourceFile });
              }
              if (result.status === 'unpacked' && result.refused.length > 0) {
                logger.error('zip entries refused; not retried (the verdict would not change)', { sourceFile: result.sourceFile, refused: result.refused });
              }
              if (result.status === 'failed') failed = true;
            }
            logger.removeKeys(['sourceFile']);
          }
          if (failed) failures.push({ itemIdentifier: record.messageId });
        } catch (error) {
          logger.error('SQS message failed', { error: error instanceof Error ? error.message : String(error) });
          failures.push({ itemIdentifier: record.messageId });
        } finally {
          logger.removeKeys(['messageId', 'sourceFile']);
        }
      }
    } finally {
      metrics.publishStoredMetrics();
    }
    return { batchItemFailures: failures };
  };
}

let defaultHandler: ReturnType<typeof createHandler> | undefined;

/** The Lambda entry (`index.handler` in the image); built on first use, once per container. */
export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  defaultHandler ??= createHandler();
  return defaultHandler(event, context);
};
