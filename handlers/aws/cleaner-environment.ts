// The cleaner Lambda's environment variable names, defined once: the stack
// (components/cleaner-environment.ts) sets them and the Lambda (lambda-settings.ts) reads them back.
// Pure data, so the Pulumi program can import it without loading any handler runtime.
export const CLEANER_ENV = {
  bronzeBucket: 'BRONZE_BUCKET',
  silverBucket: 'SILVER_BUCKET',
  goldBucket: 'GOLD_BUCKET',
  database: 'GLUE_DATABASE',
  /** The pipeline's Athena workgroup (not enforced, so CTAS may name external_location). */
  workGroup: 'ATHENA_WORKGROUP',
  bronzePrefix: 'BRONZE_PREFIX',
  sqlDir: 'SQL_DIR',
  zipMaxTotalBytes: 'ZIP_MAX_TOTAL_BYTES',
  zipMaxRatio: 'ZIP_MAX_RATIO',
  /** The largest landed object (.dat, .dat.gz or .zip) the cleaner takes; larger ones are refused once. */
  landingMaxBytes: 'LANDING_MAX_BYTES',
  /** How many files of one invocation run their own steps (landing, silver, rejects, figures) at once. */
  parallelFiles: 'PARALLEL_FILES',
  /** The most landed bytes one gold turn takes (several turns, in landing order, when a batch holds more). */
  groupMaxBytes: 'GROUP_MAX_BYTES',
  /** The dedupe horizon in days (handlers/core/dedupe-horizon.ts); 0 = off, the whole gold is read. */
  dedupeHorizonDays: 'DEDUPE_HORIZON_DAYS',
  /**
   * The silver workers' FIFO queue (one message group per batch). Set: the turn keeper hands each
   * landed .dat to a worker and takes gold turns over the batches whose silver is ready. Unset
   * (a stack with `silverWorkers: 0`): each invocation runs its FIFO batch as one group inline.
   */
  silverQueueUrl: 'SILVER_QUEUE_URL',
  /** The landing FIFO queue: a silver worker sends its "silver ready" note there (the turn keeper's trigger). */
  landingQueueUrl: 'LANDING_QUEUE_URL',
  /** Receives of a silver message before its redrive policy moves it to the dead-letter queue. */
  silverMaxReceives: 'SILVER_MAX_RECEIVES',
} as const;

/**
 * Defaults of the group settings, shared by the stack (components/cleaner-environment.ts) and the Lambda
 * (lambda-settings.ts); README "Performance" gives the bench runs they are chosen from.
 */
export const CLEANER_DEFAULTS = {
  /**
   * Each file keeps ONE Athena query in flight (silver, rejects, its figures query, one after the
   * other), so 10 files (a whole FIFO batch) keep 10 queued or running, under Athena's default
   * active DML quota of 20 ("A DML or DDL query quota includes both running and queued queries",
   * service-limits.html); the gold turn runs after them.
   */
  parallelFiles: 10,
  /**
   * The most landed bytes one gold turn takes, at least one landing: 50 GB.
   * The stack passes less when its pipeline workgroup's bytes-scanned cutoff asks for it
   * (components/stack-config.ts turnMaxBytes: 4 GiB with the default 16 GiB cutoff), since a
   * turn's statements read its files' silver and Athena cancels a query past the cutoff.
   */
  groupMaxBytes: 50_000_000_000,
  /**
   * Silver workers at once (the silver event source mapping's MaximumConcurrency): each keeps ONE
   * Athena query in flight, and the turn keeper at most goldStatements + 1 (its gold slices and the
   * duplicates figure beside them), so 15 + 4 stay under Athena's default active DML quota of 20
   * (service-limits.html, as above), one query to spare for analysts on the same account. The
   * cloud bench's 100 MB mix, with turns of up to 50 GB: 16 workers and 2 gold statements 0.66 TB/h,
   * 15 and 3 0.75 TB/h (README "Performance" has the run with today's 4 GiB turns).
   */
  silverWorkers: 15,
  /**
   * Gold statements of one turn at once (handlers/core/gold-turn.ts goldStatements): a statement
   * writes at one rate (100 MB/s on the cloud bench's model), so a turn of several GB writes its
   * slices side by side; a slice is at least GOLD_SLICE_MIN_BYTES (1 GiB) of landed files.
   */
  goldStatements: 3,
} as const;

/**
 * The landing FIFO queue's one message group (components/landing-events.ts names the same value for
 * the EventBridge target): the silver workers' and the turn keeper's own notes must join it, so
 * that one turn keeper runs at a time. Here because the Lambda image has handlers/ but not components/.
 */
export const LANDING_MESSAGE_GROUP = 'landings';

/** The metric the cleaner counts refused landings under; the stack's alarm watches it. */
export const LANDINGS_REFUSED_METRIC = 'LandingsRefused';
