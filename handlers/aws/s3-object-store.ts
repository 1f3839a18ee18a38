// The object store port on Amazon S3 (or any S3-compatible server): HeadObject, GetObject,
// multipart uploads through @aws-sdk/lib-storage, list-and-delete for locations, and server-side
// copies (CopyObject up to 5 GB, UploadPartCopy above) that never pass the bytes through the Lambda.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import type { ObjectInfo, ObjectRef, ObjectStore } from '../core/ports.ts';
import { isNotFound } from './aws-errors.ts';

export interface S3ObjectStoreOptions {
  /** Bytes per multipart part; S3's minimum is 5 MB (default 8 MB). */
  partSize?: number;
  /** Parts of one upload in flight at once (default 4); memory is about partSize × queueSize. */
  queueSize?: number;
  /** Keys per ListObjectsV2 page (default: the server's, 1000 on S3). */
  listPageSize?: number;
}

export interface S3Location {
  bucket: string;
  /** Key prefix, '' for the whole bucket; otherwise as written (normally ending in '/'). */
  prefix: string;
}

export const MIN_PART_SIZE = 5 * 1024 * 1024;
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const DEFAULT_QUEUE_SIZE = 4;
const DELETE_CHUNK = 1000;
/**
 * S3 "Copying objects": CopyObject copies an object of up to 5 GB in one atomic operation; a larger
 * one must be copied with the multipart upload API, Upload Part (Copy)
 * (docs.aws.amazon.com/AmazonS3/latest/userguide/CopyingObjctsMPUapi.html).
 */
export const MAX_SINGLE_COPY_BYTES = 5 * 1024 ** 3;
/** Bytes per UploadPartCopy part; parts are 5 MiB to 5 GiB, at most 10,000 of them (S3 multipart limits). */
export const COPY_PART_BYTES = 512 * 1024 ** 2;

/** `s3://bucket/prefix/` → { bucket, prefix }. Throws on anything that is not a plain S3 URI. */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(uri);
  if (!match) throw new Error(`not an S3 URI: "${uri}" (expected s3://bucket/prefix/)`);
  const bucket = match[1] as string;
  const prefix = match[2] ?? '';
  // Bucket naming rules, lightly: 3-63 of lowercase letters, digits, dots and hyphens.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error(`invalid bucket name "${bucket}" in "${uri}"`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(prefix)) throw new Error(`control character in the prefix of "${uri}"`);
  if (prefix.startsWith('/')) throw new Error(`prefix of "${uri}" starts with '/'`);
  return { bucket, prefix };
}

/** ETags come quoted from S3; the port hands them out bare. */
export function stripEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

/** Counts bytes through a stream. */
function byteCounter(): { tap: Transform; bytes: () => number } {
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  return { tap, bytes: () => bytes };
}

export class S3ObjectStore implements ObjectStore {
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly listPageSize: number | undefined;

  constructor(
    private readonly client: S3Client,
    options: S3ObjectStoreOptions = {},
  ) {
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    this.queueSize = options.queueSize ?? DEFAULT_QUEUE_SIZE;
    this.listPageSize = options.listPageSize;
    if (!Number.isSafeInteger(this.partSize) || this.partSize < MIN_PART_SIZE) {
      throw new Error(`partSize must be an integer of at least ${MIN_PART_SIZE} bytes (5 MB), got ${this.partSize}`);
    }
    if (!Number.isSafeInteger(this.queueSize) || this.queueSize < 1) throw new Error(`queueSize must be a positive integer, got ${this.queueSize}`);
  }

