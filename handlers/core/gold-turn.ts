// Phase 2 of a group: the gold turn (ARCHITECTURE.md, "Files in parallel, gold in turns"). As the
// lake's only gold writer (Catalog.withGoldTurn), for prepared batches in landing order: ONE gold
// statement over their silver, written partitioned by batch_id; the counts that need gold,
// grouped by batch_id, each batch's balance checked; then the commits, one batch after the other
// in landing order, each making that batch's silver, rejects and gold visible together. First
// write wins keeps its meaning: an id goes to the earliest landed batch of the group that holds
// it, unless committed gold holds it already.
//
// Every step may run again: outputs go to locations that are cleared first (the group's gold to a
// location named after its batches), and a batch is visible only once committed. A crash between
// two commits of a group leaves the earlier batches committed: the rerun skips them and redoes
// the rest, which gives the lake of one clean run (the earlier batches were first anyway).
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import { type BatchFigures, balanceHolds, figuresToParameters, goldLookupQuery, groupFigureQueries } from './batch-figures.ts';
import { earliestOf, horizonStart } from './dedupe-horizon.ts';
import { materializeFresh } from './fresh-output.ts';
import { compareIds, EMPTY_ID_RANGE, type IdRange, idRangeOf } from './id-range.ts';
import { PipelineStepError } from './pipeline-error.ts';
import { batchStep, committedResult, type PreparedBatch } from './prepare-batch.ts';
import type { BatchPorts, BatchResult, BatchStep } from './process-batch.ts';
import { fillTemplate, identifier, literal, noRows, unionOf } from './sql-template.ts';

export interface GoldTurnPorts extends BatchPorts {
  /**
   * What a failed batch does to the batches landed after it: `skip` (local runs: they still
   * commit, as separate ingests would) or `stop` (a FIFO order: they are not committed and are
   * reported, so that nothing commits ahead of the failed batch).
   */
  afterFailure?: 'skip' | 'stop';
  /**
   * The most landed bytes one gold statement takes (at least one batch): more commit in chunks,
   * each its own gold turn. Locally it bounds DuckDB's gold statement (memory, spill); in the
   * cloud a gold statement's time. None = no bound.
   */
  maxGroupBytes?: number;
  /**
   * The dedupe horizon in days (dedupe-horizon.ts): first write wins reads only gold dated from the
   * group's earliest valid transaction date minus this many days. None or 0 = the whole gold.
   */
  dedupeHorizonDays?: number;
  /**
   * Read committed gold once per turn: the group's ids found there go to a small work table
   * (batch-figures.ts goldLookupQuery) that the gold statement and the duplicates figure then
   * read as their {{gold_table}}. Locally each would otherwise scan the id column of every
   * overlapping committed batch, a cost that grows with the lake (ids resent from all of history
   * overlap every batch). The cloud leaves it off: it would cost one more Athena round per turn.
   */
  readGoldOnce?: boolean;
  /**
   * Gold statements one turn may run at once (default 1), each writing a slice of the turn's
   * batches in landing order and keeping out the valid ids of the slices landed before it. A
   * statement writes at one rate, so a big turn written in slices ends sooner; each slice is at
   * least `goldSliceMinBytes` of landed files (a small turn is one statement: each costs a round).
   */
  goldStatements?: number;
  /** The least landed bytes of one gold slice (default GOLD_SLICE_MIN_BYTES). */
  goldSliceMinBytes?: number;
}

/** Below this many landed bytes a gold slice is not worth its own statement. */
export const GOLD_SLICE_MIN_BYTES = 1024 ** 3;

/**
 * The turn's batches in contiguous slices of about equal landed bytes, in landing order: at most
 * `statements`, each at least `minBytes` (at least one slice).
 */
export function goldSlices<T extends { info: { size: number } }>(batches: T[], statements: number, minBytes: number): T[][] {
  const total = batches.reduce((sum, batch) => sum + batch.info.size, 0);
  const count = Math.max(1, Math.min(statements, batches.length, minBytes > 0 ? Math.floor(total / minBytes) : batches.length));
  const slices: T[][] = [];
  let bytes = 0;
  for (const batch of batches) {
    const due = (total * slices.length) / count;
    if (slices.length < count && (slices.length === 0 || bytes >= due)) slices.push([]);
    (slices.at(-1) as T[]).push(batch);
    bytes += batch.info.size;
  }
  return slices;
}

/** One prepared batch's outcome: its result, or the error that stopped it. */
export type TurnOutcome = { result: BatchResult } | { error: Error };

