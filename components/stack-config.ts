// The stack's typed configuration: every `procureflow:*` key, its default and its bounds.
// Pure: index.ts hands it a getter over `pulumi.Config`, tests hand it a plain map.
import { DEFAULT_ZIP_LIMITS } from '../handlers/core/zip-landing.ts';

export interface StackConfig {
  /** Prefix of every physical name (buckets, function, queues, workgroup). */
  namePrefix: string;
  /** Glue/Athena database of the lake tables. */
  databaseName: string;
  /** Folder of the bronze bucket where files land; ends with `/`. */
  bronzePrefix: string;
  lambdaMemoryMb: number;
  lambdaTimeoutSeconds: number;
  lambdaEphemeralStorageMb: number;
  /** Athena cancels any query of the workgroup that scans more bytes than this. */
  athenaBytesScannedCutoff: number;
  /** SQS messages the Lambda receives per invocation. */
  batchSize: number;
  logRetentionDays: number;
  /** Empties buckets, the workgroup and the image repository on destroy: dev stacks only. */
  forceDestroy: boolean;
  zipMaxTotalBytes: number;
  zipMaxRatio: number;
  /** E-mail subscribed to the alarm topic; none when unset. */
  alarmEmail: string | undefined;
}

/** Reads a config key; undefined (or empty) means "not set". */
export type ConfigGetter = (key: string) => string | undefined;

export const MAX_LAMBDA_MEMORY_MB = 256;
/** 10 GB: Athena bills per TB scanned, so a runaway query costs cents, not dollars. */
export const DEFAULT_BYTES_SCANNED_CUTOFF = 10 * 1024 ** 3;
/** The retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

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

/** The stack's settings with defaults applied; throws a message naming the key on any invalid value. */
export function readStackConfig(get: ConfigGetter, project: string, stack: string): StackConfig {
  const namePrefix = text(get, 'namePrefix') ?? defaultNamePrefix(project, stack);
  // Bucket names are the longest derived names: prefix + '-athena-results' must fit in 63.
  if (!/^[a-z0-9][a-z0-9-]{1,46}[a-z0-9]$/.test(namePrefix) || namePrefix.includes('--')) {
    throw new Error(
      `procureflow:namePrefix '${namePrefix}' must be 3 to 48 lowercase letters, digits or single hyphens, starting and ending with a letter or digit`,
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
  return {
    namePrefix,
    databaseName,
    bronzePrefix,
    lambdaMemoryMb,
    lambdaTimeoutSeconds: integer(get, 'lambdaTimeoutSeconds', 900, 60, 900),
    lambdaEphemeralStorageMb: integer(get, 'lambdaEphemeralStorageMb', 10240, 512, 10240),
    athenaBytesScannedCutoff: integer(get, 'athenaBytesScannedCutoff', DEFAULT_BYTES_SCANNED_CUTOFF, 10 * 1024 ** 2, Number.MAX_SAFE_INTEGER),
    // Up to 10 needs no batching window on a standard queue.
    batchSize: integer(get, 'batchSize', 5, 1, 10),
    logRetentionDays,
    forceDestroy: boolean(get, 'forceDestroy', false),
    zipMaxTotalBytes: integer(get, 'zipMaxTotalBytes', DEFAULT_ZIP_LIMITS.maxTotalBytes, 1, Number.MAX_SAFE_INTEGER),
    zipMaxRatio: integer(get, 'zipMaxRatio', DEFAULT_ZIP_LIMITS.maxRatio, 1, 100_000),
    alarmEmail,
  };
}
