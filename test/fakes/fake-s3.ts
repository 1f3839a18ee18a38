// The fake S3: objects in the shared state, the operations the project calls, S3's answers, and
// "Object Created" notifications to whoever listens (event-routing.ts decides what they reach).
import { NoSuchBucket, NoSuchKey, NotFound } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { type CloudState, objectSize } from './cloud-state.ts';

export interface ObjectCreated {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  /** `PutObject`, `CopyObject` or `CompleteMultipartUpload`, as S3 names the reason. */
  reason: string;
}

const $metadata = (httpStatusCode: number) => ({ httpStatusCode });

export class FakeS3 {
  private readonly listeners: Array<(event: ObjectCreated) => void> = [];

  constructor(private readonly state: CloudState) {}

  onObjectCreated(listener: (event: ObjectCreated) => void): void {
    this.listeners.push(listener);
  }

  private objects(bucket: string | undefined) {
    const objects = this.state.buckets.get(bucket ?? '');
    // NoSuchBucket, "The specified bucket does not exist.", HTTP 404 (S3 API reference,
    // ErrorResponses.html, "List of error codes").
    if (!objects) throw new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: $metadata(404) });
    return objects;
  }

  /** Lands an object as a client's PutObject would, notifications included. */
  put(bucket: string, key: string, body: Buffer | string | { declaredSize: number }, reason = 'PutObject'): { ETag: string } {
    this.objects(bucket);
    const stored = this.state.putObject(bucket, key, body);
    for (const listener of this.listeners) listener({ bucket, key, size: objectSize(stored), etag: stored.etag, reason });
    return { ETag: `"${stored.etag}"` };
  }

  headObject(input: { Bucket?: string; Key?: string }) {
    this.state.calls.push(`S3.HeadObject s3://${input.Bucket ?? ''}/${input.Key ?? ''}`);
    const object = this.objects(input.Bucket).get(input.Key ?? '');
    // HEAD has no body, so the SDK reports a bare 404 as NotFound.
    if (!object) throw new NotFound({ message: 'Not Found', $metadata: $metadata(404) });
    return { ContentLength: objectSize(object), ETag: `"${object.etag}"`, LastModified: object.lastModified };
  }

  getObject(input: { Bucket?: string; Key?: string }) {
    this.state.calls.push(`S3.GetObject s3://${input.Bucket ?? ''}/${input.Key ?? ''}`);
    const object = this.objects(input.Bucket).get(input.Key ?? '');
    if (!object) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: $metadata(404) });
    if (object.declaredSize !== undefined) throw new Error(`fake S3 (model mode): s3://${input.Bucket ?? ''}/${input.Key ?? ''} has a declared size and no bytes to read`);
    return { Body: Readable.from([object.body]), ContentLength: object.body.length, ETag: `"${object.etag}"` };
  }

  async putObject(input: { Bucket?: string; Key?: string; Body?: unknown }) {
    this.state.calls.push(`S3.PutObject s3://${input.Bucket ?? ''}/${input.Key ?? ''}`);
    return this.put(input.Bucket ?? '', input.Key ?? '', await bodyBytes(input.Body));
  }

  copyObject(input: { Bucket?: string; Key?: string; CopySource?: string }) {
    this.state.calls.push(`S3.CopyObject ${input.CopySource ?? ''} → s3://${input.Bucket ?? ''}/${input.Key ?? ''}`);
    // CopySource is "bucket/key", URL-encoded (S3 API reference, CopyObject).
    const source = decodeURIComponent((input.CopySource ?? '').replace(/^\//, ''));
    const slash = source.indexOf('/');
    const object = this.objects(source.slice(0, slash)).get(source.slice(slash + 1));
    if (!object) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: $metadata(404) });
    const out = this.put(input.Bucket ?? '', input.Key ?? '', object.declaredSize === undefined ? object.body : { declaredSize: object.declaredSize }, 'CopyObject');
    return { CopyObjectResult: { ETag: out.ETag, LastModified: new Date() } };
  }

  listObjectsV2(input: { Bucket?: string; Prefix?: string; ContinuationToken?: string; MaxKeys?: number }) {
    this.state.calls.push(`S3.ListObjectsV2 s3://${input.Bucket ?? ''}/${input.Prefix ?? ''}`);
    const objects = this.objects(input.Bucket);
    const keys = this.state.listKeys(input.Bucket ?? '', input.Prefix ?? '');
    const start = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
    const pageSize = Math.min(input.MaxKeys ?? 1000, 1000);
    const page = keys.slice(start, start + pageSize);
    const truncated = start + pageSize < keys.length;
    return {
      Contents: page.map((Key) => {
        const object = objects.get(Key);
        return { Key, Size: object ? objectSize(object) : 0, ETag: `"${object?.etag ?? ''}"` };
      }),
      KeyCount: page.length,
      IsTruncated: truncated,
      ...(truncated ? { NextContinuationToken: String(start + pageSize) } : {}),
    };
  }

  deleteObjects(input: { Bucket?: string; Delete?: { Objects?: Array<{ Key?: string }> } }) {
    const keys = (input.Delete?.Objects ?? []).map((object) => object.Key ?? '');
    this.state.calls.push(`S3.DeleteObjects s3://${input.Bucket ?? ''}/ ${keys.join(',')}`);
    // DeleteObjects: "You can delete up to 1,000 objects" per request (S3 API reference).
    if (keys.length > 1000) throw Object.assign(new Error('The XML you provided was not well-formed'), { name: 'MalformedXML', $metadata: $metadata(400) });
    const objects = this.objects(input.Bucket);
    for (const key of keys) objects.delete(key);
    return { Deleted: keys.map((Key) => ({ Key })), Errors: [] };
  }
}

async function bodyBytes(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof Readable || (typeof body === 'object' && Symbol.asyncIterator in (body as object))) {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  throw new Error(`fake S3: unsupported PutObject body ${typeof body}`);
}
