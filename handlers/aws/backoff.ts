// Bounded waits for AWS calls: exponential backoff with full jitter, a deadline, and a retry of
// throttled calls. Clock, sleep and randomness are injectable so tests run instantly.
import { setTimeout as delay } from 'node:timers/promises';

export interface Timing {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** A number in [0, 1). */
  random(): number;
}

export const realTiming: Timing = {
  now: () => Date.now(),
  sleep: (ms) => delay(ms),
  random: () => Math.random(),
};

export interface BackoffPolicy {
  /** First delay cap in milliseconds. */
  baseMs: number;
  /** Largest delay cap in milliseconds. */
  capMs: number;
}

/** Full jitter (AWS Architecture Blog): a random delay in [0, min(cap, base · 2^attempt)). */
export function fullJitterDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

const THROTTLING_ERRORS = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'SlowDown',
]);

/** Whether an AWS error means "slow down", whatever the service calls it. */
export function isThrottling(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } };
  return (
    THROTTLING_ERRORS.has(e.name ?? '') ||
    THROTTLING_ERRORS.has(e.Code ?? '') ||
    e.$retryable?.throttling === true ||
    e.$metadata?.httpStatusCode === 429
  );
}

/** The name of an AWS error (`EntityNotFoundException`, ...), or undefined. */
export function errorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  return (error as { name?: string }).name;
}

export interface ThrottleRetry {
  timing: Timing;
  policy: BackoffPolicy;
  maxAttempts: number;
  /** Epoch milliseconds after which no further attempt starts. */
  deadline?: number;
  /** What the call is, for the error message. */
  label: string;
}

/** Runs a call, retrying it with backoff while AWS throttles it. */
export async function retryThrottled<T>(call: () => Promise<T>, options: ThrottleRetry): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isThrottling(error)) throw error;
      const wait = fullJitterDelay(attempt, options.policy, options.timing.random);
      const outOfTime = options.deadline !== undefined && options.timing.now() + wait >= options.deadline;
      if (attempt + 1 >= options.maxAttempts || outOfTime) {
        const why = outOfTime ? 'the deadline' : `${options.maxAttempts} attempts`;
        throw new Error(`${options.label}: still throttled after ${attempt + 1} attempt(s), gave up at ${why}`, { cause: error });
      }
      await options.timing.sleep(wait);
    }
  }
}
