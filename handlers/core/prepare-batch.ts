// Phase 1 of a batch: everything that depends on its file alone (ARCHITECTURE.md, "Files in
// parallel, gold in turns"): identity, register the landed file, silver, rejects, and the counts
// that need the file alone. Many files run it at once: locally inside one process
// (process-group.ts), in the cloud one silver worker per file (handlers/silver-worker.ts).
//
// Its result, a PreparedBatch, is plain data (JSON round-trips it), so the gold turn may run in
// another process than the one that prepared the batch (the cloud keeps it as a turn record,
// handlers/aws/turn-records.ts). Nothing here is visible to readers: a batch is visible only once
// the gold turn commits it, and every step may run again (its output is reset first).
import { batchIdFor } from './batch-identity.ts';
import { type BatchFigures, figureQueries, fileFiguresOf, figuresFromParameters } from './batch-figures.ts';
import { materializeFresh } from './fresh-output.ts';
import type { IdRange } from './id-range.ts';
import type { Landing } from './landing-event.ts';
import { PipelineStepError } from './pipeline-error.ts';
import type { BatchPorts, BatchResult, BatchStep } from './process-batch.ts';
import type { LakeTable, ObjectInfo, ObjectStore } from './ports.ts';
import { fillTemplate, identifier, literal } from './sql-template.ts';
import { HEADER_LINE } from './tables.ts';

/** A landing with its identity: the batch id comes from its key and ETag (batch-identity.ts). */
export interface IdentifiedBatch {
  landing: Landing;
  sourceFile: string;
  info: ObjectInfo;
  batchId: string;
  /** When its processing started (epoch ms): the committed figures report the seconds since. */
  startedAt: number;
}

/** A batch whose own steps are done: what its gold turn needs, as plain data. */
export interface PreparedBatch extends IdentifiedBatch {
  /** Its work tables: the landed text, silver and rejects before the commit makes them visible. */
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

export const sourceFileOf = (landing: Landing): string => `${landing.ref.bucket}/${landing.ref.key}`;

/** The batch of a landing: its size and ETag from the event when it has them, else from the store. */
export async function identifyLanding(landing: Landing, store: ObjectStore, now: () => number = Date.now): Promise<IdentifiedBatch> {
  const sourceFile = sourceFileOf(landing);
  const info = landing.etag && landing.size !== undefined ? { etag: landing.etag, size: landing.size } : await store.head(landing.ref);
  if (!info) throw new Error(`${sourceFile}: the landed object does not exist`);
  return { landing, sourceFile, info, batchId: batchIdFor(landing.ref, info.etag), startedAt: now() };
}

/** The result of a batch the catalog has committed already, or undefined. */
export async function committedResult(batch: { batchId: string; sourceFile: string }, ports: BatchPorts): Promise<BatchResult | undefined> {
  const committed = await ports.catalog.committedBatch(batch.batchId);
  if (!committed) return undefined;
  ports.log.info('batch already committed, skipped', { batchId: batch.batchId, sourceFile: batch.sourceFile });
  const figures: BatchFigures | undefined = figuresFromParameters(committed);
  return { status: 'already_committed', figures, batchId: batch.batchId, sourceFile: batch.sourceFile };
}

/** Runs one step of one batch: the beforeStep hook first; a failure names the file, batch and step. */
export async function batchStep<T>(ports: BatchPorts, name: BatchStep, batch: { batchId: string; sourceFile: string }, run: () => Promise<T>): Promise<T> {
  try {
    await ports.beforeStep?.(name, batch.batchId);
    return await run();
  } catch (error) {
    throw new PipelineStepError(batch.sourceFile, batch.batchId, name, error);
  }
}

/** The work tables of a batch (dropped by the gold turn's cleanup once it is committed). */
export function workTablesOf(batchId: string): PreparedBatch['work'] {
  return { source: `bronze_${batchId}`, silver: `stage_silver_${batchId}`, rejects: `stage_rejects_${batchId}` };
}

/** Phase 1 of one batch: register the landed file, silver, rejects and the file's own figures. */
export async function prepareBatch(batch: IdentifiedBatch, ports: BatchPorts): Promise<PreparedBatch> {
  const { store, catalog, engine, sql, log } = ports;
  const { batchId, sourceFile } = batch;
  const work = workTablesOf(batchId);
  const context = (name: BatchStep) => ({ batchId, step: name });
  const location = (table: LakeTable) => catalog.partitionLocation(table, batchId);
  const materialize = (name: BatchStep, table: LakeTable, workTable: string, template: string, values: Parameters<typeof fillTemplate>[1]) =>
    batchStep(ports, name, batch, async () => {
      const select = fillTemplate(template, values, `${name}.sql`);
      await materializeFresh({
        context: context(name),
        reset: async () => {
          await store.clearLocation(location(table));
          await catalog.dropWorkTable(workTable);
        },
        write: (attempt) => engine.materialize(workTable, select, location(table), attempt),
        log,
      });
    });
  log.info('batch started', { batchId, sourceFile, bytesIn: batch.info.size });
  await batchStep(ports, 'register_landed_file', batch, () => catalog.registerLandedFile(work.source, batch.landing.ref));
  await materialize('silver', 'raw_transactions', work.silver, sql.silver, {
    source_table: identifier(work.source),
    source_file: literal(sourceFile),
    header: literal(HEADER_LINE),
  });
  await materialize('rejects', 'rejected_transactions', work.rejects, sql.rejects, { silver_batch: identifier(work.silver) });
  // The counts that need this file alone, each from its own source (batch-figures.ts), and the
  // range of its valid ids, which bounds the gold that first write wins reads (id-range.ts).
  return batchStep(ports, 'file_figures', batch, async () => {
    const [counts, silverBytes, rejectBytes] = await Promise.all([
      engine.query(figureQueries({ silverStage: work.silver, rejectsStage: work.rejects }).file, context('file_figures')).then(fileFiguresOf),
      store.sizeOfLocation(location('raw_transactions')),
      store.sizeOfLocation(location('rejected_transactions')),
    ]);
    const { lines, duplicatesInBatch, idRange, earliestDate, rejectsByReason } = counts;
    return { ...batch, work, idRange, earliestDate, lines, duplicatesInBatch, rejectsByReason, silverBytes, rejectBytes };
  });
}
