// The stack's typed configuration: every `procureflow:*` key, its default, its bounds and the
// relations between limits. Pure: index.ts hands it a getter over `pulumi.Config`, tests hand it
// a plain map.
//
// The limits hold together (issue 7 item 11):
//   - a landed zip is downloaded whole to the Lambda's /tmp before it is unpacked, so
//     landingMaxBytes + TMP_HEADROOM_BYTES ≤ lambdaEphemeralStorageMb;
//   - every zip member lands in bronze as a landing of its own and is held to landingMaxBytes
//     too, so no statement ever reads a text object larger than landingMaxBytes;
//   - the pipeline's costliest statement is gold: it reads the batch's silver table (Snappy
//     Parquet that keeps the raw line, taken as at most the landed size) in three places
//     (sql/gold/cleaned_transactions.sql) plus the transaction_id column of earlier gold, so
//     athenaBytesScannedCutoff ≥ PIPELINE_SCAN_FACTOR × landingMaxBytes (3 silver reads + 1 for
//     the gold id column and margin);
//   - the Lambda runs the full 900 s: a statement still running then is left running and a
//     retried delivery re-attaches to it (handlers/aws/athena-engine.ts), so time is not a
//     limit on file size, scanned bytes are;
//   - every silver worker keeps one Athena query in flight and the turn keeper at most
//     TURN_KEEPER_DML_QUERIES, all counted against the account's active DML quota (queued and
//     running), so silverWorkers + TURN_KEEPER_DML_QUERIES ≤ athenaDmlQuota: one query more gets
//     TooManyRequestsException (https://docs.aws.amazon.com/athena/latest/ug/service-limits.html).
import { CLEANER_DEFAULTS } from '../handlers/aws/cleaner-environment.ts';
import { DEFAULT_ZIP_LIMITS } from '../handlers/core/zip-limits.ts';

export interface StackConfig {
  /** Prefix of every physical name (buckets, function, queues, workgroups). */
  namePrefix: string;
  /** Glue/Athena database of the lake tables. */
  databaseName: string;
  /** Folder of the bronze bucket where files land; ends with `/`. */
  bronzePrefix: string;
  lambdaMemoryMb: number;
  lambdaTimeoutSeconds: number;
  lambdaEphemeralStorageMb: number;
  /** Athena cancels any query of the pipeline workgroup that scans more bytes than this. */
  athenaBytesScannedCutoff: number;
  /** The same cutoff for the analysts' workgroup. */
  analystsBytesScannedCutoff: number;
  /** The largest landed object (.dat, .dat.gz, .zip or zip member) the cleaner takes. */
  landingMaxBytes: number;
  /** SQS messages the Lambda receives per invocation. */
  batchSize: number;
  logRetentionDays: number;
  /** Empties buckets, the workgroups and the image repository on destroy: dev stacks only. */
  forceDestroy: boolean;
  zipMaxTotalBytes: number;
  zipMaxRatio: number;
  /** Days after which a bronze object moves to S3 Standard-IA. */
  bronzeInfrequentAccessDays: number;
  /**
   * The dedupe horizon in days: first write wins looks up ids only in gold dated from the group's
   * earliest transaction date minus this many days (README "Cost against a growing gold"). 0 = off.
   */
  dedupeHorizonDays: number;
  /**
   * Silver workers at once: the silver queue's event source mapping's maximum concurrency. 0 = no
   * silver queue and no worker: the turn keeper runs each FIFO batch inline as one group.
   */
  silverWorkers: number;
  /** The account's Athena active DML quota in the deploying region (queued + running queries). */
  athenaDmlQuota: number;
  /** E-mail subscribed to the alarm topic; none when unset. */
  alarmEmail: string | undefined;
}

