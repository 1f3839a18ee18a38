// Landings in parallel, gold in groups (ARCHITECTURE.md, "Files in parallel, gold in turns").
//
// Phase 1, per file, for many files at once (bounded by `parallelFiles`): identity, skip a
// committed batch, register the landed file, silver, rejects, and the counts that need the file
// alone. Phase 2, as the lake's only gold writer (Catalog.withGoldTurn), for the whole group in
// landing order: ONE gold statement over the group's silver, written partitioned by batch_id;
// the counts that need gold, grouped by batch_id, each batch's balance checked; then the commits,
// one batch after the other in landing order, each making that batch's silver, rejects and gold
// visible together. First write wins keeps its meaning: an id goes to the earliest landed file
// of the group that holds it, unless committed gold holds it already.
//
// Every step may run again: outputs go to locations that are cleared first (the group's gold to a
// location named after its batches), and a batch is visible only once committed. A crash between
// two commits of a group leaves the earlier batches committed: the rerun skips them and redoes
// the rest, which gives the lake of one clean run (the earlier batches were first anyway).
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import { batchIdFor } from './batch-identity.ts';
import { type BatchFigures, balanceHolds, figureQueries, fileFiguresOf, figuresFromParameters, figuresToParameters, groupFigureQueries } from './batch-figures.ts';
import { earliestOf, horizonStart } from './dedupe-horizon.ts';
import { materializeFresh } from './fresh-output.ts';
import { compareIds, EMPTY_ID_RANGE, type IdRange, idRangeOf } from './id-range.ts';
import type { Landing } from './landing-event.ts';
import { PipelineStepError } from './pipeline-error.ts';
import type { BatchPorts, BatchResult, BatchStep } from './process-batch.ts';
import type { LakeTable, ObjectInfo } from './ports.ts';
import { fillTemplate, identifier, literal, unionOf } from './sql-template.ts';
import { HEADER_LINE } from './tables.ts';

export interface GroupPorts extends BatchPorts {
  /**
   * How many files run their per-file phase at once (default 1). Locally DuckDB already uses every
   * core for one statement; in the cloud each file keeps one query in flight, so the cleaner
   * sizes this to stay under Athena's DML quota (handlers/aws/cleaner-environment.ts CLEANER_DEFAULTS).
   */
  parallelFiles?: number;
  /**
   * What a failed file does to the files landed after it in the group: `skip` (local runs: they
   * still commit, as separate ingests would) or `stop` (a FIFO message group: they are not
   * committed and are reported, so that nothing commits ahead of the failed file).
   */
  afterFailure?: 'skip' | 'stop';
  /**
   * The most landed bytes one gold statement takes (at least one file): a larger group commits
   * in chunks, each its own gold turn. Locally it bounds DuckDB's gold statement (memory, spill);
   * in the cloud it would bound a gold statement's time. None = no bound.
   */
  maxGroupBytes?: number;
  /**
   * The dedupe horizon in days (dedupe-horizon.ts): first write wins reads only gold dated from the
   * group's earliest valid transaction date minus this many days. None or 0 = the whole gold.
   */
  dedupeHorizonDays?: number;
}

/** One landing's outcome: a batch result, or the error that stopped it. */
export type GroupOutcome = { landing: Landing; sourceFile: string } & (
  | { result: BatchResult }
  | { error: Error }
);

interface Identified {
  landing: Landing;
  sourceFile: string;
  info: ObjectInfo;
  batchId: string;
  started: number;
}

interface Prepared extends Identified {
  work: { source: string; silver: string; rejects: string };
  idRange: IdRange | undefined;
  /** The earliest valid transaction date (YYYY-MM-DD), undefined when no line is valid. */
  earliestDate: string | undefined;
  lines: number;
  duplicatesInBatch: number;
  rejectsByReason: Record<string, number>;
  silverBytes: number;
  rejectBytes: number;
}

/**
 * Batches per gold statement: Athena writes at most 100 partitions per CTAS
 * (HIVE_TOO_MANY_OPEN_PARTITIONS, other-notable-limitations.html); the same bound locally.
 */
export const MAX_BATCHES_PER_GOLD = 100;

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

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

