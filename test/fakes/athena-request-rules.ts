// StartQueryExecution's request rules shared by the fake Athena (fake-athena.ts) and the bench's
// model Athena (model-athena.ts), so both refuse the same requests with the same errors.
import { InvalidRequestException, TooManyRequestsException } from '@aws-sdk/client-athena';

const $metadata = { httpStatusCode: 400 };

/** What idempotency compares between two StartQueryExecution calls with one token. */
export interface TokenedRequest {
  id: string;
  sql: string;
  database: string;
  workGroup: string;
}

/**
 * Rule (e): ClientRequestToken "Length Constraints: Minimum length of 32. Maximum length of 128."
 * (Athena API reference, StartQueryExecution).
 */
export function checkClientRequestToken(token: string | undefined): void {
  if (token !== undefined && (token.length < 32 || token.length > 128)) {
    throw new InvalidRequestException({
      message: `1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length between 32 and 128`,
      $metadata,
    });
  }
}

/**
 * Rule (e), idempotency: "If another StartQueryExecution request is received, the same response is
 * returned and another query is not created. An error is returned if a parameter, such as
 * QueryString, has changed." (API reference, StartQueryExecution). Returns the earlier query's id.
 */
export function replayByToken(earlier: TokenedRequest, request: Omit<TokenedRequest, 'id'>): { QueryExecutionId: string } {
  if (earlier.sql !== request.sql || earlier.database !== request.database || earlier.workGroup !== request.workGroup) {
    throw new InvalidRequestException({ message: 'Idempotent parameters do not match', $metadata });
  }
  return { QueryExecutionId: earlier.id };
}

/**
 * Rule (d): "A DML or DDL query quota includes both running and queued queries. For example, if
 * your DML query quota is 25 and your total of running and queued queries is 26, query 26 will
 * result in a TooManyRequestsException error." (https://docs.aws.amazon.com/athena/latest/ug/service-limits.html)
 */
export function checkActiveDmlQuota(active: number, quota: number): void {
  if (active >= quota) {
    throw new TooManyRequestsException({
      message: 'You have exceeded the limit for the number of queries you can run concurrently. Reduce the number of concurrent queries submitted by this account.',
      Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED',
      $metadata,
    });
  }
}