/** Reads a config key; undefined (or empty) means "not set". */
export type ConfigGetter = (key: string) => string | undefined;

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export const MAX_LAMBDA_MEMORY_MB = 256;
/** 4 GiB: the largest landing; fits /tmp with room to spare and keeps the gold scan at 16 GiB. */
export const DEFAULT_LANDING_MAX_BYTES = 4 * GiB;
/** Room left in /tmp beside a downloaded zip (the unpacker's own temporary folder). */
export const TMP_HEADROOM_BYTES = 512 * MiB;
/** Statement scans per landed byte in the worst statement (gold): see the header. */
export const PIPELINE_SCAN_FACTOR = 4;
/** 16 GiB = PIPELINE_SCAN_FACTOR × the default landingMaxBytes. */
export const DEFAULT_BYTES_SCANNED_CUTOFF = PIPELINE_SCAN_FACTOR * DEFAULT_LANDING_MAX_BYTES;

/**
 * The most landed bytes one gold turn takes (the cleaner's GROUP_MAX_BYTES): a turn's statements
 * read its files' silver as one landing's do, so the same factor keeps them under the pipeline
 * workgroup's bytes-scanned cutoff, past which Athena cancels the query. 4 GiB with the default
 * cutoff; raise `athenaBytesScannedCutoff` for bigger turns (never above CLEANER_DEFAULTS').
 */
export function turnMaxBytes(config: Pick<StackConfig, 'athenaBytesScannedCutoff'>): number {
  return Math.min(CLEANER_DEFAULTS.groupMaxBytes, Math.floor(config.athenaBytesScannedCutoff / PIPELINE_SCAN_FACTOR));
}
/** 10 GiB for analysts: Athena bills per TB scanned, so a runaway query costs cents. */
export const DEFAULT_ANALYSTS_BYTES_SCANNED_CUTOFF = 10 * GiB;
/**
 * 16 GiB: the members of one zip are streamed from /tmp back to bronze inside one invocation;
 * each member is then a landing held to landingMaxBytes. (Was 50 GiB: more than one 900 s
 * invocation can reasonably copy.)
 */
export const DEFAULT_ZIP_MAX_TOTAL_BYTES = 4 * DEFAULT_LANDING_MAX_BYTES;
/**
 * S3 moves an object to Standard-IA only after 30 days in S3 ("Constraints and considerations
 * for transitions", https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html;
 * the Transition API reference bounds `Days` for STANDARD_IA the same way), and Standard-IA
 * bills a 30-day minimum storage duration. So 30 is both the floor and the default.
 */
export const MIN_INFREQUENT_ACCESS_DAYS = 30;
/** The unpacker's own default ratio, from the limits module that loads no unpacker code. */
export const DEFAULT_ZIP_MAX_RATIO = DEFAULT_ZIP_LIMITS.maxRatio;
/**
 * The active DML quota the stack assumes unless `athenaDmlQuota` says the account has more:
 * 20 queued or running queries, the figure CLEANER_DEFAULTS.silverWorkers and the cloud bench
 * are planned on. "The specific quotas vary by AWS Region" and "the active DML and active DDL
 * query quotas include both running and queued queries" (Athena "Service Quotas",
 * https://docs.aws.amazon.com/athena/latest/ug/service-limits.html): read yours in the Service
 * Quotas console and set `athenaDmlQuota` to it.
 */
export const DEFAULT_ATHENA_DML_QUOTA = 20;
/**
 * Athena queries the turn keeper keeps in flight at most (its gold slices and, beside them, the
 * duplicates figure; CLEANER_DEFAULTS.silverWorkers), beside one per silver worker.
 */
export const TURN_KEEPER_DML_QUERIES = CLEANER_DEFAULTS.goldStatements + 1;
/**
 * Bounds of an SQS event source mapping's MaximumConcurrency (AWS::Lambda::EventSourceMapping
 * ScalingConfig: "Minimum: 2, Maximum: 1000",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-eventsourcemapping-scalingconfig.html).
 */
export const MIN_SILVER_WORKERS = 2;
export const MAX_SILVER_WORKERS = 1000;
/** The retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
/**
 * The longest prefix: bucket names are `<prefix>-athena-results-<12-digit account>` and S3
 * allows 63 characters (63 − 15 − 13 = 35).
 */
export const MAX_NAME_PREFIX_LENGTH = 35;