/**
 * Batches per gold statement: Athena writes at most 100 partitions per CTAS
 * (HIVE_TOO_MANY_OPEN_PARTITIONS, other-notable-limitations.html); the same bound locally.
 */
export const MAX_BATCHES_PER_GOLD = 100;

/** Independent catalog calls of one turn in flight at once (lookups, drops of work tables). */
const CATALOG_CALLS_AT_ONCE = 10;

/** The group's name: a digest of its batch ids in landing order (its gold location and work table). */
export function groupIdFor(batchIds: string[]): string {
  return `group_${createHash('sha256').update(batchIds.join('\n')).digest('hex').slice(0, 16)}`;
}

/** The smallest range holding every given range; the empty range when there is none. */
function spanOf(ranges: Array<IdRange | undefined>): IdRange {
  const known = ranges.filter((range): range is IdRange => range !== undefined);
  if (known.length === 0) return EMPTY_ID_RANGE;
  return known.reduce((span, range) => ({
    min: compareIds(range.min, span.min) < 0 ? range.min : span.min,
    max: compareIds(range.max, span.max) > 0 ? range.max : span.max,
  }));
}

export const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

/**
 * The chunks that one gold statement each takes, in landing order: at most MAX_BATCHES_PER_GOLD
 * batches (Athena's partition limit) and at most maxBytes landed bytes (at least one batch).
 */
export function goldChunks<T extends { info: { size: number } }>(batches: T[], maxBytes?: number): T[][] {
  const chunks: T[][] = [];
  let bytes = 0;
  for (const batch of batches) {
    const last = chunks.at(-1);
    if (last && last.length < MAX_BATCHES_PER_GOLD && (maxBytes === undefined || bytes + batch.info.size <= maxBytes)) {
      last.push(batch);
      bytes += batch.info.size;
    } else {
      chunks.push([batch]);
      bytes = batch.info.size;
    }
  }
  return chunks;
}

/** Commits prepared batches (in landing order) in gold turns; one outcome per batch, in order. */
export async function commitPrepared(batches: PreparedBatch[], ports: GoldTurnPorts): Promise<TurnOutcome[]> {
  const outcomes = new Map<PreparedBatch, TurnOutcome>();
  const chunks = goldChunks(batches, ports.maxGroupBytes);
  for (const [n, chunk] of chunks.entries()) {
    try {
      await ports.catalog.withGoldTurn(() => goldTurn(chunk, ports, outcomes));
    } catch (error) {
      // A failure of the turn itself (the lock): every batch still without an outcome fails with it.
      for (const batch of chunk) if (!outcomes.has(batch)) outcomes.set(batch, { error: asError(error) });
    }
    const chunkFailed = chunk.some((batch) => 'error' in (outcomes.get(batch) ?? { error: true }));
    if (chunkFailed && ports.afterFailure === 'stop') {
      for (const batch of chunks.slice(n + 1).flat()) outcomes.set(batch, { error: new Error(`${batch.sourceFile}: not committed: a file landed before it in the same group failed`) });
      break;
    }
  }
  return batches.map((batch) => outcomes.get(batch) ?? { error: new Error(`${batch.sourceFile}: not committed`) });
}

