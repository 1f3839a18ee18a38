// Micro-batches of the generator for seeding: batch k is file k of a planned dataset, produced
// as a stream (no temp file), so its bytes depend only on (seed, dirt, size, files, k): a resumed
// or retried run regenerates exactly the same bytes, and so does `generate` with the same numbers.
import { Readable } from 'node:stream';
import { resolveDirt, type DirtOverrides } from './dirt-rates.ts';
import { FileGenerator, type GeneratorConfig } from './file-generator.ts';
import type { FilePlan } from './file-plan.ts';
import { planDataset } from './plan-dataset.ts';
import { CHUNK_BYTES } from './write-file.ts';

export interface BatchPlan {
  config: GeneratorConfig;
  plans: FilePlan[];
}

/** The dataset split into `files` micro-batches of about sizeBytes/files each. */
export function planBatches(seed: number, sizeBytes: number, files: number, dirt?: DirtOverrides): BatchPlan {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) throw new Error(`sizeBytes must be a positive integer, got ${sizeBytes}`);
  if (!Number.isSafeInteger(files) || files < 1) throw new Error(`files must be a positive integer, got ${files}`);
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const config: GeneratorConfig = { seed, dirt: resolveDirt(dirt) };
  return { config, plans: planDataset(config, { sizeBytes, files, outDir: '', prefix: 'batch' }) };
}

/**
 * One planned file as a byte stream. Each chunk is a fresh buffer (consumers such as a
 * multipart upload keep references to chunks until their part is sent), and the generator
 * fills the next one only when the consumer asks: memory stays at a chunk or two.
 */
export function batchStream(config: GeneratorConfig, plan: FilePlan): Readable {
  const generator = new FileGenerator(config, plan);
  return new Readable({
    highWaterMark: CHUNK_BYTES,
    read() {
      try {
        for (;;) {
          const buf = Buffer.allocUnsafe(CHUNK_BYTES);
          const length = generator.fill(buf);
          if (length === 0) {
            this.push(null);
            return;
          }
          if (!this.push(buf.subarray(0, length))) return;
        }
      } catch (error) {
        this.destroy(error instanceof Error ? error : new Error(String(error)));
      }
    },
  });
}
