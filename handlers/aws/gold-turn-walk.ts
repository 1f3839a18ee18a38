// The turn keeper's gold turn (s13 design, "Turn keeper invocation" step 2): walk the pending
// records in landing order and take the batches whose silver is ready, up to the first that is
// not; commit the first chunk of them (handlers/core/gold-turn.ts commitPrepared) and clear their
// records. Landing order decides first write wins, so a batch whose silver is ready waits for
// every earlier landing: the walk stops at the first one that is not ready.
import pLimit from 'p-limit';
import { commitPrepared, goldChunks, groupIdFor, MAX_BATCHES_PER_GOLD } from '../core/gold-turn.ts';
import { sourceFileOf } from '../core/prepare-batch.ts';
import { countSilverFailed, countLandingResult } from './powertools-observability.ts';
import type { TurnKeeperDeps } from './turn-keeper.ts';
import { failedKey, type PendingRecord, preparedKey } from './turn-records.ts';

/** Pending bodies read at once while walking (S3 GETs; the walk usually stops within the first). */
const READ_AHEAD = 16;

interface Taken {
  pending: PendingRecord;
  /** Its pending key and those of later landings of the same batch (the first pending wins). */
  keys: string[];
}

/** One gold turn; throws when it fails (the caller reports every record of the invocation). */
export async function takeGoldTurn(deps: TurnKeeperDeps): Promise<void> {
  const { records, ports, metrics } = deps;
  const { log } = ports;
  const keys = await records.pendingKeys();
  if (keys.length === 0) return;
  const [prepared, failed] = await Promise.all([records.preparedIds(), records.failedIds()]);

  const taken = new Map<string, Taken>();
  const givenUp = new Set<string>();
  const drop: string[] = [];
  let moreReady = false;
  const read = pLimit(READ_AHEAD);
  walk: for (let start = 0; start < keys.length; start += READ_AHEAD) {
    const window = keys.slice(start, start + READ_AHEAD);
    const bodies = await Promise.all(window.map((key) => read(() => records.readPending(key))));
    for (const [i, pending] of bodies.entries()) {
      const key = window[i] as string;
      const { batchId } = pending;
      const first = taken.get(batchId);
      if (first) {
        first.keys.push(key);
        continue;
      }
      if (givenUp.has(batchId)) {
        drop.push(key);
        continue;
      }
      if (prepared.has(batchId)) {
        if (taken.size >= MAX_BATCHES_PER_GOLD) {
          moreReady = true;
          break walk;
        }
        taken.set(batchId, { pending, keys: [key] });
        continue;
      }
      if (failed.has(batchId)) {
        const record = await records.readFailed(batchId);
        log.error('landing skipped: its silver failed on every receive (the prepare message is in the dead-letter queue)', { batchId, sourceFile: record.sourceFile, error: record.error });
        countSilverFailed(metrics);
        givenUp.add(batchId);
        drop.push(key, failedKey(batchId));
        continue;
      }
      // Not ready. Unless committed already (a crash between a commit and its records' delete),
      // every later landing waits for it.
      const committed = await ports.catalog.committedBatch(batchId);
      if (!committed) break walk;
      drop.push(key);
    }
  }
  if (drop.length > 0) await records.delete(drop);
  if (taken.size === 0) return;

  // The first chunk only: one gold statement per invocation keeps the turn within the timeout.
  const ready = [...taken.values()].map((entry) => ({ ...entry, info: { size: entry.pending.landing.size } }));
  const chunk = goldChunks(ready, deps.groupMaxBytes)[0] ?? [];
  const batches = await Promise.all(chunk.map((entry) => read(async () => {
    const batch = await records.prepared(entry.pending.batchId);
    if (!batch) throw new Error(`${sourceFileOf(entry.pending.landing)}: its prepared record is gone`);
    return batch;
  })));
  const outcomes = await commitPrepared(batches, { ...ports, afterFailure: 'stop' });

  const done: string[] = [];
  let failure: Error | undefined;
  for (const [i, outcome] of outcomes.entries()) {
    const entry = chunk[i];
    if (!entry) continue;
    const { batchId } = entry.pending;
    const sourceFile = sourceFileOf(entry.pending.landing);
    if ('error' in outcome) {
      failure ??= outcome.error;
      log.error('landing failed in its gold turn', { batchId, sourceFile, error: outcome.error.message });
      continue;
    }
    const { result } = outcome;
    const { figures } = result;
    countLandingResult(metrics, { sourceFile, status: result.status, batchId, figures });
    // A later landing of the same batch: recognised once the first is through, as inline.
    for (const repeat of entry.keys.slice(1)) {
      log.info('landing done', { batchId, sourceFile, status: 'already_committed', pending: repeat });
      countLandingResult(metrics, { sourceFile, status: 'already_committed', batchId, figures });
    }
    log.info('landing done', { batchId, sourceFile, status: result.status });
    // A crash part way through these deletes leaves a pending record of a committed batch: the
    // next walk finds it committed and drops it.
    done.push(...entry.keys, preparedKey(batchId), ...(failed.has(batchId) ? [failedKey(batchId)] : []));
  }
  if (done.length > 0) await records.delete(done);
  if (failure) throw failure;
  // Liveness: ready batches beyond this chunk get a turn of their own without waiting for a landing.
  if (moreReady || chunk.length < taken.size) await deps.messages.goldTurn(groupIdFor(chunk.map((entry) => entry.pending.batchId)));
}
