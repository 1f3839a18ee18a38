// SQS record bodies are Amazon EventBridge events: S3 sends "Object Created" to EventBridge, a rule
// (case-insensitive suffixes) forwards them to the FIFO queue (S3 cannot notify a FIFO queue
// directly). This reads one body and keeps the landing if it is under the bronze bucket's prefix;
// anything else is named so that it can be logged.
//
// The shape, from the S3 user guide "EventBridge event message structure" (ev-events):
//   { "detail-type": "Object Created", "source": "aws.s3",
//     "detail": { "bucket": { "name" }, "object": { "key", "size", "etag", "sequencer", ... }, "reason" } }
// The key is NOT URL-encoded there, unlike S3 event notifications ("notification-content-structure":
// "The object key name value is URL encoded"): it is used as is. See the ev-events examples (plain
// keys) and aws-solutions-library-samples/guidance-for-medialake-on-aws#21 (keys with `+`, `%20` and
// spaces break when EventBridge keys are decoded like S3 notification keys).
//
// Plain S3 notification bodies are no longer accepted: nothing sends them to this queue any more
// (components/ routes S3 → EventBridge → SQS FIFO), and a body of the wrong shape fails loudly.
//
// In split mode the landing queue also carries the cleaner's own notes ("silver-ready" from a
// worker, "gold-turn" from the turn keeper), and the silver queue its "prepare" bodies
// (handlers/aws/turn-messages.ts writes them); they are read here too.
import type { Landing } from '../core/landing-event.ts';
import type { PrepareBody, TurnNoteBody } from './turn-messages.ts';

export interface EventBridgeObjectCreated {
  version?: string;
  id?: string;
  'detail-type': string;
  source: string;
  account?: string;
  time?: string;
  region?: string;
  resources?: string[];
  detail: {
    version?: string;
    bucket: { name: string };
    object: { key: string; size?: number; etag?: string; sequencer?: string; 'version-id'?: string };
    reason?: string;
    'request-id'?: string;
    requester?: string;
  };
}

export type SqsBody =
  | { kind: 'landing'; landing: Landing; reason?: string; sequencer?: string }
  | { kind: 'ignored'; bucket: string; key: string; reason: string }
  | { kind: 'note'; note: TurnNoteBody };

export interface BronzeScope {
  bucket: string;
  /** '' or a prefix ending in '/'. */
  prefix: string;
}

export const OBJECT_CREATED = 'Object Created';
export const S3_SOURCE = 'aws.s3';

/** Parses an SQS message body; throws on a body that is not an EventBridge S3 "Object Created" event. */
export function readSqsBody(body: string, scope: BronzeScope): SqsBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error(`SQS message body is not JSON: ${body.slice(0, 200)}`);
  }
  const note = turnNoteOf(parsed);
  if (note) return { kind: 'note', note };
  const event = parsed as Partial<EventBridgeObjectCreated> | null;
  if (typeof event !== 'object' || event === null || event.source !== S3_SOURCE || event['detail-type'] !== OBJECT_CREATED) {
    throw new Error(`SQS message body is not an EventBridge S3 "Object Created" event: ${body.slice(0, 200)}`);
  }
  const bucket = event.detail?.bucket?.name;
  const object = event.detail?.object;
  if (typeof bucket !== 'string' || typeof object?.key !== 'string') {
    throw new Error(`EventBridge S3 event without detail.bucket.name or detail.object.key: ${body.slice(0, 200)}`);
  }
  const key = object.key;
  if (bucket !== scope.bucket) return { kind: 'ignored', bucket, key, reason: `not the bronze bucket ${scope.bucket}` };
  if (!key.startsWith(scope.prefix)) return { kind: 'ignored', bucket, key, reason: `outside the bronze prefix ${scope.prefix}` };
  const landing: Landing = { ref: { bucket, key } };
  if (typeof object.size === 'number') landing.size = object.size;
  if (typeof object.etag === 'string' && object.etag !== '') landing.etag = object.etag.replace(/"/g, '');
  return {
    kind: 'landing',
    landing,
    ...(event.detail?.reason !== undefined ? { reason: event.detail.reason } : {}),
    ...(object.sequencer !== undefined ? { sequencer: object.sequencer } : {}),
  };
}

/** A "silver-ready" or "gold-turn" note, or undefined when the body is something else. */
function turnNoteOf(parsed: unknown): TurnNoteBody | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const body = parsed as Record<string, unknown>;
  if (body.procureflow === 'silver-ready' && typeof body.batchId === 'string') return { procureflow: 'silver-ready', batchId: body.batchId };
  if (body.procureflow === 'gold-turn' && typeof body.after === 'string') return { procureflow: 'gold-turn', after: body.after };
  return undefined;
}

/** Parses a silver queue body; throws on anything but a complete "prepare" body. */
export function readPrepareBody(body: string): PrepareBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error(`silver message body is not JSON: ${body.slice(0, 200)}`);
  }
  const prepare = parsed as Partial<PrepareBody> | null;
  const landing = prepare?.landing;
  if (
    prepare?.procureflow !== 'prepare' ||
    typeof prepare.batchId !== 'string' ||
    typeof prepare.sequence !== 'string' ||
    typeof landing?.ref?.bucket !== 'string' ||
    typeof landing.ref.key !== 'string' ||
    typeof landing.etag !== 'string' ||
    typeof landing.size !== 'number'
  ) {
    throw new Error(`silver message body is not a "prepare" body: ${body.slice(0, 200)}`);
  }
  return { procureflow: 'prepare', batchId: prepare.batchId, sequence: prepare.sequence, landing: { ref: { bucket: landing.ref.bucket, key: landing.ref.key }, etag: landing.etag, size: landing.size } };
}

/** The event S3 sends EventBridge for a new object (tests, benches and the smoke command build bodies with it). */
export function objectCreatedEventBridge(landing: Landing, reason = 'PutObject'): EventBridgeObjectCreated {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': OBJECT_CREATED,
    source: S3_SOURCE,
    account: '111122223333',
    time: '2026-03-01T12:00:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${landing.ref.bucket}`],
    detail: {
      version: '0',
      bucket: { name: landing.ref.bucket },
      object: {
        key: landing.ref.key,
        ...(landing.size !== undefined ? { size: landing.size } : {}),
        ...(landing.etag !== undefined ? { etag: landing.etag } : {}),
        sequencer: '617f08299329d189',
      },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      reason,
    },
  };
}
