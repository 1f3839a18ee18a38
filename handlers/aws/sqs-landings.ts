// SQS record bodies are S3 event notifications. This reads one body and keeps the records that
// land under the bronze bucket's prefix; everything else is named so that it can be logged.
import { decodeS3Key, type S3EventLike } from '../core/landing-event.ts';

export type SqsBody =
  | { kind: 's3_test_event' }
  | { kind: 'landings'; event: S3EventLike; ignored: Array<{ bucket: string; key: string; reason: string }> };

export interface BronzeScope {
  bucket: string;
  /** '' or a prefix ending in '/'. */
  prefix: string;
}

/** Parses an SQS message body; throws on a body that is not an S3 notification. */
export function readSqsBody(body: string, scope: BronzeScope): SqsBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error(`SQS message body is not JSON: ${body.slice(0, 200)}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`SQS message body is not an S3 event: ${body.slice(0, 200)}`);
  // S3 sends one s3:TestEvent when a notification configuration is saved.
  if ((parsed as { Event?: unknown }).Event === 's3:TestEvent') return { kind: 's3_test_event' };
  const records = (parsed as S3EventLike).Records;
  if (!Array.isArray(records)) throw new Error(`SQS message body has no S3 event Records: ${body.slice(0, 200)}`);
  const kept: NonNullable<S3EventLike['Records']> = [];
  const ignored: Array<{ bucket: string; key: string; reason: string }> = [];
  for (const record of records) {
    const bucket = record.s3?.bucket?.name ?? '';
    const rawKey = record.s3?.object?.key;
    const key = rawKey === undefined ? '' : decodeS3Key(rawKey);
    if (bucket !== scope.bucket) ignored.push({ bucket, key, reason: `not the bronze bucket ${scope.bucket}` });
    else if (!key.startsWith(scope.prefix)) ignored.push({ bucket, key, reason: `outside the bronze prefix ${scope.prefix}` });
    else kept.push(record);
  }
  return { kind: 'landings', event: { Records: kept }, ignored };
}