async function goldTurn(members: PreparedBatch[], ports: GoldTurnPorts, outcomes: Map<PreparedBatch, TurnOutcome>): Promise<void> {
  const { store, catalog, engine, sql, log } = ports;
  // The catalog's latest state: a batch committed meanwhile (by another writer) is skipped. The
  // lookups and the cleanup's drops are independent catalog calls: a bounded pool runs them, so
  // a group of 100 batches does not pay 100 round trips one after the other.
  const limit = pLimit(CATALOG_CALLS_AT_ONCE);
  const committedNow = await Promise.all(members.map((batch) => limit(() => committedResult(batch, ports))));
  const batches: PreparedBatch[] = [];
  members.forEach((batch, i) => {
    const committed = committedNow[i];
    if (committed) outcomes.set(batch, { result: committed });
    else batches.push(batch);
  });
  if (batches.length === 0) return;
  const [lead] = batches as [PreparedBatch];
  const groupId = groupIdFor(batches.map((batch) => batch.batchId));
  const lookupWork = `stage_gold_lookup_${groupId}`;
  // One gold statement per slice (one slice: the group itself, named as before), each to its own
  // location and work table; a batch's gold partition is where its slice wrote it.
  const batchSlices = goldSlices(batches, ports.goldStatements ?? 1, ports.goldSliceMinBytes ?? GOLD_SLICE_MIN_BYTES);
  const slices = batchSlices.map((members, index) => {
    const id = batchSlices.length === 1 ? groupId : groupIdFor(members.map((batch) => batch.batchId));
    return { members, index, work: `stage_gold_${id}`, location: catalog.groupLocation(id) };
  });
  const sliceOf = new Map(slices.flatMap((slice) => slice.members.map((batch) => [batch.batchId, slice] as const)));
  const goldLocation = (batchId: string) => `${sliceOf.get(batchId)?.location ?? ''}batch_id=${batchId}/`;
  const goldStages = slices.length === 1 ? identifier((slices[0] as (typeof slices)[number]).work) : unionOf(slices.map((slice) => ({ table: slice.work, columns: {} })));
  const context = (name: BatchStep) => ({ batchId: lead.batchId, step: name });
  // Only ids up to the greatest id in gold can be duplicates (Catalog.goldIdCeiling).
  const span = spanOf(batches.map((batch) => batch.idRange));
  const ceiling = await catalog.goldIdCeiling?.();
  const range = ceiling !== undefined && compareIds(ceiling, span.max) < 0 ? { min: span.min, max: ceiling } : span;
  // The dedupe horizon, when configured, bounds the gold read by transaction date (dedupe-horizon.ts).
  const horizon = horizonStart(earliestOf(batches.map((batch) => batch.earliestDate)), ports.dedupeHorizonDays);
  const silverOf = (members: PreparedBatch[]) =>
    unionOf(members.map((batch) => ({ table: batch.work.silver, columns: { batch_id: literal(batch.batchId), landing_ordinal: batches.indexOf(batch) + 1 } })));
  const silverGroup = silverOf(batches);
  // A group step fails every batch of the group, each named with the step.
  const groupStep = async <T>(name: BatchStep, run: () => Promise<T>): Promise<T> => {
    try {
      for (const batch of batches) await ports.beforeStep?.(name, batch.batchId);
      return await run();
    } catch (error) {
      throw new GroupStepError(name, error);
    }
  };
  // The group's ids in committed gold, read once into a work table (GoldTurnPorts.readGoldOnce).
  const lookupOnce = async (committedGold: string): Promise<string> => {
    const lookupLocation = catalog.groupLocation(`lookup_${groupId}`);
    const select = goldLookupQuery({ silverGroup, goldTable: committedGold, idRange: range, horizonStart: horizon });
    await materializeFresh({
      context: context('gold'),
      reset: async () => {
        await store.clearLocation(lookupLocation);
        await catalog.dropWorkTable(lookupWork);
      },
      write: (attempt) => engine.materialize(lookupWork, select, lookupLocation, attempt),
      log,
    });
    return lookupWork;
  };
  const byBatch = (rows: Record<string, unknown>[]) => new Map(rows.map((row) => [String(row.batch_id), row]));
  try {
    const { queries, duplicatesWhileGold } = await groupStep('gold', async () => {
      const committedGold = await catalog.goldTableFor(range);
      const table = ports.readGoldOnce ? await lookupOnce(committedGold) : committedGold;
      const queries = groupFigureQueries({ silverGroup, goldStage: goldStages, goldTable: table, idRange: range, horizonStart: horizon, manyBatches: batches.length > 1 });
      // The group's ids already written (committed gold, or an earlier landed file of the group)
      // need silver and committed gold, not the gold statement's output: counted while gold runs.
      const duplicatesWhileGold = engine.query(queries.duplicatesInGold, context('figures')).then(byBatch);
      duplicatesWhileGold.catch(() => undefined); // awaited by the figures step, which fails with it
      // The slices at once; each keeps out the valid ids of the slices landed before it.
      await Promise.all(
        slices.map(async (slice) => {
          const earlier = slices.slice(0, slice.index).flatMap((before) => before.members);
          const select = fillTemplate(
            sql.gold,
            {
              silver_group: silverOf(slice.members),
              gold_table: identifier(table),
              min_id: literal(range.min),
              max_id: literal(range.max),
              horizon_start: horizon,
              earlier_silver: earlier.length === 0 ? noRows(['transaction_id', 'reject_reason']) : unionOf(earlier.map((batch) => ({ table: batch.work.silver, columns: {} }))),
            },
            'gold.sql',
          );
          await materializeFresh({
            context: { ...context('gold'), ...(slices.length > 1 ? { batchId: (slice.members[0] as PreparedBatch).batchId } : {}) },
            reset: async () => {
              for (const batch of slice.members) await store.clearLocation(catalog.partitionLocation('cleaned_transactions', batch.batchId));
              await store.clearLocation(slice.location);
              await catalog.dropWorkTable(slice.work);
            },
            write: (attempt) => engine.materializePartitioned(slice.work, select, slice.location, attempt),
            log,
          });
        }),
      );
      return { queries, duplicatesWhileGold };
    });

    const figures = await groupStep('figures', async () => {
      const [loadedRows, duplicateRows, goldBytes] = await Promise.all([
        engine.query(queries.loaded, context('figures')).then(byBatch),
        duplicatesWhileGold,
        Promise.all(batches.map((batch) => store.sizeOfLocation(goldLocation(batch.batchId)))),
      ]);
      return batches.map((batch, i): BatchFigures => {
        const loadedRow = loadedRows.get(batch.batchId);
        const duplicatesInGold = Number(duplicateRows.get(batch.batchId)?.duplicates ?? 0);
        const result: BatchFigures = {
          batchId: batch.batchId,
          sourceFile: batch.sourceFile,
          lines: batch.lines,
          loaded: Number(loadedRow?.loaded ?? 0),
          duplicates: batch.duplicatesInBatch + duplicatesInGold,
          duplicatesInBatch: batch.duplicatesInBatch,
          duplicatesInGold,
          rejected: Object.values(batch.rejectsByReason).reduce((sum, n) => sum + n, 0),
          rejectsByReason: batch.rejectsByReason,
          bytesIn: batch.info.size,
          bytesOut: { silver: batch.silverBytes, gold: goldBytes[i] ?? 0, rejects: batch.rejectBytes },
          seconds: 0,
          goldIds: idRangeOf(loadedRow) ?? null,
        };
        // Each figure is counted on its own, so a wrong gold or a lost line shows here.
        if (!balanceHolds(result)) throw new Error(`the batch does not balance: ${JSON.stringify(result)}`);
        return result;
      });
    });

    // The commits, in landing order; each batch becomes visible whole (Catalog.commitBatch). A
    // catalog that registers parts ahead of the commit (Catalog.stageCommit) does it for the next
    // batch while this batch's commit runs: the commits stay one after the other.
    const stage = (batch: PreparedBatch | undefined) => {
      const stageCommit = catalog.stageCommit?.bind(catalog);
      if (!batch || !stageCommit) return undefined;
      const staged = stageCommit(batch.batchId).catch((error: unknown) => {
        throw new PipelineStepError(batch.sourceFile, batch.batchId, 'commit', error);
      });
      staged.catch(() => undefined); // awaited before the batch's own commit, which fails with it
      return staged;
    };
    let staging = stage(batches[0]);
    for (const [i, batch] of batches.entries()) {
      const own = figures[i] as BatchFigures;
      await staging;
      staging = stage(batches[i + 1]);
      own.seconds = Math.round(Date.now() - batch.startedAt) / 1000;
      await batchStep(ports, 'commit', batch, () => catalog.commitBatch(batch.batchId, figuresToParameters(own), goldLocation(batch.batchId)));
      outcomes.set(batch, { result: { status: 'committed', figures: own } });
    }
  } catch (error) {
    for (const batch of batches) {
      if (outcomes.has(batch)) continue;
      outcomes.set(batch, { error: error instanceof GroupStepError ? new PipelineStepError(batch.sourceFile, batch.batchId, error.step, error.cause) : asError(error) });
    }
    return;
  }
  // Work tables go once every batch is committed; a crash before leaves them to the rerun.
  try {
    await batchStep(ports, 'cleanup', lead, async () => {
      const tables = [...slices.map((slice) => slice.work), ...(ports.readGoldOnce ? [lookupWork] : []), ...batches.flatMap((batch) => [batch.work.rejects, batch.work.silver, batch.work.source])];
      await Promise.all(tables.map((table) => limit(() => catalog.dropWorkTable(table))));
    });
  } catch (error) {
    for (const batch of batches) outcomes.set(batch, { error: new PipelineStepError(batch.sourceFile, batch.batchId, 'cleanup', asError(error).cause ?? error) });
    return;
  }
  for (const batch of batches) {
    const outcome = outcomes.get(batch);
    if (outcome && 'result' in outcome && outcome.result.status === 'committed') log.info('batch committed', { ...outcome.result.figures, group: groupId, groupSize: batches.length });
  }
}

/** A group step's failure, before it is named per batch. */
class GroupStepError extends Error {
  constructor(
    readonly step: string,
    cause: unknown,
  ) {
    super(asError(cause).message, { cause });
  }
}
