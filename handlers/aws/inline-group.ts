// Inline mode (SILVER_QUEUE_URL unset, a stack with `silverWorkers: 0`): the messages of one
// invocation are one group (handlers/core/process-group.ts): every file's own steps run at once,
// then one gold statement commits them all in landing order. Failure policy, per SQS message,
// reported to the event source mapping as ReportBatchItemFailures (the FIFO rule of Powertools'
// SqsFifoPartialProcessor, written here because a group's gold step commits all its landings at
// once, not one record at a time):
// - a landing whose result is `failed` is reported AND every message after it, in order, and
//   nothing after it is committed, so a FIFO message group never skips ahead (issue 9 item 1);
// - a landing that is `refused` (over LANDING_MAX_BYTES, a zip over its limits, a name that cannot
//   be processed) and zip entries refused are NOT reported: the verdict is the same on every retry.
//   They are logged at error level with the reason and counted (`LandingsRefused` metric) for an
//   alarm, instead of being retried into the dead-letter queue (issue 7 item 11);
// - a body that is not an EventBridge S3 event is reported (it reaches the DLQ and its alarm);
// - a split mode note ("silver-ready", "gold-turn") left in the queue when a stack went back to
//   inline mode needs no work.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { handleLandings, isRetryable, type LandingPorts } from '../core/handle-landings.ts';
import type { LambdaSettings } from './lambda-settings.ts';
import { countLandingResult } from './powertools-observability.ts';
import { readSqsBody, type SqsBody } from './sqs-landings.ts';

/** Runs one invocation's records as one group; returns the messages to report. */
export async function runInlineGroup(records: SQSRecord[], ports: LandingPorts, settings: LambdaSettings, logger: Logger, metrics: Metrics): Promise<SQSBatchResponse> {
  type Read = { record: SQSRecord; body: SqsBody } | { record: SQSRecord; error: Error };
  const read = records.map((record): Read => {
    try {
      return { record, body: readSqsBody(record.body, { bucket: settings.buckets.bronze, prefix: settings.bronzePrefix }) };
    } catch (error) {
      return { record, error: error instanceof Error ? error : new Error(String(error)) };
    }
  });
  const unreadable = read.findIndex((entry) => 'error' in entry);
  const readable = unreadable < 0 ? read : read.slice(0, unreadable);
  // The byte cap (GROUP_MAX_BYTES) splits the group's gold into turns of at most that many landed
  // bytes, in landing order (process-group.ts maxGroupBytes), so no statement can pass the
  // workgroup's bytes-scanned cutoff. Every message of the batch is processed: one returned
  // unprocessed would come back only after the visibility timeout, and every return counts
  // towards the redrive policy's receives, past which it would be dead-lettered unprocessed.
  const landings = readable.flatMap((entry) => ('body' in entry && entry.body.kind === 'landing' ? [entry.body.landing] : []));
  const results = landings.length > 0 ? await handleLandings(landings, { ...ports, maxGroupBytes: settings.groupMaxBytes }) : [];
  let failedAt = unreadable < 0 ? records.length : unreadable;
  let next = 0;
  for (const [index, entry] of readable.entries()) {
    if (!('body' in entry)) continue;
    const { body } = entry;
    if (body.kind === 'note') continue;
    if (body.kind === 'ignored') {
      logger.info('landing ignored: outside the bronze bucket and prefix', { messageId: entry.record.messageId, bucket: body.bucket, key: body.key, reason: body.reason });
      continue;
    }
    // In the cloud a landing gives exactly one result (zip members land as their own messages).
    const result = results[next++];
    if (!result || index >= failedAt) continue;
    countLandingResult(metrics, result);
    const keys = { messageId: entry.record.messageId, sourceFile: result.sourceFile };
    if (result.status === 'committed' || result.status === 'already_committed') logger.info('landing done', { ...keys, status: result.status, batchId: result.batchId });
    if (result.status === 'unpacked' && result.refused.length > 0) {
      logger.error('zip entries refused; not retried (the verdict would not change)', { ...keys, refused: result.refused });
    }
    if (isRetryable(result) && result.status === 'failed') {
      failedAt = index;
      logger.error('SQS message failed; it and every later message of the batch are retried', { ...keys, error: result.error });
    }
  }
  if (unreadable >= 0 && unreadable <= failedAt) {
    const entry = read[unreadable] as Extract<Read, { error: Error }>;
    logger.error('SQS message failed; it and every later message of the batch are retried', { messageId: entry.record.messageId, error: entry.error.message });
  }
  return { batchItemFailures: records.slice(failedAt).map((record) => ({ itemIdentifier: record.messageId })) };
}