  async head(ref: ObjectRef): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
      return { size: out.ContentLength ?? 0, etag: stripEtag(out.ETag) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async read(ref: ObjectRef): Promise<Readable> {
    let body: unknown;
    try {
      body = (await this.client.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }))).Body;
    } catch (error) {
      if (isNotFound(error)) throw new Error(`s3://${ref.bucket}/${ref.key} does not exist`, { cause: error });
      throw error;
    }
    if (body instanceof Readable) return body;
    if (body && typeof (body as { transformToWebStream?: unknown }).transformToWebStream === 'function') {
      const web = (body as { transformToWebStream: () => ReadableStream<Uint8Array> }).transformToWebStream();
      return Readable.fromWeb(web as Parameters<typeof Readable.fromWeb>[0]);
    }
    throw new Error(`s3://${ref.bucket}/${ref.key}: GetObject returned no readable body`);
  }

  /** A multipart upload (a single PUT below partSize); the object appears whole or not at all. */
  async write(ref: ObjectRef, body: Readable): Promise<ObjectInfo> {
    const { tap, bytes } = byteCounter();
    body.on('error', (error) => tap.destroy(error));
    const upload = new Upload({
      client: this.client,
      params: { Bucket: ref.bucket, Key: ref.key, Body: body.pipe(tap) },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    const out = await upload.done();
    const etag = stripEtag('ETag' in out ? out.ETag : undefined);
    return { size: bytes(), etag };
  }

  /**
   * A server-side copy of `size` bytes (the source's size): one CopyObject up to 5 GB, a multipart
   * copy of COPY_PART_BYTES parts above, aborted on any failure so no parts are left behind.
   */
  async copy(from: ObjectRef, to: ObjectRef, size: number): Promise<void> {
    // The copy source is `bucket/key` with the key URL-encoded (S3 API reference, CopyObject: x-amz-copy-source).
    const CopySource = `${from.bucket}/${encodeURIComponent(from.key).replace(/%2F/g, '/')}`;
    if (size <= MAX_SINGLE_COPY_BYTES) {
      await this.client.send(new CopyObjectCommand({ Bucket: to.bucket, Key: to.key, CopySource }));
      return;
    }
    const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket: to.bucket, Key: to.key }));
    const UploadId = created.UploadId;
    if (!UploadId) throw new Error(`s3://${to.bucket}/${to.key}: CreateMultipartUpload returned no UploadId`);
    try {
      const parts: Array<{ ETag: string; PartNumber: number }> = [];
      for (let start = 0, PartNumber = 1; start < size; start += COPY_PART_BYTES, PartNumber++) {
        const end = Math.min(start + COPY_PART_BYTES, size) - 1;
        const out = await this.client.send(
          new UploadPartCopyCommand({ Bucket: to.bucket, Key: to.key, UploadId, PartNumber, CopySource, CopySourceRange: `bytes=${start}-${end}` }),
        );
        parts.push({ ETag: out.CopyPartResult?.ETag ?? '', PartNumber });
      }
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (error) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, UploadId })).catch(() => undefined);
      throw error;
    }
  }

  async clearLocation(location: string): Promise<void> {
    const { bucket, prefix } = parseS3Uri(location);
    if (prefix === '') throw new Error(`refusing to clear the whole bucket ${location}; name a prefix`);
    // Collect first, then delete: deleting while paging can skip keys on some servers.
    const keys: string[] = [];
    for await (const page of this.pages(bucket, prefix)) {
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
    }
    const failed: string[] = [];
    for (let start = 0; start < keys.length; start += DELETE_CHUNK) {
      const chunk = keys.slice(start, start + DELETE_CHUNK);
      const out = await this.client.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }),
      );
      for (const error of out.Errors ?? []) failed.push(`${error.Key ?? '?'} (${error.Code ?? 'error'}: ${error.Message ?? ''})`);
    }
    if (failed.length > 0) {
      throw new Error(`could not delete ${failed.length} object(s) under ${location}: ${failed.slice(0, 20).join(', ')}${failed.length > 20 ? ', ...' : ''}`);
    }
  }

  async sizeOfLocation(location: string): Promise<number> {
    const { bucket, prefix } = parseS3Uri(location);
    let total = 0;
    for await (const page of this.pages(bucket, prefix)) {
      for (const object of page.Contents ?? []) total += object.Size ?? 0;
    }
    return total;
  }

  private async *pages(bucket: string, prefix: string): AsyncGenerator<ListObjectsV2CommandOutput> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix === '' ? undefined : prefix, ContinuationToken: token, MaxKeys: this.listPageSize }),
      );
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}
