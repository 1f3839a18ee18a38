// The lake's four buckets and their security: encryption, no public access, TLS only,
// versioned bronze, and lifecycle rules so query results and failed uploads do not pile up.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export type BucketRole = 'bronze' | 'silver' | 'gold' | 'athena-results';

export const BUCKET_ROLES: readonly BucketRole[] = ['bronze', 'silver', 'gold', 'athena-results'];

/** Days Athena query results are kept: they are only read right after the query. */
export const ATHENA_RESULTS_EXPIRY_DAYS = 7;
/** Days an overwritten or deleted bronze object stays recoverable. */
export const BRONZE_NONCURRENT_EXPIRY_DAYS = 30;

/** The globally unique S3 name of one of a stack's buckets; throws when S3 would refuse it. */
export function bucketName(prefix: string, role: BucketRole): string {
  if (!BUCKET_ROLES.includes(role)) throw new Error(`unknown bucket role '${String(role)}'`);
  const name = `${prefix}-${role}`;
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

/** Where the cleaner keeps per-batch work objects in the silver bucket. */
export const WORK_PREFIX = '_work/';
const WORK_EXPIRY_DAYS = 7;

/** The lifecycle rules of a bucket: every bucket aborts stale uploads; results and work objects expire; old bronze versions expire. */
export function lifecycleRules(role: BucketRole): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  const rules: aws.types.input.s3.BucketLifecycleConfigurationRule[] = [
    // Athena CTAS and the zip unpacker write multipart; a crash leaves invisible, billed parts.
    { id: 'abort-incomplete-multipart-uploads', status: 'Enabled', filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } },
  ];
  if (role === 'athena-results') {
    rules.push({ id: 'expire-query-results', status: 'Enabled', filter: {}, expiration: { days: ATHENA_RESULTS_EXPIRY_DAYS } });
  }
  if (role === 'silver') {
    // Symlink manifests of landed files: needed only while their batch runs.
    rules.push({ id: 'expire-work-manifests', status: 'Enabled', filter: { prefix: WORK_PREFIX }, expiration: { days: WORK_EXPIRY_DAYS } });
  }
  if (role === 'bronze') {
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
    const bucket = new aws.s3.Bucket(`${name}-${role}`, { bucket: bucketName(args.namePrefix, role), forceDestroy: args.forceDestroy }, opts);
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
      { bucket: bucket.id, rules: lifecycleRules(role) },
      { parent: this, dependsOn: versioning ? [versioning] : [] },
    );
    return bucket;
  }
}
