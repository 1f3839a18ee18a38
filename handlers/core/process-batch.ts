// One landed .dat file → silver, gold and rejects, committed by partition registration.
// Every step may run again: outputs go to per-batch locations that are cleared first, and a
// batch is visible to readers only once its gold partition is registered.
import { performance } from 'node:perf_hooks';
import { batchIdFor } from './batch-identity.ts';
import { type BatchFigures, balanceHolds, figureQueries, figuresFromParameters, figuresToParameters } from './batch-figures.ts';
import { EMPTY_ID_RANGE, type IdRange, idRangeOf } from './id-range.ts';
import type { Landing } from './landing-event.ts';
import { PipelineStepError } from './pipeline-error.ts';
import type { PipelineLog } from './pipeline-log.ts';
import type { PipelineSql } from './pipeline-sql.ts';
import type { Catalog, LakeTable, ObjectStore, QueryEngine } from './ports.ts';
import { fillTemplate, identifier, literal } from './sql-template.ts';
import { HEADER_LINE } from './tables.ts';

export interface BatchPorts {
  store: ObjectStore;
  catalog: Catalog;
  engine: QueryEngine;
  sql: PipelineSql;
  log: PipelineLog;
  /** Called before each step; tests use it to inject a crash between any two steps. */
  beforeStep?: (step: BatchStep, batchId: string) => void | Promise<void>;
}

export const BATCH_STEPS = [
  'register_landed_file',
  'silver',
  'id_range',
  'rejects',
  'gold',
  'figures',
  'commit',
  'cleanup',
] as const;
export type BatchStep = (typeof BATCH_STEPS)[number];

export type BatchResult =
  | { status: 'committed'; figures: BatchFigures }
  | { status: 'already_committed'; figures: BatchFigures | undefined; batchId: string; sourceFile: string };

