// The cleaner Lambda's settings, read from its environment (the names the stack sets, CLEANER_ENV).
//
// Limits that hold together (issue 7 item 11): a landing is at most LANDING_MAX_BYTES (default
// 5 GiB: a zip's local copy fits the Lambda's 10 GiB /tmp, and a safe copy of the landed file is
// one CopyObject, S3's single-copy limit being 5 GB), and a zip unpacks to at most
// ZIP_MAX_TOTAL_BYTES (default 8 GiB, under the pipeline workgroup's 10 GiB bytes-scanned cutoff).
// Anything bigger is refused once, never retried.
import path from 'node:path';
import { identifier } from '../core/sql-template.ts';
import { DEFAULT_ZIP_LIMITS, type ZipLimits } from '../core/zip-limits.ts';
import { CLEANER_DEFAULTS, CLEANER_ENV } from './cleaner-environment.ts';

const GiB = 1024 ** 3;
export const DEFAULT_LANDING_MAX_BYTES = 5 * GiB;
export const DEFAULT_LAMBDA_ZIP_MAX_TOTAL_BYTES = 8 * GiB;

export interface LambdaSettings {
  buckets: { bronze: string; silver: string; gold: string };
  /** Landings are handled only under this key prefix of the bronze bucket ('' = the whole bucket). */
  bronzePrefix: string;
  database: string;
  workGroup: string;
  sqlDir: string;
  zipLimits: ZipLimits;
  /** The largest landed object taken; larger ones are refused. */
  landingMaxBytes: number;
  /** Folder for zip copies: the Lambda's ephemeral storage. */
  workDir: string;
  /** Files of one invocation whose own steps run at once (process-group.ts parallelFiles). */
  parallelFiles: number;
  /** The most landed bytes one invocation takes (at least its first file); the rest is reported. */
  groupMaxBytes: number;
  /** The dedupe horizon in days (process-group.ts dedupeHorizonDays); 0 = off. */
  dedupeHorizonDays: number;
  /**
   * The silver workers' FIFO queue. Set: split mode (the turn keeper hands each .dat to a worker,
   * handlers/aws/turn-keeper.ts); unset: each invocation runs its FIFO batch as one group inline.
   */
  silverQueueUrl?: string;
  /** The landing FIFO queue, where workers send "silver ready" and the turn keeper its "gold turn" note. Set in split mode. */
  landingQueueUrl?: string;
  /** The silver queue's maxReceiveCount: on that receive a worker records the batch as failed for good. Set in split mode. */
  silverMaxReceives?: number;
}

type Env = Record<string, string | undefined>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`environment variable ${name} is not set; the cleaner Lambda needs it`);
  return value;
}

function positiveNumber(env: Env, name: string, fallback: number): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`environment variable ${name} must be a positive number, got ${JSON.stringify(text)}`);
  return value;
}

function positiveInteger(env: Env, name: string, fallback: number): number {
  const value = positiveNumber(env, name, fallback);
  if (!Number.isInteger(value)) throw new Error(`environment variable ${name} must be a whole number, got ${JSON.stringify(env[name])}`);
  return value;
}

function nonNegativeInteger(env: Env, name: string, fallback: number): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new Error(`environment variable ${name} must be a whole number of at least 0, got ${JSON.stringify(text)}`);
  return Number(text);
}

function bucketName(env: Env, name: string): string {
  const value = required(env, name);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value)) throw new Error(`environment variable ${name} is not a bucket name: ${JSON.stringify(value)}`);
  return value;
}

/** Reads and checks the settings; throws naming the first missing or invalid variable. */
export function readLambdaSettings(env: Env = process.env): LambdaSettings {
  const database = required(env, CLEANER_ENV.database);
  try {
    identifier(database);
  } catch {
    throw new Error(`environment variable ${CLEANER_ENV.database} is not a valid database name: ${JSON.stringify(database)}`);
  }
  const taskRoot = env.LAMBDA_TASK_ROOT?.trim() || process.cwd();
  const prefix = (env[CLEANER_ENV.bronzePrefix] ?? '').trim().replace(/^\/+/, '');
  return {
    buckets: {
      bronze: bucketName(env, CLEANER_ENV.bronzeBucket),
      silver: bucketName(env, CLEANER_ENV.silverBucket),
      gold: bucketName(env, CLEANER_ENV.goldBucket),
    },
    bronzePrefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
    database,
    workGroup: required(env, CLEANER_ENV.workGroup),
    sqlDir: env[CLEANER_ENV.sqlDir]?.trim() || path.join(taskRoot, 'sql'),
    zipLimits: {
      ...DEFAULT_ZIP_LIMITS,
      maxTotalBytes: positiveNumber(env, CLEANER_ENV.zipMaxTotalBytes, DEFAULT_LAMBDA_ZIP_MAX_TOTAL_BYTES),
      maxRatio: positiveNumber(env, CLEANER_ENV.zipMaxRatio, DEFAULT_ZIP_LIMITS.maxRatio),
    },
    landingMaxBytes: positiveNumber(env, CLEANER_ENV.landingMaxBytes, DEFAULT_LANDING_MAX_BYTES),
    workDir: '/tmp',
    parallelFiles: positiveInteger(env, CLEANER_ENV.parallelFiles, CLEANER_DEFAULTS.parallelFiles),
    groupMaxBytes: positiveNumber(env, CLEANER_ENV.groupMaxBytes, CLEANER_DEFAULTS.groupMaxBytes),
    dedupeHorizonDays: nonNegativeInteger(env, CLEANER_ENV.dedupeHorizonDays, 0),
    ...splitSettings(env),
  };
}

/**
 * The split mode's three settings, all or none: without LANDING_QUEUE_URL no worker could wake the
 * turn keeper, and a guessed SILVER_MAX_RECEIVES that is off from the redrive policy's
 * maxReceiveCount would either give a batch up while SQS still retries it, or let SQS move it to the
 * dead-letter queue with no failed record, which blocks every later landing.
 */
function splitSettings(env: Env): Pick<LambdaSettings, 'silverQueueUrl' | 'landingQueueUrl' | 'silverMaxReceives'> {
  const silverQueueUrl = env[CLEANER_ENV.silverQueueUrl]?.trim();
  if (!silverQueueUrl) return {};
  const need = (name: string) => {
    if (!env[name]?.trim()) throw new Error(`environment variable ${name} is not set; it is needed with ${CLEANER_ENV.silverQueueUrl}`);
  };
  need(CLEANER_ENV.landingQueueUrl);
  need(CLEANER_ENV.silverMaxReceives);
  return {
    silverQueueUrl,
    landingQueueUrl: required(env, CLEANER_ENV.landingQueueUrl),
    silverMaxReceives: positiveInteger(env, CLEANER_ENV.silverMaxReceives, 1),
  };
}