/** `${project}-${stack}` lower-cased, the name prefix when none is configured. */
export function defaultNamePrefix(project: string, stack: string): string {
  return `${project}-${stack}`.toLowerCase();
}

/** The default Glue database of a stack: its prefix with underscores, so two stacks never share one. */
export function defaultDatabaseName(namePrefix: string): string {
  return `${namePrefix.replace(/[^a-z0-9]/g, '_')}_db`;
}

function integer(get: ConfigGetter, key: string, fallback: number, min: number, max: number): number {
  const raw = get(key);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`procureflow:${key} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

function boolean(get: ConfigGetter, key: string, fallback: boolean): boolean {
  const raw = get(key);
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new Error(`procureflow:${key} must be true or false, got '${raw}'`);
}

function text(get: ConfigGetter, key: string): string | undefined {
  const raw = get(key);
  return raw === undefined || raw === '' ? undefined : raw;
}

/** Throws, naming the keys, when the limits contradict each other (see the header). */
export function checkLimitRelations(config: StackConfig): void {
  const tmpBytes = config.lambdaEphemeralStorageMb * MiB;
  if (config.landingMaxBytes + TMP_HEADROOM_BYTES > tmpBytes) {
    throw new Error(
      `procureflow:landingMaxBytes (${config.landingMaxBytes}) plus ${TMP_HEADROOM_BYTES} bytes of headroom exceeds ` +
        `procureflow:lambdaEphemeralStorageMb (${config.lambdaEphemeralStorageMb} MB = ${tmpBytes} bytes): a landed zip is downloaded whole to /tmp`,
    );
  }
  const scan = PIPELINE_SCAN_FACTOR * config.landingMaxBytes;
  if (config.athenaBytesScannedCutoff < scan) {
    throw new Error(
      `procureflow:athenaBytesScannedCutoff (${config.athenaBytesScannedCutoff}) is below ${PIPELINE_SCAN_FACTOR} × procureflow:landingMaxBytes ` +
        `(${scan}): Athena would cancel the gold statement of the largest accepted landing`,
    );
  }
  const queries = config.silverWorkers + TURN_KEEPER_DML_QUERIES;
  if (config.silverWorkers > 0 && queries > config.athenaDmlQuota) {
    throw new Error(
      `procureflow:silverWorkers (${config.silverWorkers}) plus the turn keeper's ${TURN_KEEPER_DML_QUERIES} queries is ${queries} Athena queries at once, ` +
        `above procureflow:athenaDmlQuota (${config.athenaDmlQuota}): Athena's active DML quota counts queued and running queries and refuses one more ` +
        `with TooManyRequestsException (https://docs.aws.amazon.com/athena/latest/ug/service-limits.html). ` +
        `Lower silverWorkers, or raise the quota in Service Quotas and set athenaDmlQuota to it`,
    );
  }
}

/** `procureflow:silverWorkers`: 0 (inline groups) or MIN_SILVER_WORKERS to MAX_SILVER_WORKERS. */
function silverWorkers(get: ConfigGetter): number {
  const workers = integer(get, 'silverWorkers', CLEANER_DEFAULTS.silverWorkers, 0, MAX_SILVER_WORKERS);
  if (workers > 0 && workers < MIN_SILVER_WORKERS) {
    throw new Error(
      `procureflow:silverWorkers is ${workers}: 0 (no silver workers: each FIFO batch runs inline as one group) or ${MIN_SILVER_WORKERS} to ${MAX_SILVER_WORKERS}, ` +
        `the bounds of an SQS event source mapping's MaximumConcurrency`,
    );
  }
  return workers;
}

