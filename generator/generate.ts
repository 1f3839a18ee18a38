/**
 * Public API of the dataset generator: deterministic, contract-conforming retail `.dat` files
 * with a known amount of dirt, for tests, benchmarks and demos (`procureflow generate`).
 */
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolveDirt, type DirtOverrides } from './dirt-rates.ts';
import { planDataset } from './plan-dataset.ts';
import type { RejectCounts } from './reject-reasons.ts';
import { runPlans } from './worker-pool.ts';

export type { DirtOverrides, DirtRates } from './dirt-rates.ts';
export { DEFAULT_DIRT, NO_DIRT } from './dirt-rates.ts';
export { REJECT_REASONS, type RejectReason } from './reject-reasons.ts';
export { HEADER } from './columns.ts';
export { parseSize } from './size.ts';

export interface GenerateOptions {
  /** Total bytes across files (the result is within about 1%). */
  sizeBytes: number;
  files: number;
  /** Same seed and options ⇒ byte-identical files. */
  seed: number;
  outDir: string;
  /** File names are `${prefix}-0001.dat`...; default 'transactions'. */
  prefix?: string;
  dirt?: DirtOverrides;
  onProgress?: (bytesWritten: number, totalBytes: number) => void;
  /** Worker threads; default min(2, files, CPUs). 1 generates in the calling thread. Never changes the bytes. */
  concurrency?: number;
}

export interface GeneratedFile {
  path: string;
  bytes: number;
  /** Data lines: header and blank lines excluded. */
  lines: number;
  injected: {
    exactDuplicates: number;
    resentIds: number;
    rejects: RejectCounts;
    blankLines: number;
  };
}

export async function generateDataset(opts: GenerateOptions): Promise<GeneratedFile[]> {
  const { sizeBytes, files, seed, outDir, prefix = 'transactions' } = opts;
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) throw new Error(`sizeBytes must be a positive integer, got ${sizeBytes}`);
  if (!Number.isSafeInteger(files) || files < 1 || files > 9999) throw new Error(`files must be an integer in 1..9999, got ${files}`);
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  if (!/^[\w.-]+$/.test(prefix)) throw new Error(`prefix must be a plain file-name prefix, got "${prefix}"`);
  const config = { seed, dirt: resolveDirt(opts.dirt) };
  const plans = planDataset(config, { sizeBytes, files, outDir, prefix });
  await mkdir(outDir, { recursive: true });
  let written = 0;
  const onChunk = (bytes: number): void => {
    written += bytes;
    opts.onProgress?.(written, sizeBytes);
  };
  const concurrency = opts.concurrency ?? Math.min(2, files, availableParallelism());
  const results = await runPlans(config, plans, concurrency, onChunk);
  return results.map(({ path, bytes, lines, exactDuplicates, resentIds, rejects, blankLines }) => ({
    path,
    bytes,
    lines,
    injected: { exactDuplicates, resentIds, rejects, blankLines },
  }));
}