/** Runs one batch through every step, or recognises it as already committed. */
export async function processBatch(landing: Landing, ports: BatchPorts): Promise<BatchResult> {
  const { store, catalog, engine, sql, log } = ports;
  const started = performance.now();
  const sourceFile = `${landing.ref.bucket}/${landing.ref.key}`;
  const info = landing.etag && landing.size !== undefined ? { etag: landing.etag, size: landing.size } : await store.head(landing.ref);
  if (!info) throw new Error(`${sourceFile}: the landed object does not exist`);
  const batchId = batchIdFor(landing.ref, info.etag);

  const alreadyCommitted = async (): Promise<BatchResult | undefined> => {
    const committed = await catalog.committedBatch(batchId);
    if (!committed) return undefined;
    log.info('batch already committed, skipped', { batchId, sourceFile });
    return { status: 'already_committed', figures: figuresFromParameters(committed), batchId, sourceFile };
  };
  const earlier = await alreadyCommitted();
  if (earlier) return earlier;

  const step = async <T>(name: BatchStep, run: () => Promise<T>): Promise<T> => {
    try {
      await ports.beforeStep?.(name, batchId);
      return await run();
    } catch (error) {
      throw new PipelineStepError(sourceFile, batchId, name, error);
    }
  };
  const context = (name: BatchStep) => ({ batchId, step: name });
  const work = {
    source: `bronze_${batchId}`,
    silver: `stage_silver_${batchId}`,
    gold: `stage_gold_${batchId}`,
    rejects: `stage_rejects_${batchId}`,
  };
  const location = (table: LakeTable) => catalog.partitionLocation(table, batchId);
  const materialize = (name: BatchStep, table: LakeTable, workTable: string, template: string, values: Parameters<typeof fillTemplate>[1]) =>
    step(name, async () => {
      await store.clearLocation(location(table));
      await catalog.dropWorkTable(workTable);
      await engine.materialize(workTable, fillTemplate(template, values, `${name}.sql`), location(table), context(name));
    });

  log.info('batch started', { batchId, sourceFile, bytesIn: info.size });
  await step('register_landed_file', () => catalog.registerLandedFile(work.source, landing.ref));
  await materialize('silver', 'raw_transactions', work.silver, sql.silver, {
    source_table: identifier(work.source),
    source_file: literal(sourceFile),
    header: literal(HEADER_LINE),
  });
  // The batch's valid ids bound the gold that first write wins must read (id-range.ts).
  const idRange: IdRange = await step('id_range', async () =>
    idRangeOf(
      (await engine.query(`SELECT min(transaction_id) AS min_id, max(transaction_id) AS max_id FROM ${work.silver} WHERE reject_reason IS NULL`, context('id_range')))[0],
    ) ?? EMPTY_ID_RANGE,
  );
  await materialize('rejects', 'rejected_transactions', work.rejects, sql.rejects, {
    silver_batch: identifier(work.silver),
  });

  // Gold reads every earlier gold id (first write wins), so gold, its figures and the commit run
  // as the lake's only gold writer, on the catalog's latest state.
  const outcome = await catalog.withGoldTurn(async (): Promise<BatchResult> => {
    const committedMeanwhile = await alreadyCommitted();
    if (committedMeanwhile) return committedMeanwhile;
    const goldTable = await step('gold', () => catalog.goldTableFor(idRange));
    await materialize('gold', 'cleaned_transactions', work.gold, sql.gold, {
      silver_batch: identifier(work.silver),
      gold_table: identifier(goldTable),
      batch_id: literal(batchId),
      min_id: literal(idRange.min),
      max_id: literal(idRange.max),
    });

    const figures = await step('figures', async () => {
      const queries = figureQueries({
        silverStage: work.silver,
        goldStage: work.gold,
        rejectsStage: work.rejects,
        goldTable,
        batchId,
        idRange,
      });
      const count = async (sql: string, column: string) =>
        Number((await engine.query(sql, context('figures')))[0]?.[column] ?? Number.NaN);
      const [lines, loadedRow, duplicatesInBatch, duplicatesInGold, reasons, silverBytes, goldBytes, rejectBytes] = await Promise.all([
        count(queries.lines, 'lines'),
        engine.query(queries.loaded, context('figures')).then((rows) => rows[0]),
        count(queries.duplicatesInBatch, 'duplicates'),
        count(queries.duplicatesInGold, 'duplicates'),
        engine.query(queries.rejectsByReason, context('figures')),
        store.sizeOfLocation(location('raw_transactions')),
        store.sizeOfLocation(location('cleaned_transactions')),
        store.sizeOfLocation(location('rejected_transactions')),
      ]);
      const rejectsByReason = Object.fromEntries(reasons.map((row) => [String(row.reason), Number(row.n)]));
      const result: BatchFigures = {
        batchId,
        sourceFile,
        lines,
        loaded: Number(loadedRow?.loaded ?? Number.NaN),
        duplicates: duplicatesInBatch + duplicatesInGold,
        duplicatesInBatch,
        duplicatesInGold,
        rejected: Object.values(rejectsByReason).reduce((sum, n) => sum + n, 0),
        rejectsByReason,
        bytesIn: info.size,
        bytesOut: { silver: silverBytes, gold: goldBytes, rejects: rejectBytes },
        seconds: 0,
        goldIds: idRangeOf(loadedRow) ?? null,
      };
      // Each figure is counted on its own, so a wrong gold or a lost line shows here.
      if (!balanceHolds(result)) throw new Error(`the batch does not balance: ${JSON.stringify(result)}`);
      return result;
    });
    figures.seconds = Math.round(performance.now() - started) / 1000;
    // One commit makes silver, rejects and gold visible together (see Catalog.commitBatch).
    await step('commit', () => catalog.commitBatch(batchId, figuresToParameters(figures)));
    return { status: 'committed', figures };
  });
  if (outcome.status !== 'committed') return outcome;
  const { figures } = outcome;
  await step('cleanup', async () => {
    for (const table of [work.rejects, work.gold, work.silver, work.source]) await catalog.dropWorkTable(table);
  });
  log.info('batch committed', { ...figures });
  return { status: 'committed', figures };
}