/** The stack's settings with defaults applied; throws a message naming the key on any invalid value. */
export function readStackConfig(get: ConfigGetter, project: string, stack: string): StackConfig {
  const namePrefix = text(get, 'namePrefix') ?? defaultNamePrefix(project, stack);
  if (!new RegExp(`^[a-z0-9][a-z0-9-]{1,${MAX_NAME_PREFIX_LENGTH - 2}}[a-z0-9]$`).test(namePrefix) || namePrefix.includes('--')) {
    throw new Error(
      `procureflow:namePrefix '${namePrefix}' must be 3 to ${MAX_NAME_PREFIX_LENGTH} lowercase letters, digits or single hyphens, starting and ending with a letter or digit`,
    );
  }
  const databaseName = text(get, 'databaseName') ?? defaultDatabaseName(namePrefix);
  if (!/^[a-z_][a-z0-9_]{0,254}$/.test(databaseName)) {
    throw new Error(`procureflow:databaseName '${databaseName}' must be lowercase letters, digits and underscores`);
  }
  const bronzePrefix = text(get, 'bronzePrefix') ?? 'landing/';
  if (!/^([a-z0-9_-]+\/)+$/.test(bronzePrefix)) {
    throw new Error(`procureflow:bronzePrefix '${bronzePrefix}' must be a folder such as 'landing/': lowercase, no leading '/', ending with '/'`);
  }
  const lambdaMemoryMb = integer(get, 'lambdaMemoryMb', MAX_LAMBDA_MEMORY_MB, 128, Number.MAX_SAFE_INTEGER);
  if (lambdaMemoryMb > MAX_LAMBDA_MEMORY_MB) {
    throw new Error(
      `procureflow:lambdaMemoryMb is ${lambdaMemoryMb}, above the ${MAX_LAMBDA_MEMORY_MB} MB budget: the cleaner only orchestrates Athena and must not need more`,
    );
  }
  const logRetentionDays = integer(get, 'logRetentionDays', 14, 1, 3653);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    throw new Error(`procureflow:logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}, got ${logRetentionDays}`);
  }
  const alarmEmail = text(get, 'alarmEmail');
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) {
    throw new Error(`procureflow:alarmEmail '${alarmEmail}' is not an e-mail address`);
  }
  const config: StackConfig = {
    namePrefix,
    databaseName,
    bronzePrefix,
    lambdaMemoryMb,
    lambdaTimeoutSeconds: integer(get, 'lambdaTimeoutSeconds', 900, 60, 900),
    // Lambda's /tmp: 512 MB to 10,240 MB.
    lambdaEphemeralStorageMb: integer(get, 'lambdaEphemeralStorageMb', 10240, 512, 10240),
    athenaBytesScannedCutoff: integer(get, 'athenaBytesScannedCutoff', DEFAULT_BYTES_SCANNED_CUTOFF, 10 * MiB, Number.MAX_SAFE_INTEGER),
    analystsBytesScannedCutoff: integer(get, 'analystsBytesScannedCutoff', DEFAULT_ANALYSTS_BYTES_SCANNED_CUTOFF, 10 * MiB, Number.MAX_SAFE_INTEGER),
    landingMaxBytes: integer(get, 'landingMaxBytes', DEFAULT_LANDING_MAX_BYTES, 1, Number.MAX_SAFE_INTEGER),
    // One invocation = one group commit (handlers/core/process-group.ts): the FIFO mapping's largest.
    batchSize: integer(get, 'batchSize', 10, 1, 10),
    logRetentionDays,
    forceDestroy: boolean(get, 'forceDestroy', false),
    zipMaxTotalBytes: integer(get, 'zipMaxTotalBytes', DEFAULT_ZIP_MAX_TOTAL_BYTES, 1, Number.MAX_SAFE_INTEGER),
    zipMaxRatio: integer(get, 'zipMaxRatio', DEFAULT_ZIP_MAX_RATIO, 1, 100_000),
    bronzeInfrequentAccessDays: integer(get, 'bronzeInfrequentAccessDays', MIN_INFREQUENT_ACCESS_DAYS, MIN_INFREQUENT_ACCESS_DAYS, 36_500),
    // Off by default: the contract's first write wins over all of gold.
    dedupeHorizonDays: integer(get, 'dedupeHorizonDays', 0, 0, 36_500),
    silverWorkers: silverWorkers(get),
    athenaDmlQuota: integer(get, 'athenaDmlQuota', DEFAULT_ATHENA_DML_QUOTA, 1, 100_000),
    alarmEmail,
  };
  checkLimitRelations(config);
  return config;
}