/** Runs a group of landings (in landing order) to one gold turn; one outcome per landing, in order. */
export async function processGroup(landings: Landing[], ports: GroupPorts): Promise<GroupOutcome[]> {
  const { store, catalog, engine, sql, log } = ports;
  const outcomes: Array<GroupOutcome | undefined> = landings.map(() => undefined);
  const sourceFileOf = (landing: Landing) => `${landing.ref.bucket}/${landing.ref.key}`;
  const fail = (index: number, error: unknown) => {
    const landing = landings[index] as Landing;
    outcomes[index] = { landing, sourceFile: sourceFileOf(landing), error: asError(error) };
  };
  const done = (index: number, result: BatchResult) => {
    const landing = landings[index] as Landing;
    outcomes[index] = { landing, sourceFile: sourceFileOf(landing), result };
  };
  const alreadyCommitted = async (batchId: string, sourceFile: string): Promise<BatchResult | undefined> => {
    const committed = await catalog.committedBatch(batchId);
    if (!committed) return undefined;
    log.info('batch already committed, skipped', { batchId, sourceFile });
    return { status: 'already_committed', figures: figuresFromParameters(committed), batchId, sourceFile };
  };
  const step = async <T>(name: BatchStep, batch: Identified, run: () => Promise<T>): Promise<T> => {
    try {
      await ports.beforeStep?.(name, batch.batchId);
      return await run();
    } catch (error) {
      throw new PipelineStepError(batch.sourceFile, batch.batchId, name, error);
    }
  };
  const context = (batchId: string, name: BatchStep) => ({ batchId, step: name });
  const limit = pLimit(Math.max(1, ports.parallelFiles ?? 1));

  // Identity first, for all: the same batch twice in a group runs once (the first in landing order).
  const firstIndexOf = new Map<string, number>();
  const repeats = new Map<number, number>();
  const identified: Array<Identified | undefined> = await Promise.all(
    landings.map((landing, index) =>
      limit(async (): Promise<Identified | undefined> => {
        const sourceFile = sourceFileOf(landing);
        try {
          const info = landing.etag && landing.size !== undefined ? { etag: landing.etag, size: landing.size } : await store.head(landing.ref);
          if (!info) throw new Error(`${sourceFile}: the landed object does not exist`);
          return { landing, sourceFile, info, batchId: batchIdFor(landing.ref, info.etag), started: performance.now() };
        } catch (error) {
          fail(index, error);
          return undefined;
        }
      }),
    ),
  );
  identified.forEach((batch, index) => {
    if (!batch) return;
    const first = firstIndexOf.get(batch.batchId);
    if (first === undefined) firstIndexOf.set(batch.batchId, index);
    else repeats.set(index, first);
  });

  // Phase 1: every file on its own, in parallel.
  const prepared: Array<Prepared | undefined> = await Promise.all(
    identified.map((batch, index) =>
      limit(async (): Promise<Prepared | undefined> => {
        if (!batch || repeats.has(index)) return undefined;
        try {
          const earlier = await alreadyCommitted(batch.batchId, batch.sourceFile);
          if (earlier) {
            done(index, earlier);
            return undefined;
          }
          return await prepareFile(batch);
        } catch (error) {
          fail(index, error);
          return undefined;
        }
      }),
    ),
  );

  async function prepareFile(batch: Identified): Promise<Prepared> {
    const { batchId, sourceFile } = batch;
    const work = { source: `bronze_${batchId}`, silver: `stage_silver_${batchId}`, rejects: `stage_rejects_${batchId}` };
    const location = (table: LakeTable) => catalog.partitionLocation(table, batchId);
    const materialize = (name: BatchStep, table: LakeTable, workTable: string, template: string, values: Parameters<typeof fillTemplate>[1]) =>
      step(name, batch, async () => {
        const select = fillTemplate(template, values, `${name}.sql`);
        await materializeFresh({
          context: context(batchId, name),
          reset: async () => {
            await store.clearLocation(location(table));
            await catalog.dropWorkTable(workTable);
          },
          write: (attempt) => engine.materialize(workTable, select, location(table), attempt),
          log,
        });
      });
    log.info('batch started', { batchId, sourceFile, bytesIn: batch.info.size });
    await step('register_landed_file', batch, () => catalog.registerLandedFile(work.source, batch.landing.ref));
    await materialize('silver', 'raw_transactions', work.silver, sql.silver, {
      source_table: identifier(work.source),
      source_file: literal(sourceFile),
      header: literal(HEADER_LINE),
    });
    await materialize('rejects', 'rejected_transactions', work.rejects, sql.rejects, { silver_batch: identifier(work.silver) });
    // The counts that need this file alone, each from its own source (batch-figures.ts), and the
    // range of its valid ids, which bounds the gold that first write wins reads (id-range.ts).
    return step('file_figures', batch, async () => {
      const [counts, silverBytes, rejectBytes] = await Promise.all([
        engine.query(figureQueries({ silverStage: work.silver, rejectsStage: work.rejects }).file, context(batchId, 'file_figures')).then(fileFiguresOf),
        store.sizeOfLocation(location('raw_transactions')),
        store.sizeOfLocation(location('rejected_transactions')),
      ]);
      const { lines, duplicatesInBatch, idRange, earliestDate, rejectsByReason } = counts;
      return { ...batch, work, idRange, earliestDate, lines, duplicatesInBatch, rejectsByReason, silverBytes, rejectBytes };
    });
  }

  // Which prepared files the gold turn takes: all of them, or (FIFO) those before the first failure.
  const firstFailure = outcomes.findIndex((outcome) => outcome !== undefined && 'error' in outcome);
  const stopAt = ports.afterFailure === 'stop' && firstFailure >= 0 ? firstFailure : landings.length;
  const group: Array<{ index: number; batch: Prepared }> = [];
  prepared.forEach((batch, index) => {
    if (!batch) return;
    if (index < stopAt) group.push({ index, batch });
    else fail(index, new Error(`${batch.sourceFile}: not committed: ${sourceFileOf(landings[stopAt] as Landing)}, landed before it in the same group, failed`));
  });

  // One gold statement writes at most MAX_BATCHES_PER_GOLD partitions (Athena's limit) and takes
  // at most maxGroupBytes: a larger group commits in chunks, one gold turn each, in landing order.
  const chunks: Array<typeof group> = [];
  for (const member of group) {
    const last = chunks.at(-1);
    const bytes = (last ?? []).reduce((sum, { batch }) => sum + batch.info.size, 0);
    const fits = last && last.length < MAX_BATCHES_PER_GOLD && (ports.maxGroupBytes === undefined || bytes + member.batch.info.size <= ports.maxGroupBytes);
    if (fits) last.push(member);
    else chunks.push([member]);
  }
  for (const [n, chunk] of chunks.entries()) {
    try {
      await catalog.withGoldTurn(() => goldTurn(chunk));
    } catch (error) {
      // A failure of the turn itself (the lock): every file still without an outcome fails with it.
      for (const { index } of chunk) if (!outcomes[index]) fail(index, error);
    }
    const chunkFailed = chunk.some(({ index }) => outcomes[index] && 'error' in (outcomes[index] as GroupOutcome));
    if (chunkFailed && ports.afterFailure === 'stop') {
      for (const { index, batch } of chunks.slice(n + 1).flat()) fail(index, new Error(`${batch.sourceFile}: not committed: a file landed before it in the same group failed`));
      break;
    }
  }

  async function goldTurn(members: Array<{ index: number; batch: Prepared }>): Promise<void> {
    // The catalog's latest state: a batch committed meanwhile (by another writer) is skipped.
    const pending: Array<{ index: number; batch: Prepared }> = [];
    for (const member of members) {
      const committed = await alreadyCommitted(member.batch.batchId, member.batch.sourceFile);
      if (committed) done(member.index, committed);
      else pending.push(member);
    }
    if (pending.length === 0) return;
    const batches = pending.map(({ batch }) => batch);
    const [lead] = batches as [Prepared];
    const groupId = groupIdFor(batches.map((batch) => batch.batchId));
    const goldWork = `stage_gold_${groupId}`;
    const location = catalog.groupLocation(groupId);
    const goldLocation = (batchId: string) => `${location}batch_id=${batchId}/`;
    // Only ids up to the greatest id in gold can be duplicates (Catalog.goldIdCeiling).
    const span = spanOf(batches.map((batch) => batch.idRange));
    const ceiling = await catalog.goldIdCeiling?.();
    const range = ceiling !== undefined && compareIds(ceiling, span.max) < 0 ? { min: span.min, max: ceiling } : span;
    // The dedupe horizon, when configured, bounds the gold read by transaction date (dedupe-horizon.ts).
    const horizon = horizonStart(earliestOf(batches.map((batch) => batch.earliestDate)), ports.dedupeHorizonDays);
    const silverGroup = unionOf(batches.map((batch, i) => ({ table: batch.work.silver, columns: { batch_id: literal(batch.batchId), landing_ordinal: i + 1 } })));
    // A group step fails every batch of the group, each named with the step.
    const groupStep = async <T>(name: BatchStep, run: () => Promise<T>): Promise<T> => {
      try {
        for (const batch of batches) await ports.beforeStep?.(name, batch.batchId);
        return await run();
      } catch (error) {
        throw new GroupStepError(name, error);
      }
    };
    try {
      const goldTable = await groupStep('gold', async () => {
        const table = await catalog.goldTableFor(range);
        const select = fillTemplate(
          sql.gold,
          { silver_group: silverGroup, gold_table: identifier(table), min_id: literal(range.min), max_id: literal(range.max), horizon_start: horizon },
          'gold.sql',
        );
        await materializeFresh({
          context: context(lead.batchId, 'gold'),
          reset: async () => {
            for (const batch of batches) await store.clearLocation(catalog.partitionLocation('cleaned_transactions', batch.batchId));
            await store.clearLocation(location);
            await catalog.dropWorkTable(goldWork);
          },
          write: (attempt) => engine.materializePartitioned(goldWork, select, location, attempt),
          log,
        });
        return table;
      });

      const figures = await groupStep('figures', async () => {
        const queries = groupFigureQueries({ silverGroup, goldStage: goldWork, goldTable, idRange: range, horizonStart: horizon, manyBatches: batches.length > 1 });
        const byBatch = (rows: Record<string, unknown>[]) => new Map(rows.map((row) => [String(row.batch_id), row]));
        const [loadedRows, duplicateRows, goldBytes] = await Promise.all([
          engine.query(queries.loaded, context(lead.batchId, 'figures')).then(byBatch),
          engine.query(queries.duplicatesInGold, context(lead.batchId, 'figures')).then(byBatch),
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

      // The commits, in landing order; each batch becomes visible whole (Catalog.commitBatch).
      for (const [i, { index, batch }] of pending.entries()) {
        const own = figures[i] as BatchFigures;
        own.seconds = Math.round(performance.now() - batch.started) / 1000;
        await step('commit', batch, () => catalog.commitBatch(batch.batchId, figuresToParameters(own), goldLocation(batch.batchId)));
        done(index, { status: 'committed', figures: own });
      }
    } catch (error) {
      for (const { index, batch } of pending) {
        if (outcomes[index]) continue;
        fail(index, error instanceof GroupStepError ? new PipelineStepError(batch.sourceFile, batch.batchId, error.step, error.cause) : error);
      }
      return;
    }
    // Work tables go once every batch is committed; a crash before leaves them to the rerun.
    try {
      await step('cleanup', lead, async () => {
        await catalog.dropWorkTable(goldWork);
        for (const batch of batches) for (const table of [batch.work.rejects, batch.work.silver, batch.work.source]) await catalog.dropWorkTable(table);
      });
    } catch (error) {
      for (const { index, batch } of pending) fail(index, new PipelineStepError(batch.sourceFile, batch.batchId, 'cleanup', asError(error).cause ?? error));
      return;
    }
    for (const { index } of pending) {
      const outcome = outcomes[index];
      if (outcome && 'result' in outcome && outcome.result.status === 'committed') log.info('batch committed', { ...outcome.result.figures, group: groupId, groupSize: batches.length });
    }
  }

  // A repeat of a batch in the same group: recognised once the first is through.
  for (const [index, first] of repeats) {
    const outcome = outcomes[first];
    const batch = identified[index] as Identified;
    if (outcome && 'result' in outcome) {
      done(index, { status: 'already_committed', figures: outcome.result.figures, batchId: batch.batchId, sourceFile: batch.sourceFile });
    } else fail(index, outcome && 'error' in outcome ? outcome.error : new Error(`${batch.sourceFile}: not processed`));
  }
  return outcomes.map((outcome, index) => outcome ?? { landing: landings[index] as Landing, sourceFile: sourceFileOf(landings[index] as Landing), error: new Error('not processed') });
}

/** A group step's failure, before it is named per file. */
class GroupStepError extends Error {
  constructor(
    readonly step: string,
    cause: unknown,
  ) {
    super(asError(cause).message, { cause });
  }
}
