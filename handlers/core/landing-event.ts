// Landing events are shaped like S3 event notifications, whether S3 or the local CLI sent them.
import type { ObjectRef } from './ports.ts';

export interface Landing {
  ref: ObjectRef;
  size?: number;
  etag?: string;
}

export interface S3EventLike {
  Records?: Array<{
    eventName?: string;
    s3?: { bucket?: { name?: string }; object?: { key?: string; size?: number; eTag?: string } };
  }>;
}

/** Object keys arrive URL-encoded with `+` for spaces. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** The landings of an event; S3 test events and records without an object are ignored. */
export function landingsOf(event: S3EventLike): Landing[] {
  const landings: Landing[] = [];
  for (const record of event.Records ?? []) {
    const bucket = record.s3?.bucket?.name;
    const key = record.s3?.object?.key;
    if (!bucket || key === undefined) continue;
    if (record.eventName && !record.eventName.startsWith('ObjectCreated')) continue;
    const landing: Landing = { ref: { bucket, key: decodeS3Key(key) } };
    if (record.s3?.object?.size !== undefined) landing.size = record.s3.object.size;
    if (record.s3?.object?.eTag) landing.etag = record.s3.object.eTag.replace(/"/g, '');
    landings.push(landing);
  }
  return landings;
}

/** Builds the event that S3 would send for objects created in a bucket. */
export function objectCreatedEvent(landings: Landing[]): S3EventLike {
  return {
    Records: landings.map((landing) => ({
      eventName: 'ObjectCreated:Put',
      s3: {
        bucket: { name: landing.ref.bucket },
        object: {
          key: encodeURIComponent(landing.ref.key).replace(/%20/g, '+').replace(/%2F/g, '/'),
          ...(landing.size !== undefined ? { size: landing.size } : {}),
          ...(landing.etag !== undefined ? { eTag: landing.etag } : {}),
        },
      },
    })),
  };
}
