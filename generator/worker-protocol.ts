import type { GeneratorConfig } from './file-generator.ts';
import type { FilePlan } from './file-plan.ts';
import type { WrittenFile } from './write-file.ts';

/** Messages between the pool (main thread) and a generator worker. */
export type ToWorker = { type: 'file'; plan: FilePlan } | { type: 'stop' };

export type FromWorker =
  | { type: 'progress'; bytes: number }
  | { type: 'done'; file: WrittenFile; index: number }
  | { type: 'failed'; message: string; stack?: string };

export type WorkerInit = GeneratorConfig;
