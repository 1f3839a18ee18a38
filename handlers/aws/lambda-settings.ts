// The cleaner Lambda's settings, read from its environment (the names the stack sets).
import path from 'node:path';
import { identifier } from '../core/sql-template.ts';
import { DEFAULT_ZIP_LIMITS, type ZipLimits } from '../core/zip-landing.ts';

export interface LambdaSettings {
  buckets: { bronze: string; silver: string; gold: string };
  /** Landings are handled only under this key prefix of the bronze bucket ('' = the whole bucket). */
  bronzePrefix: string;
  database: string;
  workGroup: string;
  sqlDir: string;
  zipLimits: ZipLimits;
  /** Folder for zip copies: the Lambda's ephemeral storage. */
  workDir: string;
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

function bucketName(env: Env, name: string): string {
  const value = required(env, name);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value)) throw new Error(`environment variable ${name} is not a bucket name: ${JSON.stringify(value)}`);
  return value;
}

/** Reads and checks the settings; throws naming the first missing or invalid variable. */
export function readLambdaSettings(env: Env = process.env): LambdaSettings {
  const database = required(env, 'GLUE_DATABASE');
  try {
    identifier(database);
  } catch {
    throw new Error(`environment variable GLUE_DATABASE is not a valid database name: ${JSON.stringify(database)}`);
  }
  const taskRoot = env.LAMBDA_TASK_ROOT?.trim() || process.cwd();
  const prefix = (env.BRONZE_PREFIX ?? '').trim().replace(/^\/+/, '');
  return {
    buckets: { bronze: bucketName(env, 'BRONZE_BUCKET'), silver: bucketName(env, 'SILVER_BUCKET'), gold: bucketName(env, 'GOLD_BUCKET') },
    bronzePrefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
    database,
    workGroup: required(env, 'ATHENA_WORKGROUP'),
    sqlDir: env.SQL_DIR?.trim() || path.join(taskRoot, 'sql'),
    zipLimits: {
      ...DEFAULT_ZIP_LIMITS,
      maxTotalBytes: positiveNumber(env, 'ZIP_MAX_TOTAL_BYTES', DEFAULT_ZIP_LIMITS.maxTotalBytes),
      maxRatio: positiveNumber(env, 'ZIP_MAX_RATIO', DEFAULT_ZIP_LIMITS.maxRatio),
    },
    workDir: '/tmp',
  };
}
