// The one state model of the fake AWS side: S3 buckets and objects, Glue databases, tables and
// partitions, Athena workgroups and query executions, account settings. Both faces (the SDK-mock
// face in sdk-face.ts and the HTTP face in http-face.ts) read and write this same object, and
// every AWS rule lives in the service modules (fake-s3.ts, fake-glue.ts, fake-athena.ts), so a
// rule is enforced once whichever face a test uses.
import { createHash } from 'node:crypto';

export interface StoredObject {
  body: Buffer;
  /**
   * Model mode (bench/cloud.ts): the size the object stands for, with an empty body. S3 answers
   * this size (HEAD, listings); reading its bytes fails loudly.
   */
  declaredSize?: number;
  /** Bare MD5 hex, as S3 gives for a single-part upload. */
  etag: string;
  lastModified: Date;
}

export interface GlueColumn {
  Name: string;
  Type: string;
}

export interface GlueStorage {
  Location: string;
  InputFormat?: string;
  OutputFormat?: string;
  SerdeInfo?: { SerializationLibrary?: string; Parameters?: Record<string, string> };
  Columns: GlueColumn[];
}

export interface GlueTable {
  Name: string;
  TableType?: string;
  Parameters: Record<string, string>;
  StorageDescriptor: GlueStorage;
  PartitionKeys: GlueColumn[];
}

export interface GluePartition {
  Values: string[];
  StorageDescriptor: GlueStorage;
  Parameters: Record<string, string>;
  /** Set by Glue when the partition is created (Partition.CreationTime). */
  CreationTime?: Date;
}

export interface WorkGroup {
  name: string;
  /** WorkGroupConfiguration.EnforceWorkGroupConfiguration ("Override client-side settings"). */
  enforceConfiguration: boolean;
  /** The workgroup's query result location (ResultConfiguration.OutputLocation). */
  outputLocation: string;
}

export type QueryState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface QueryResult {
  columns: Array<{ name: string; type: string }>;
  rows: Array<Array<string | null>>;
  updateCount?: number;
}

export interface Execution {
  id: string;
  token: string;
  sql: string;
  database: string;
  workGroup: string;
  submitted: Date;
  completed?: Date;
  statementType: 'DDL' | 'DML' | 'UTILITY';
  /** How many times GetQueryExecution has seen it: drives QUEUED → RUNNING → final. */
  polls: number;
  /** Settles when the statement has run (successfully or not). */
  done: Promise<void>;
  settled: boolean;
  outcome?: { state: 'SUCCEEDED'; result: QueryResult } | { state: 'FAILED'; reason: string };
}

export interface FakeSettings {
  /**
   * Active (queued + running) DML queries allowed per account. AWS: the "Active DML queries"
   * quota, which "varies by AWS Region" (https://docs.aws.amazon.com/athena/latest/ug/service-limits.html);
   * 20 is the figure this project plans with. Tests lower it.
   */
  activeDmlQuota: number;
  /** Athena: "the maximum size of a single line in a text file is 200 MB" (other-notable-limitations.html). */
  maxTextLineBytes: number;
  /** Called before a statement runs; a test holds it open to keep a query active. */
  beforeRun?: (execution: Execution) => Promise<void>;
  /**
   * Fault injection for tests of OUR error handling: a reason makes the statement FAILED with it
   * (as an Athena failure the fake cannot produce from data, e.g. an internal error).
   */
  failWhen?: (sql: string) => string | undefined;
  /** The clock of SubmissionDateTime/CompletionDateTime (tests with a fake clock pass theirs). */
  now: () => number;
}

export const DEFAULT_SETTINGS: FakeSettings = {
  activeDmlQuota: 20,
  maxTextLineBytes: 200 * 1024 * 1024,
  now: () => Date.now(),
};

/** An object's size as S3 reports it: its bytes, or the size a model object stands for. */
export function objectSize(object: StoredObject): number {
  return object.declaredSize ?? object.body.length;
}

