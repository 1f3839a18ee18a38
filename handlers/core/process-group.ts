// Landings in parallel, gold in groups (ARCHITECTURE.md, "Files in parallel, gold in turns"), in
// one process: the local runs and the tests' groups. Phase 1 (prepare-batch.ts), per file, for
// many files at once (bounded by `parallelFiles`): identity, skip a committed batch, register the
// landed file, silver, rejects, and the counts that need the file alone. Phase 2 (gold-turn.ts),
// as the lake's only gold writer, for the whole group in landing order: one gold statement, the
// figures and the commits. The cloud runs the same two phases in different invocations
// (handlers/silver-worker.ts prepares, handlers/lambda.ts takes the gold turns).
import pLimit from 'p-limit';
import { asError, commitPrepared, type GoldTurnPorts } from './gold-turn.ts';
import type { Landing } from './landing-event.ts';
import { committedResult, type IdentifiedBatch, identifyLanding, prepareBatch, type PreparedBatch, sourceFileOf } from './prepare-batch.ts';
import type { BatchResult } from './process-batch.ts';

export interface GroupPorts extends GoldTurnPorts {
  /**
   * How many files run their per-file phase at once (default 1). Locally DuckDB already uses every
   * core for one statement; in the cloud each file keeps one query in flight, so the cleaner
   * sizes this to stay under Athena's DML quota (handlers/aws/cleaner-environment.ts CLEANER_DEFAULTS).
   */
  parallelFiles?: number;
}

/** One landing's outcome: a batch result, or the error that stopped it. */
export type GroupOutcome = { landing: Landing; sourceFile: string } & ({ result: BatchResult } | { error: Error });

/** Runs a group of landings (in landing order) to one gold turn; one outcome per landing, in order. */
export async function processGroup(landings: Landing[], ports: GroupPorts): Promise<GroupOutcome[]> {
  const outcomes: Array<GroupOutcome | undefined> = landings.map(() => undefined);
  const fail = (index: number, error: unknown) => {
    const landing = landings[index] as Landing;
    outcomes[index] = { landing, sourceFile: sourceFileOf(landing), error: asError(error) };
  };
  const done = (index: number, result: BatchResult) => {
    const landing = landings[index] as Landing;
    outcomes[index] = { landing, sourceFile: sourceFileOf(landing), result };
  };
  const limit = pLimit(Math.max(1, ports.parallelFiles ?? 1));

  // Identity first, for all: the same batch twice in a group runs once (the first in landing order).
  const identified: Array<IdentifiedBatch | undefined> = await Promise.all(
    landings.map((landing, index) =>
      limit(() =>
        identifyLanding(landing, ports.store).catch((error: unknown) => {
          fail(index, error);
          return undefined;
        }),
      ),
    ),
  );
  const firstIndexOf = new Map<string, number>();
  const repeats = new Map<number, number>();
  identified.forEach((batch, index) => {
    if (!batch) return;
    const first = firstIndexOf.get(batch.batchId);
    if (first === undefined) firstIndexOf.set(batch.batchId, index);
    else repeats.set(index, first);
  });

  // Phase 1: every file on its own, in parallel.
  const prepared: Array<PreparedBatch | undefined> = await Promise.all(
    identified.map((batch, index) =>
      limit(async (): Promise<PreparedBatch | undefined> => {
        if (!batch || repeats.has(index)) return undefined;
        try {
          const earlier = await committedResult(batch, ports);
          if (earlier) {
            done(index, earlier);
            return undefined;
          }
          return await prepareBatch(batch, ports);
        } catch (error) {
          fail(index, error);
          return undefined;
        }
      }),
    ),
  );

  // Which prepared files the gold turn takes: all of them, or (FIFO) those before the first failure.
  const firstFailure = outcomes.findIndex((outcome) => outcome !== undefined && 'error' in outcome);
  const stopAt = ports.afterFailure === 'stop' && firstFailure >= 0 ? firstFailure : landings.length;
  const group: Array<{ index: number; batch: PreparedBatch }> = [];
  prepared.forEach((batch, index) => {
    if (!batch) return;
    if (index < stopAt) group.push({ index, batch });
    else fail(index, new Error(`${batch.sourceFile}: not committed: ${sourceFileOf(landings[stopAt] as Landing)}, landed before it in the same group, failed`));
  });

  // Phase 2: gold turns in landing order (gold-turn.ts).
  const turned = await commitPrepared(
    group.map(({ batch }) => batch),
    ports,
  );
  group.forEach(({ index }, i) => {
    const outcome = turned[i];
    if (outcome && 'result' in outcome) done(index, outcome.result);
    else fail(index, outcome?.error ?? new Error('not processed'));
  });

  // A repeat of a batch in the same group: recognised once the first is through.
  for (const [index, first] of repeats) {
    const outcome = outcomes[first];
    const batch = identified[index] as IdentifiedBatch;
    if (outcome && 'result' in outcome) {
      done(index, { status: 'already_committed', figures: outcome.result.figures, batchId: batch.batchId, sourceFile: batch.sourceFile });
    } else fail(index, outcome && 'error' in outcome ? outcome.error : new Error(`${batch.sourceFile}: not processed`));
  }
  return outcomes.map((outcome, index) => outcome ?? { landing: landings[index] as Landing, sourceFile: sourceFileOf(landings[index] as Landing), error: new Error('not processed') });
}
