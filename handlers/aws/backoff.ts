// Bounded waits for AWS calls: exponential backoff with full jitter, a deadline, and a retry of
// throttled calls. Clock, sleep and randomness are injectable so tests run instantly.
//
// One retry layer: this deadline-bound retry is used for Athena only, whose client is built with
// the SDK's own retries off (`maxAttempts: 1`, handlers/aws/aws-lake.ts); S3 and Glue keep the
// SDK's standard retry strategy and are never wrapped here. So a throttled call is retried by
// exactly one of the two, never by both (issue 9 item 3).
import { setTimeout as delay } from 'node:timers/promises';
import { isThrottling } from './aws-errors.ts';

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
