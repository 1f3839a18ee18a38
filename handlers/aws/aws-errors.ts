// AWS error classification, in one place for every adapter (S3, Glue, Athena). The SDK v3 throws
// ServiceException subclasses whose `name` is the service's error code; `$retryable.throttling`
// and the HTTP status are set by the SDK's own error parser.

const THROTTLING_ERRORS = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'SlowDown',
]);

/** Error codes that mean "no such thing" across S3 (`NotFound` on HEAD, `NoSuchKey` on GET) and Glue. */
const NOT_FOUND_ERRORS = new Set(['NotFound', 'NoSuchKey', 'EntityNotFoundException']);

interface AwsErrorShape {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

function shape(error: unknown): AwsErrorShape | undefined {
  return typeof error === 'object' && error !== null ? (error as AwsErrorShape) : undefined;
}

/** The name of an AWS error (`EntityNotFoundException`, ...), or undefined. */
export function errorName(error: unknown): string | undefined {
  return shape(error)?.name;
}

/** Whether an AWS error means "slow down", whatever the service calls it. */
export function isThrottling(error: unknown): boolean {
  const e = shape(error);
  if (!e) return false;
  return (
    THROTTLING_ERRORS.has(e.name ?? '') ||
    THROTTLING_ERRORS.has(e.Code ?? '') ||
    e.$retryable?.throttling === true ||
    e.$metadata?.httpStatusCode === 429
  );
}

/** Whether an AWS error says the object, table or partition does not exist. */
export function isNotFound(error: unknown): boolean {
  const e = shape(error);
  if (!e) return false;
  return NOT_FOUND_ERRORS.has(e.name ?? '') || NOT_FOUND_ERRORS.has(e.Code ?? '') || e.$metadata?.httpStatusCode === 404;
}

/** Whether an AWS error says the thing being created is already there. */
export function isAlreadyExists(error: unknown): boolean {
  return errorName(error) === 'AlreadyExistsException';
}
