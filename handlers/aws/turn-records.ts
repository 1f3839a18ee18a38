// The split mode's turn records, in the silver bucket under TURNS_PREFIX (s13 design, "Turn
// records"): what lets the gold turn run in another invocation than the one that prepared a
// batch, and survive every crash between them.
//   pending/<sequence, 40 digits>.json  {batchId, sequence, landing}  the turn keeper, before it sends "prepare"
//   prepared/<batchId>.json             the PreparedBatch              the worker, once phase 1 is done
//   failed/<batchId>.json               {batchId, sourceFile, error}   the worker, on the last receive
// Pending keys sort in landing order: the sequence number is a decimal string of up to 128 bits
// ("SequenceNumber … The length of SequenceNumber is 128 bits", SendMessage, SQS API reference),
// at most 39 digits, left-padded to 40 so that S3's key order ("ListObjectsV2 … Objects are
// returned sorted in an ascending order of the respective key names") is the numeric order.
// The turn keeper may trust a listing: "Amazon S3 provides strong read-after-write consistency
// for PUT and DELETE requests … and list operations" (S3 user guide, "Amazon S3 data consistency
// model", Welcome.html#ConsistencyModel).
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, paginateListObjectsV2, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { TURNS_PREFIX } from '../core/lake-prefixes.ts';
import type { PreparedBatch } from '../core/prepare-batch.ts';
import type { PrepareBody } from './turn-messages.ts';

/** A landed .dat waiting for its gold turn: what the prepare message carries. */
export type PendingRecord = Omit<PrepareBody, 'procureflow'>;

/** A batch whose silver failed on its last receive: the turn keeper skips it. */
export interface FailedRecord {
  batchId: string;
  sourceFile: string;
  error: string;
}

const PENDING = `${TURNS_PREFIX}pending/`;
const PREPARED = `${TURNS_PREFIX}prepared/`;
const FAILED = `${TURNS_PREFIX}failed/`;
const JSON_SUFFIX = '.json';

/** The pending key of a landing: its sequence number left-padded to 40 digits (key order = landing order). */
export function pendingKey(sequence: string): string {
  if (!/^\d{1,40}$/.test(sequence)) throw new Error(`not an SQS FIFO SequenceNumber: ${JSON.stringify(sequence)}`);
  return `${PENDING}${sequence.padStart(40, '0')}${JSON_SUFFIX}`;
}
export const preparedKey = (batchId: string) => `${PREPARED}${batchId}${JSON_SUFFIX}`;
export const failedKey = (batchId: string) => `${FAILED}${batchId}${JSON_SUFFIX}`;

export class TurnRecords {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  putPending(record: PendingRecord): Promise<void> {
    return this.put(pendingKey(record.sequence), record);
  }

  putPrepared(batch: PreparedBatch): Promise<void> {
    return this.put(preparedKey(batch.batchId), batch);
  }

  putFailed(record: FailedRecord): Promise<void> {
    return this.put(failedKey(record.batchId), record);
  }

  /** Pending keys in landing order (their bodies are read as the turn walks them). */
  pendingKeys(): Promise<string[]> {
    return this.keys(PENDING);
  }

  readPending(key: string): Promise<PendingRecord> {
    return this.get<PendingRecord>(key);
  }

  /** Batch ids with a prepared record. */
  async preparedIds(): Promise<Set<string>> {
    return new Set((await this.keys(PREPARED)).map((key) => idOf(key, PREPARED)));
  }

  /** Batch ids with a failed record. */
  async failedIds(): Promise<Set<string>> {
    return new Set((await this.keys(FAILED)).map((key) => idOf(key, FAILED)));
  }

  /**
   * The prepared record, or undefined (the silver worker's "already prepared" check). Whether it
   * exists is asked with a listing of its exact key, not a GET: without s3:ListBucket on the
   * object's own request S3 answers a missing key with 403, not 404 ("If you don't have the
   * s3:ListBucket permission, Amazon S3 returns an HTTP status code 403", GetObject, S3 API
   * reference), and the role's ListBucket holds only for listings under `_work/turns/`.
   */
  async prepared(batchId: string): Promise<PreparedBatch | undefined> {
    const key = preparedKey(batchId);
    const out = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: key, MaxKeys: 1 }));
    if (!out.Contents?.some((object) => object.Key === key)) return undefined;
    return this.get<PreparedBatch>(key);
  }

  readFailed(batchId: string): Promise<FailedRecord> {
    return this.get<FailedRecord>(failedKey(batchId));
  }

  /**
   * Deletes records. DeleteObjects reports per-key failures in its response body ("Errors", with
   * HTTP 200; DeleteObjects, S3 API reference), so they are checked here, not left to the status.
   */
  async delete(keys: string[]): Promise<void> {
    // DeleteObjects takes at most 1000 keys per request (DeleteObjects, S3 API reference).
    for (let start = 0; start < keys.length; start += 1000) {
      const page = keys.slice(start, start + 1000);
      const out = await this.s3.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: page.map((Key) => ({ Key })), Quiet: true } }));
      const failed = out.Errors ?? [];
      if (failed.length > 0) throw new Error(`turn records not deleted: ${failed.map((error) => `${error.Key ?? '?'} (${error.Code ?? '?'})`).join(', ')}`);
    }
  }

  private async put(key: string, value: unknown): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: JSON.stringify(value), ContentType: 'application/json' }));
  }

  private async get<T>(key: string): Promise<T> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!out.Body) throw new Error(`turn record s3://${this.bucket}/${key} has no body`);
    // The SDK's body is a Node Readable (with helpers mixed in); read it as one.
    return JSON.parse(await text(out.Body as Readable)) as T;
  }

  private async keys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2({ client: this.s3 }, { Bucket: this.bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) if (object.Key?.endsWith(JSON_SUFFIX)) keys.push(object.Key);
    }
    return keys;
  }
}

const idOf = (key: string, prefix: string) => key.slice(prefix.length, -JSON_SUFFIX.length);
