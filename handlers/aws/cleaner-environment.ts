// The cleaner Lambda's environment variable names, defined once: the stack
// (components/cleaner.ts) sets them and the Lambda (lambda-settings.ts) reads them back.
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
} as const;

export type CleanerEnvKey = keyof typeof CLEANER_ENV;
