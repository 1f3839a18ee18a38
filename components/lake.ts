// The lake's four buckets and their security: encryption, no public access, TLS only,
// versioned bronze, and lifecycle rules so query results and failed uploads do not pile up.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { LANDED_COPY_PREFIX, LANDED_MANIFEST_PREFIX } from '../handlers/core/lake-prefixes.ts';

export type BucketRole = 'bronze' | 'silver' | 'gold' | 'athena-results';

export const BUCKET_ROLES: readonly BucketRole[] = ['bronze', 'silver', 'gold', 'athena-results'];

/** Days Athena query results are kept: they are only read right after the query. */
export const ATHENA_RESULTS_EXPIRY_DAYS = 7;
/** Days an overwritten or deleted bronze object stays recoverable. */
export const BRONZE_NONCURRENT_EXPIRY_DAYS = 30;

/**
 * The S3 name of one of a stack's buckets: `<prefix>-<role>-<account id>`. Bucket names are
 * global across all accounts, so a name built from the stack alone can already belong to
 * someone else; the account id makes the default unique to the deploying account and stays
 * stable across deployments (a random suffix would too, but would hide whose bucket it is).
 * Throws when S3 would refuse the name.
 */
export function bucketName(prefix: string, role: BucketRole, accountId: string): string {
  if (!BUCKET_ROLES.includes(role)) throw new Error(`unknown bucket role '${String(role)}'`);
  if (!/^\d{12}$/.test(accountId)) throw new Error(`'${accountId}' is not a 12-digit AWS account id`);
  const name = `${prefix}-${role}-${accountId}`;
  if (name.length < 3 || name.length > 63) {
    throw new Error(`bucket name '${name}' is ${name.length} characters; S3 allows 3 to 63`);
  }
  if (!/^[a-z0-9][a-z0-9-]*[a-z0-9]$/.test(name) || name.includes('--')) {
    throw new Error(`bucket name '${name}' must be lowercase letters, digits and single hyphens, starting and ending with a letter or digit`);
  }
  return name;
}

/** A bucket policy denying every request that does not use TLS. */
export function denyInsecureTransportPolicy(bucketArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  });
}

/** The silver bucket's work areas (handlers/core/lake-prefixes.ts): needed only while their batch runs. */
export const WORK_PREFIXES = [LANDED_MANIFEST_PREFIX, LANDED_COPY_PREFIX] as const;
const WORK_EXPIRY_DAYS = 7;

export interface LifecycleOptions {
  /** Days after which a bronze object moves to S3 Standard-IA (at least 30: see stack-config.ts). */
  bronzeInfrequentAccessDays: number;
}

/**
 * The lifecycle rules of a bucket: every bucket aborts stale uploads; results and work objects
 * expire; bronze moves to Standard-IA after the configured days and its old versions expire.
 */
export function lifecycleRules(role: BucketRole, options: LifecycleOptions): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  const rules: aws.types.input.s3.BucketLifecycleConfigurationRule[] = [
    // Athena CTAS and the zip unpacker write multipart; a crash leaves invisible, billed parts.
    { id: 'abort-incomplete-multipart-uploads', status: 'Enabled', filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } },
  ];
  if (role === 'athena-results') {
    rules.push({ id: 'expire-query-results', status: 'Enabled', filter: {}, expiration: { days: ATHENA_RESULTS_EXPIRY_DAYS } });
  }
  if (role === 'silver') {
    // Manifests and landed copies through which Athena reads a landed file.
    for (const prefix of WORK_PREFIXES) {
      rules.push({
        id: `expire-${prefix.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`,
        status: 'Enabled',
        filter: { prefix },
        expiration: { days: WORK_EXPIRY_DAYS },
      });
    }
  }
  if (role === 'bronze') {
    // Landed files are read once (and again only on a retry): after the configured days they are
    // kept for the record at the Standard-IA price. S3 refuses fewer than 30 days (see
    // MIN_INFREQUENT_ACCESS_DAYS in stack-config.ts).
    if (!Number.isInteger(options.bronzeInfrequentAccessDays) || options.bronzeInfrequentAccessDays < 30) {
      throw new Error(`bronzeInfrequentAccessDays must be an integer of at least 30, got ${options.bronzeInfrequentAccessDays}`);
    }
    rules.push({
      id: 'bronze-to-standard-ia',
      status: 'Enabled',
      filter: {},
      transitions: [{ days: options.bronzeInfrequentAccessDays, storageClass: 'STANDARD_IA' }],
    });
    rules.push({
      id: 'expire-noncurrent-versions',
      status: 'Enabled',
      filter: {},
      noncurrentVersionExpiration: { noncurrentDays: BRONZE_NONCURRENT_EXPIRY_DAYS },
    });
  }
  return rules;
}

export interface LakeBucketsArgs {
  namePrefix: string;
  /** The deploying account: part of every bucket name (see bucketName). */
  accountId: pulumi.Input<string>;
  bronzeInfrequentAccessDays: number;
  /** Lets `pulumi destroy` delete non-empty buckets: dev stacks only. */
  forceDestroy: boolean;
}

export class LakeBuckets extends pulumi.ComponentResource {
  readonly bronze: aws.s3.Bucket;
  readonly silver: aws.s3.Bucket;
  readonly gold: aws.s3.Bucket;
  readonly athenaResults: aws.s3.Bucket;

  constructor(name: string, args: LakeBucketsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('procureflow:lake:LakeBuckets', name, {}, opts);
    const make = (role: BucketRole) => this.secureBucket(name, role, args);
    this.bronze = make('bronze');
    this.silver = make('silver');
    this.gold = make('gold');
    this.athenaResults = make('athena-results');
    this.registerOutputs({
      bronzeBucket: this.bronze.bucket,
      silverBucket: this.silver.bucket,
      goldBucket: this.gold.bucket,
      athenaResultsBucket: this.athenaResults.bucket,
    });
  }

  private secureBucket(name: string, role: BucketRole, args: LakeBucketsArgs): aws.s3.Bucket {
    const opts = { parent: this };
    const bucket = new aws.s3.Bucket(
      `${name}-${role}`,
      { bucket: pulumi.output(args.accountId).apply((accountId) => bucketName(args.namePrefix, role, accountId)), forceDestroy: args.forceDestroy },
      opts,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-${role}-encryption`,
      { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
      opts,
    );
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
      `${name}-${role}-public-access-block`,
      { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      opts,
    );
    // S3 rejects concurrent changes to one bucket's policy and public access block.
    new aws.s3.BucketPolicy(
      `${name}-${role}-tls-only-policy`,
      { bucket: bucket.id, policy: bucket.arn.apply(denyInsecureTransportPolicy) },
      { parent: this, dependsOn: [publicAccessBlock] },
    );
    let versioning: aws.s3.BucketVersioning | undefined;
    if (role === 'bronze') {
      // Bronze is the only copy of what was landed: an overwrite or delete must be recoverable.
      versioning = new aws.s3.BucketVersioning(`${name}-${role}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } }, opts);
    }
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-${role}-lifecycle`,
      { bucket: bucket.id, rules: lifecycleRules(role, { bronzeInfrequentAccessDays: args.bronzeInfrequentAccessDays }) },
      { parent: this, dependsOn: versioning ? [versioning] : [] },
    );
    return bucket;
  }
}
