// The one state model of the fake AWS side: S3 buckets and objects, Glue databases, tables and
// partitions, Athena workgroups and query executions, account settings. Both faces (the SDK-mock
// face in sdk-face.ts and the HTTP face in http-face.ts) read and write this same object, and
// every AWS rule lives in the service modules (fake-s3.ts, fake-glue.ts, fake-athena.ts), so a
// rule is enforced once whichever face a test uses.
import { createHash } from 'node:crypto';

export interface StoredObject {
  body: Buffer;
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
    if (!this.buckets.has(name)) this.buckets.set(name, new Map());
  }

  createDatabase(name: string): void {
    if (!this.databases.has(name)) this.databases.set(name, new Map());
  }

  createWorkGroup(group: WorkGroup): void {
    this.workGroups.set(group.name, group);
  }

  /** Writes an object as PutObject would (tests use it to land files). */
  putObject(bucket: string, key: string, body: Buffer | string): StoredObject {
    const objects = this.buckets.get(bucket);
    if (!objects) throw new Error(`fake S3: no bucket ${bucket}`);
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
