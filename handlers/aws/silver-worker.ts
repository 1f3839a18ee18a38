// A silver worker's message (s13 design, "Silver worker invocation"): phase 1 of one batch
// (handlers/core/prepare-batch.ts) in its own invocation, many batches at once, each keeping ONE
// Athena query in flight. Its result goes to a turn record, and a "silver-ready" note wakes the
// turn keeper, which commits batches in landing order whatever order the workers finish in.
//
// Every path may run again (SQS delivers at least once): a committed batch is acked, a batch
// with a prepared record only gets its note again, and phase 1 resets its outputs first.
import type { SQSRecord } from 'aws-lambda';
import { committedResult, identifyLanding, prepareBatch, sourceFileOf } from '../core/prepare-batch.ts';
import { asError } from '../core/gold-turn.ts';
import type { BatchPorts } from '../core/process-batch.ts';
import { readPrepareBody } from './sqs-landings.ts';
import type { PrepareBody, TurnMessages } from './turn-messages.ts';
import type { TurnRecords } from './turn-records.ts';

export interface SilverWorkerDeps {
  ports: BatchPorts;
  records: TurnRecords;
  messages: TurnMessages;
  /** The silver queue's maxReceiveCount (SILVER_MAX_RECEIVES). */
  maxReceives: number;
}

/** Works on one prepare message; true when the message must be reported (retried, or moved to the DLQ). */
export async function workOnPrepare(record: SQSRecord, deps: SilverWorkerDeps): Promise<boolean> {
  const { ports, records, messages } = deps;
  const { log } = ports;
  // "ApproximateReceiveCount: the number of times a message has been received across all queues
  // but not deleted" (ReceiveMessage, SQS API reference): on the receive equal to the redrive
  // policy's maxReceiveCount a reported message goes to the DLQ instead of coming back.
  const receiveCount = Number(record.attributes.ApproximateReceiveCount);
  let body: PrepareBody | undefined;
  try {
    body = readPrepareBody(record.body);
    const { batchId } = body;
    const sourceFile = sourceFileOf(body.landing);
    if (await committedResult({ batchId, sourceFile }, ports)) return false;
    if (await records.prepared(batchId)) {
      // Prepared by an earlier receive whose note may be lost: send it again.
      await messages.silverReady(batchId, receiveCount);
      return false;
    }
    const identified = await identifyLanding(body.landing, ports.store);
    if (identified.batchId !== batchId) throw new Error(`${sourceFile}: the prepare message names batch ${batchId}, its landing is batch ${identified.batchId}`);
    const prepared = await prepareBatch(identified, ports);
    await records.putPrepared(prepared);
    await messages.silverReady(batchId, receiveCount);
    log.info('silver ready', { batchId, sourceFile, sequence: body.sequence, receiveCount });
    return false;
  } catch (error) {
    const message = asError(error).message;
    const last = Number.isFinite(receiveCount) && receiveCount >= deps.maxReceives;
    log.error(last ? 'silver failed on its last receive; the landing is given up' : 'silver failed; the message is retried', { batchId: body?.batchId, receiveCount, error: message });
    if (body && last) await giveUp(body, message, receiveCount, deps);
    return true;
  }
}

/**
 * The last receive: a failed record, and a note so the turn keeper sees it now. Without them the
 * landing's pending record would wait forever and block every later landing (a FIFO order).
 */
async function giveUp(body: PrepareBody, error: string, receiveCount: number, deps: SilverWorkerDeps): Promise<void> {
  try {
    await deps.records.putFailed({ batchId: body.batchId, sourceFile: sourceFileOf(body.landing), error });
    await deps.messages.silverReady(body.batchId, receiveCount);
  } catch (recordError) {
    deps.ports.log.error('the failed record could not be written; later landings wait for this one', { batchId: body.batchId, error: asError(recordError).message });
  }
}