/** Orders strings as their UTF-8 bytes compare (code point order), as S3 lists keys. */
function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x === y) continue;
    // A surrogate stands for a code point above U+FFFF, so it sorts after every other BMP unit.
    const rank = (unit: number) => (unit >= 0xd800 && unit <= 0xdfff ? unit + 0x10000 : unit);
    return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/**
 * A bucket's objects with their keys kept sorted, so a prefix listing is a binary search and not
 * a scan and sort of the whole bucket (the cloud bench lists buckets of tens of thousands of keys).
 */
class BucketObjects extends Map<string, StoredObject> {
  private readonly sorted: string[] = [];

  /** Index of the first key not below `key`. */
  private lowerBound(key: string): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (compareUtf8(this.sorted[middle] as string, key) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  override set(key: string, value: StoredObject): this {
    if (!this.has(key)) this.sorted.splice(this.lowerBound(key), 0, key);
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    if (!super.delete(key)) return false;
    this.sorted.splice(this.lowerBound(key), 1);
    return true;
  }

  override clear(): void {
    super.clear();
    this.sorted.length = 0;
  }

  keysWithPrefix(prefix: string): string[] {
    const out: string[] = [];
    for (let index = this.lowerBound(prefix); index < this.sorted.length; index++) {
      const key = this.sorted[index] as string;
      if (!key.startsWith(prefix)) break;
      out.push(key);
    }
    return out;
  }
}

export class CloudState {
  readonly buckets = new Map<string, Map<string, StoredObject>>();
  readonly databases = new Map<string, Map<string, { table: GlueTable; partitions: Map<string, GluePartition> }>>();
  readonly workGroups = new Map<string, WorkGroup>();
  readonly executions = new Map<string, Execution>();
  readonly tokens = new Map<string, string>();
  /** Every call, in order, as `Service.Operation detail` (tests read it; never used for rules). */
  readonly calls: string[] = [];
  readonly settings: FakeSettings;
  private sequence = 0;

  constructor(settings: Partial<FakeSettings> = {}) {
    this.settings = { ...DEFAULT_SETTINGS, ...settings };
  }

  nextId(prefix: string): string {
    this.sequence += 1;
    return `${prefix}${String(this.sequence).padStart(6, '0')}`;
  }

  createBucket(name: string): void {
    if (!this.buckets.has(name)) this.buckets.set(name, new BucketObjects());
  }

  createDatabase(name: string): void {
    if (!this.databases.has(name)) this.databases.set(name, new Map());
  }

  createWorkGroup(group: WorkGroup): void {
    this.workGroups.set(group.name, group);
  }

  /**
   * Writes an object as PutObject would (tests use it to land files). `{ declaredSize }` writes a
   * model object: no bytes, a size, and an ETag made from its name and size.
   */
  putObject(bucket: string, key: string, body: Buffer | string | { declaredSize: number }): StoredObject {
    const objects = this.buckets.get(bucket);
    if (!objects) throw new Error(`fake S3: no bucket ${bucket}`);
    if (!Buffer.isBuffer(body) && typeof body === 'object') {
      const etag = createHash('md5').update(`model:${bucket}/${key}:${body.declaredSize}`).digest('hex');
      const object = { body: Buffer.alloc(0), declaredSize: body.declaredSize, etag, lastModified: new Date() };
      objects.set(key, object);
      return object;
    }
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    const object = { body: bytes, etag: createHash('md5').update(bytes).digest('hex'), lastModified: new Date() };
    objects.set(key, object);
    return object;
  }

  getObject(bucket: string, key: string): StoredObject | undefined {
    return this.buckets.get(bucket)?.get(key);
  }

  /** Keys under `s3://bucket/prefix`, sorted as S3 lists them (UTF-8 binary order). */
  listKeys(bucket: string, prefix: string): string[] {
    const objects = this.buckets.get(bucket);
    if (!objects) return [];
    if (objects instanceof BucketObjects) return objects.keysWithPrefix(prefix);
    return [...objects.keys()].filter((key) => key.startsWith(prefix)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  table(database: string, name: string): GlueTable | undefined {
    return this.databases.get(database)?.get(name)?.table;
  }

  partitions(database: string, name: string): GluePartition[] {
    return [...(this.databases.get(database)?.get(name)?.partitions.values() ?? [])];
  }
}

/** `s3://bucket/prefix/` → { bucket, prefix }. */
export function splitS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: match[1] as string, prefix: match[2] ?? '' };
}
