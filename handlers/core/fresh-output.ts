// The one reset path of a step's output (issue 9 item 2). Every CTAS writes to a location that
// must be empty and under a work table that must not exist, so its output is reset first: the
// location cleared, the work table dropped. An engine that finds its statement's output cannot be
// trusted does not reset anything itself; it throws a StaleQueryError, and this loop resets again
// and reruns the statement under the next generation (the cloud engine puts the generation in its
// idempotency token, so the rerun is a new query, not the old one again). Why an output goes
// stale: the query re-attached to was submitted by an earlier, crashed attempt (it may have
// written after this attempt's reset), or the statement failed on input that has since been
// repaired (handlers/aws/long-line-engine.ts). The engine throws only once the old query has
// ended, so the reset never races a writer.
import type { PipelineLog } from './pipeline-log.ts';
import type { StepContext } from './ports.ts';

/** Generations of one statement tried before giving up (one per crashed attempt or repair). */
export const MAX_GENERATIONS = 20;

/** The output of a step's statement must be reset and the statement rerun under the next generation. */
export class StaleQueryError extends Error {
  constructor(
    readonly step: string,
    readonly queryExecutionId: string,
    /** Why the output cannot be trusted, in words for the log. */
    readonly why: string,
  ) {
    super(`query ${queryExecutionId} at step ${step} ${why}: its output must be reset and the statement rerun under the next generation`);
    this.name = 'StaleQueryError';
  }
}

export interface FreshOutputStep {
  context: StepContext;
  /** Clears the step's location(s) and drops its work table. */
  reset: () => Promise<void>;
  /** Runs the statement under the given context (its generation included). */
  write: (context: StepContext) => Promise<void>;
  log: PipelineLog;
}

/** Reset, then write; on a StaleQueryError reset and write again under the next generation, bounded. */
export async function materializeFresh({ context, reset, write, log }: FreshOutputStep): Promise<void> {
  for (let generation = 0; generation < MAX_GENERATIONS; generation++) {
    await reset();
    try {
      await write({ ...context, generation });
      return;
    } catch (error) {
      if (!(error instanceof StaleQueryError)) throw error;
      log.warn('the output of an ended query cannot be trusted; it is reset and the statement runs again', {
        batchId: context.batchId,
        step: context.step,
        queryExecutionId: error.queryExecutionId,
        why: error.why,
        generation,
      });
    }
  }
  throw new Error(`step ${context.step}: ${MAX_GENERATIONS} generations of the same statement all had to be rerun`);
}
