// The composition root of the cloud run: settings + AWS clients → the core's ports, as
// handlers/local/local-lake.ts does for the local run. The Lambda entry (handlers/lambda.ts) only
// parses events and reports; everything it hands the core is built here.
//
// One retry layer per client (issue 9 item 3): Athena calls are retried by our deadline-bound
// backoff (backoff.ts, bounded by the invocation's remaining time), so the Athena client is built
// with the SDK's retries off (`maxAttempts: 1`); S3 and Glue calls keep the SDK's standard retry
// strategy (its default 3 attempts with backoff on throttling) and nothing of ours wraps them; so
// does SQS (SendMessage of the split mode's notes, handlers/aws/turn-messages.ts).
//
// AWS actions the cleaner calls through these ports:
//   S3:     GetObject, PutObject (+ multipart: CreateMultipartUpload, UploadPart,
//           CompleteMultipartUpload, AbortMultipartUpload), HeadObject, ListBucket (ListObjectsV2),
//           DeleteObject (DeleteObjects), CopyObject / UploadPartCopy (a copy reads with GetObject
//           on the source and writes with PutObject on the target)
//   Glue:   GetTable, CreateTable, DeleteTable, CreatePartition, GetPartition
//   Athena: StartQueryExecution, GetQueryExecution, GetQueryResults
//   SQS:    SendMessage (split mode only: the silver queue and the landing queue)
import { AthenaClient } from '@aws-sdk/client-athena';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { LandingPorts } from '../core/handle-landings.ts';
import type { PipelineLog } from '../core/pipeline-log.ts';
import { DEFAULT_SQL_DIR, loadPipelineSql, type PipelineSql } from '../core/pipeline-sql.ts';
import { DEFAULT_ZIP_LIMITS } from '../core/zip-limits.ts';
import { tmpdir } from 'node:os';
import { AthenaEngine } from './athena-engine.ts';
import { CLEANER_DEFAULTS } from './cleaner-environment.ts';
import type { Timing } from './backoff.ts';
import { GlueCatalog } from './glue-catalog.ts';
import { DEFAULT_LAMBDA_ZIP_MAX_TOTAL_BYTES, DEFAULT_LANDING_MAX_BYTES, type LambdaSettings } from './lambda-settings.ts';
import { LongLineRepairEngine } from './long-line-engine.ts';
import { S3ObjectStore } from './s3-object-store.ts';

export interface AwsClients {
  s3: S3Client;
  glue: GlueClient;
  athena: AthenaClient;
  sqs: SQSClient;
}

/**
 * The SDK clients, each with exactly one retry layer (see the header); `config.region` is the
 * operator CLI's `--region` (the Lambda takes the region from its environment).
 */
export function awsClients(given: Partial<AwsClients> = {}, config: { region?: string } = {}): AwsClients {
  return {
    s3: given.s3 ?? new S3Client(config),
    glue: given.glue ?? new GlueClient(config),
    athena: given.athena ?? new AthenaClient({ ...config, maxAttempts: 1 }),
    sqs: given.sqs ?? new SQSClient(config),
  };
}

/** The clients the lake's ports use (SQS only carries the split mode's notes, beside them). */
export type LakeClients = Omit<AwsClients, 'sqs'>;

export interface AwsLake {
  settings: LambdaSettings;
  sql: PipelineSql;
  store: S3ObjectStore;
  catalog: GlueCatalog;
  clients: LakeClients;
  /** The ports of one invocation: the Athena engine's deadline is that invocation's remaining time. */
  ports(invocation: { remainingTimeMillis: () => number; timing?: Timing; beforeStep?: LandingPorts['beforeStep'] }): LandingPorts;
}

/** Builds the adapters once per container. */
export async function openAwsLake(settings: LambdaSettings, clients: LakeClients, log: PipelineLog): Promise<AwsLake> {
  const store = new S3ObjectStore(clients.s3);
  const catalog = new GlueCatalog({
    client: clients.glue,
    store,
    copier: store,
    database: settings.database,
    buckets: { silver: settings.buckets.silver, gold: settings.buckets.gold },
    log,
  });
  const sql = await loadPipelineSql(settings.sqlDir);
  return {
    settings,
    sql,
    store,
    catalog,
    clients,
    ports(invocation) {
      const engine = new AthenaEngine({
        client: clients.athena,
        workGroup: settings.workGroup,
        database: settings.database,
        remainingTimeMillis: invocation.remainingTimeMillis,
        log,
        ...(invocation.timing ? { timing: invocation.timing } : {}),
      });
      return {
        store,
        catalog,
        engine: new LongLineRepairEngine(engine, catalog, log),
        sql,
        log,
        zipLimits: settings.zipLimits,
        workDir: settings.workDir,
        landingMaxBytes: settings.landingMaxBytes,
        // Members of a zip land in bronze and raise their own events, in the FIFO order.
        processUnpackedMembers: false,
        // Files at once: the setting (CLEANER_DEFAULTS explains the default against the DML quota).
        parallelFiles: settings.parallelFiles,
        // The stack's dedupe horizon (procureflow:dedupeHorizonDays); 0 = off.
        ...(settings.dedupeHorizonDays > 0 ? { dedupeHorizonDays: settings.dedupeHorizonDays } : {}),
        // FIFO: nothing landed after a failed file may commit before it.
        afterFailure: 'stop',
        // A big turn writes its gold in slices side by side (CLEANER_DEFAULTS explains the number).
        goldStatements: CLEANER_DEFAULTS.goldStatements,
        ...(invocation.beforeStep ? { beforeStep: invocation.beforeStep } : {}),
      };
    },
  };
}

/** A deployed stack as an operator's CLI finds it (`pulumi stack output --json`, or flags). */
export interface StackTarget {
  buckets: { bronze: string; silver: string; gold: string };
  bronzePrefix: string;
  database: string;
  /** The pipeline workgroup: a reprocess runs the cleaner's statements there. */
  workGroup: string;
}

/**
 * The settings of the same adapters for the batch operations run from an operator's machine
 * (batch-operations.ts): the stack's names, the repository's SQL, the cleaner's default limits.
 */
export function operatorSettings(target: StackTarget, sqlDir = DEFAULT_SQL_DIR): LambdaSettings {
  return {
    buckets: { ...target.buckets },
    bronzePrefix: target.bronzePrefix,
    database: target.database,
    workGroup: target.workGroup,
    sqlDir,
    zipLimits: { ...DEFAULT_ZIP_LIMITS, maxTotalBytes: DEFAULT_LAMBDA_ZIP_MAX_TOTAL_BYTES },
    landingMaxBytes: DEFAULT_LANDING_MAX_BYTES,
    workDir: tmpdir(),
    parallelFiles: CLEANER_DEFAULTS.parallelFiles,
    groupMaxBytes: CLEANER_DEFAULTS.groupMaxBytes,
    // The stack's horizon is not in its outputs: an operator's reprocess reads the whole gold.
    dedupeHorizonDays: 0,
  };
}
