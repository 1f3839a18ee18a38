// One landed .dat file → silver, gold and rejects, made visible by the catalog's commitBatch: a
// group of one (process-group.ts, which runs many files with one gold statement). Every step may run
// again: outputs go to locations that are cleared first, and a batch is visible to readers only
// once committed.
import type { BatchFigures } from './batch-figures.ts';
import type { Landing } from './landing-event.ts';
import type { PipelineLog } from './pipeline-log.ts';
import type { PipelineSql } from './pipeline-sql.ts';
import type { Catalog, ObjectStore, QueryEngine } from './ports.ts';
import { processGroup } from './process-group.ts';

export interface BatchPorts {
  store: ObjectStore;
  catalog: Catalog;
  engine: QueryEngine;
  sql: PipelineSql;
  log: PipelineLog;
  /**
   * Called before each step; tests use it to inject a crash between any two steps. The group
   * steps (gold, figures) call it once for each batch of the group, in landing order.
   */
  beforeStep?: (step: BatchStep, batchId: string) => void | Promise<void>;
}

/** Per file: register_landed_file … file_figures; per group: gold, figures; per batch: commit; per group: cleanup. */
export const BATCH_STEPS = [
  'register_landed_file',
  'silver',
  'rejects',
  'file_figures',
  'gold',
  'figures',
  'commit',
  'cleanup',
] as const;
export type BatchStep = (typeof BATCH_STEPS)[number];

export type BatchResult =
  | { status: 'committed'; figures: BatchFigures }
  | { status: 'already_committed'; figures: BatchFigures | undefined; batchId: string; sourceFile: string };

/** Runs one batch through every step, or recognises it as already committed; throws on failure. */
export async function processBatch(landing: Landing, ports: BatchPorts): Promise<BatchResult> {
  const [outcome] = await processGroup([landing], ports);
  if (!outcome) throw new Error('no outcome');
  if ('error' in outcome) throw outcome.error;
  return outcome.result;
}
