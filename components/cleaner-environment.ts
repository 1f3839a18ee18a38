// The cleaner Lambdas' environment: the stack's names and limits under the variable names of
// CLEANER_ENV (handlers/aws/cleaner-environment.ts), which the Lambda reads back
// (handlers/aws/lambda-settings.ts), plus Powertools' own variables. The turn keeper and the
// silver workers get the same environment: one image, one set of settings, two entry points.
import { CLEANER_DEFAULTS, CLEANER_ENV } from '../handlers/aws/cleaner-environment.ts';

/** Powertools' metric namespace of the cleaner (the alarms read their metrics there). */
export const METRICS_NAMESPACE = 'ProcureFlow';
/** Powertools' service name of the cleaner (the `service` dimension of its metrics). */
export const SERVICE_NAME = 'procureflow-cleaner';

export interface CleanerEnvironmentArgs {
  bronzeBucket: string;
  silverBucket: string;
  goldBucket: string;
  databaseName: string;
  pipelineWorkgroupName: string;
  bronzePrefix: string;
  zipMaxTotalBytes: number;
  zipMaxRatio: number;
  landingMaxBytes: number;
  /** Files of one invocation at once (default CLEANER_DEFAULTS.parallelFiles). */
  parallelFiles?: number;
  /** Landed bytes one invocation takes (default CLEANER_DEFAULTS.groupMaxBytes). */
  groupMaxBytes?: number;
  /** The dedupe horizon in days (default 0 = off: first write wins reads the whole gold). */
  dedupeHorizonDays?: number;
  /** The landing FIFO queue: the workers' "silver ready" notes and the turn keeper's own go there. */
  landingQueueUrl?: string;
  /** The silver workers' FIFO queue; none (a stack with silverWorkers 0) = inline groups. */
  silverQueueUrl?: string;
  /** Receives of a silver message before its redrive policy dead-letters it (MAX_RECEIVE_COUNT). */
  silverMaxReceives?: number;
}

/** The environment variables the cleaner's entry reads, under the names of CLEANER_ENV. */
export function cleanerEnvironment(args: CleanerEnvironmentArgs): Record<string, string> {
  return {
    [CLEANER_ENV.bronzeBucket]: args.bronzeBucket,
    [CLEANER_ENV.silverBucket]: args.silverBucket,
    [CLEANER_ENV.goldBucket]: args.goldBucket,
    [CLEANER_ENV.database]: args.databaseName,
    [CLEANER_ENV.workGroup]: args.pipelineWorkgroupName,
    [CLEANER_ENV.bronzePrefix]: args.bronzePrefix,
    [CLEANER_ENV.sqlDir]: '/var/task/sql',
    [CLEANER_ENV.zipMaxTotalBytes]: String(args.zipMaxTotalBytes),
    [CLEANER_ENV.zipMaxRatio]: String(args.zipMaxRatio),
    [CLEANER_ENV.landingMaxBytes]: String(args.landingMaxBytes),
    [CLEANER_ENV.parallelFiles]: String(args.parallelFiles ?? CLEANER_DEFAULTS.parallelFiles),
    [CLEANER_ENV.groupMaxBytes]: String(args.groupMaxBytes ?? CLEANER_DEFAULTS.groupMaxBytes),
    [CLEANER_ENV.dedupeHorizonDays]: String(args.dedupeHorizonDays ?? 0),
    // The queue settings are set only when given (the stack always gives the landing queue and
    // the receive count); SILVER_QUEUE_URL is unset, not empty, without workers: inline mode.
    ...(args.landingQueueUrl === undefined ? {} : { [CLEANER_ENV.landingQueueUrl]: args.landingQueueUrl }),
    ...(args.silverQueueUrl === undefined ? {} : { [CLEANER_ENV.silverQueueUrl]: args.silverQueueUrl }),
    ...(args.silverMaxReceives === undefined ? {} : { [CLEANER_ENV.silverMaxReceives]: String(args.silverMaxReceives) }),
    // Powertools' own variables.
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: 'INFO',
  };
}
