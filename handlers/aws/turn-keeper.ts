// The turn keeper (s13 design, "Turn keeper invocation"): the landing FIFO queue's consumer in
// split mode. It admits landings in FIFO order (a .dat becomes a pending turn record and a
// "prepare" message for a silver worker) and then takes ONE gold turn over the batches whose
// silver is ready, in landing order: the order of the pending records, i.e. of the landing
// messages' SequenceNumbers, never the order in which workers finish.
//
// One turn keeper runs at a time: every message it reads (landings, the workers' "silver-ready"
// notes, its own "gold-turn" notes) is in the landing queue's one message group, and "for FIFO
// queues, concurrent invocations are capped … by the number of message group IDs" (Lambda DG,
// services-sqs-scaling.html). So it is the lake's only gold writer, and it keeps at most
// CLEANER_DEFAULTS.goldStatements + 1 Athena queries in flight (its gold slices and the duplicates
// figure beside them).
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import pLimit from 'p-limit';
import { handleLandings, type LandingPorts, type LandingResult, landingKind, unprocessableNameReason } from '../core/handle-landings.ts';
import { asError } from '../core/gold-turn.ts';
import { committedResult, identifyLanding } from '../core/prepare-batch.ts';
import type { Landing } from '../core/landing-event.ts';
import { countLandingResult } from './powertools-observability.ts';
import { type BronzeScope, readSqsBody } from './sqs-landings.ts';
import { takeGoldTurn } from './gold-turn-walk.ts';
import { prepareBody, type TurnMessages } from './turn-messages.ts';
import { pendingKey, type TurnRecords } from './turn-records.ts';

export interface TurnKeeperDeps {
  ports: LandingPorts;
  records: TurnRecords;
  messages: TurnMessages;
  metrics: Metrics;
  scope: BronzeScope;
  /** The most landed bytes one gold statement takes (GROUP_MAX_BYTES). */
  groupMaxBytes: number;
}

/** Handles one invocation's records (FIFO order); returns the message ids to report. */
export async function keepTurn(records: SQSRecord[], deps: TurnKeeperDeps): Promise<string[]> {
  const { log } = deps.ports;
  // 1. Admit the records, ten at once (each is a few round trips: the commit lookup, the pending
  // record, the prepare message). A failure reports its record and every later one, and FIFO
  // order needs more: a later landing's pending record must never exist without an earlier
  // one's, or a turn could take it first. No turn runs while this invocation admits, so the
  // pending records of later landings admitted meanwhile are deleted again before it ends.
  const admitting = pLimit(ADMITTED_AT_ONCE);
  const admissions = await Promise.all(
    records.map((record) =>
      admitting(() =>
        admit(record, deps).then(
          (admission) => ({ admission }),
          (error: unknown) => ({ error: asError(error) }),
        ),
      ),
    ),
  );
  const failedAt = admissions.findIndex((outcome) => 'error' in outcome);
  if (failedAt >= 0) {
    const failure = admissions[failedAt] as { error: Error };
    log.error('SQS message failed; it and every later message of the batch are retried', { messageId: records[failedAt]?.messageId, error: failure.error.message });
    const later = admissions.slice(failedAt + 1).flatMap((outcome) => ('admission' in outcome && outcome.admission.pendingKey ? [outcome.admission.pendingKey] : []));
    if (later.length > 0) await deps.records.delete(later);
    return records.slice(failedAt).map((record) => record.messageId);
  }
  const kinds = admissions.map((outcome) => ('admission' in outcome ? outcome.admission.kind : 'other'));
  const notes = kinds.filter((kind) => kind === 'note').length;
  const admitted = kinds.filter((kind) => kind === 'admitted').length;
  // 2. One gold turn, when something may have become ready: a worker's note or our own gold-turn
  // note came in, or nothing was handed to a worker. An invocation that only hands landings out
  // skips it, so a burst of landings reaches the workers at once instead of one gold turn per ten
  // landings; the workers' notes follow them in the same FIFO group and each takes a turn over
  // every batch ready by then. The turn fails whole (the pending records are durable): every
  // record is reported, so the turn runs again when they come back.
  if (notes === 0 && admitted > 0) return [];
  try {
    await takeGoldTurn(deps);
  } catch (error) {
    log.error('gold turn failed; every message of the batch is retried', { error: asError(error).message });
    return records.map((record) => record.messageId);
  }
  return [];
}

/** Records admitted at once (each of its calls is one round trip to S3, Glue or SQS). */
const ADMITTED_AT_ONCE = 10;

interface Admission {
  kind: 'note' | 'admitted' | 'other';
  /** The pending record written for a landing handed to a worker. */
  pendingKey?: string;
}

/**
 * Step 1 for one record: notes need no own work; a landing is sorted as in inline mode. Says
 * what the record was: a note, a landing handed to a worker, or something else (ignored,
 * refused, already committed, a zip unpacked).
 */
async function admit(record: SQSRecord, deps: TurnKeeperDeps): Promise<Admission> {
  const body = readSqsBody(record.body, deps.scope);
  if (body.kind === 'note') return { kind: 'note' };
  if (body.kind === 'ignored') {
    deps.ports.log.info('landing ignored: outside the bronze bucket and prefix', { messageId: record.messageId, bucket: body.bucket, key: body.key, reason: body.reason });
    return { kind: 'other' };
  }
  const results = await admitLanding(body.landing, record, deps);
  if (typeof results === 'string') return { kind: 'admitted', pendingKey: results };
  for (const result of results) {
    if (result.status === 'failed') throw new Error(result.error);
    countLandingResult(deps.metrics, result);
    if (result.status === 'unpacked' && result.refused.length > 0) {
      deps.ports.log.error('zip entries refused; not retried (the verdict would not change)', { messageId: record.messageId, sourceFile: result.sourceFile, refused: result.refused });
    }
  }
  return { kind: 'other' };
}

/**
 * A plain .dat within the limits becomes a pending record and a prepare message; anything else
 * (a zip, another suffix, a name or size that is refused) gets today's verdict from
 * handleLandings, which never reaches a group for it (zip members land as their own events).
 */
async function admitLanding(landing: Landing, record: SQSRecord, deps: TurnKeeperDeps): Promise<LandingResult[] | string> {
  const { ports } = deps;
  if (landingKind(landing.ref.key) !== 'dat' || unprocessableNameReason(landing.ref.key)) return handleLandings([landing], ports);
  const batch = await identifyLanding(landing, ports.store);
  if (ports.landingMaxBytes !== undefined && batch.info.size > ports.landingMaxBytes) return handleLandings([{ ...landing, size: batch.info.size }], ports);
  const { sourceFile } = batch;
  const committed = await committedResult(batch, ports);
  if (committed) return [{ sourceFile, status: 'already_committed', batchId: batch.batchId, figures: committed.figures }];
  // Lambda passes the FIFO attributes on each record; SequenceNumber orders the landings.
  const sequence = record.attributes.SequenceNumber;
  if (!sequence) throw new Error(`${sourceFile}: the landing message has no SequenceNumber (not from a FIFO queue?)`);
  const body = prepareBody(batch.batchId, sequence, { ...landing, etag: batch.info.etag, size: batch.info.size });
  // The pending record first: once the prepare message is out, a worker's note may wake a turn
  // that must find the landing's place in the order.
  await deps.records.putPending({ batchId: body.batchId, sequence: body.sequence, landing: body.landing });
  await deps.messages.prepare(body);
  ports.log.info('landing handed to a silver worker', { messageId: record.messageId, batchId: batch.batchId, sourceFile, sequence });
  return pendingKey(sequence);
}
