import { join } from 'node:path';
import { HEADER } from './columns.ts';
import { FileGenerator, type GeneratorConfig } from './file-generator.ts';
import type { FilePlan } from './file-plan.ts';
import { epochSeconds, SECONDS_PER_DAY } from './timestamp.ts';
import { CHUNK_BYTES } from './write-file.ts';

/** The first file is the extract of this day; each next file is the next day. */
const FIRST_DAY = epochSeconds(2026, 3, 1);
const DATASET_FIRST_ID = 1;
const CALIBRATION_LINES = 20_000;

export interface DatasetShape {
  sizeBytes: number;
  files: number;
  outDir: string;
  prefix: string;
}

/**
 * Split the dataset into files that can be generated independently: each gets the same number
 * of fresh lines (sized so the file is sizeBytes/files), its own id range (contiguous across
 * files) and its own day. The bytes per line are measured on a calibration sample generated with
 * the same seed and dirt, since dirt and the seed's catalog move the average line length.
 */
export function planDataset(config: GeneratorConfig, shape: DatasetShape): FilePlan[] {
  const headerBytes = HEADER.length + (config.dirt.crlf ? 2 : 1);
  const perFile = shape.sizeBytes / shape.files;
  const freshLines = Math.max(1, Math.round((perFile - headerBytes) / bytesPerFreshLine(config)));
  return Array.from({ length: shape.files }, (_, index) => ({
    index,
    path: join(shape.outDir, `${shape.prefix}-${String(index + 1).padStart(4, '0')}.dat`),
    firstId: DATASET_FIRST_ID + index * freshLines,
    freshLines,
    datasetFirstId: DATASET_FIRST_ID,
    startSeconds: FIRST_DAY + index * SECONDS_PER_DAY,
    spanSeconds: SECONDS_PER_DAY,
  }));
}

/** Average bytes per fresh line, duplicates, resent ids, missing-id rejects and blank lines included. */
function bytesPerFreshLine(config: GeneratorConfig): number {
  // A file in the middle of a dataset (index 1, earlier ids exist), generated in memory.
  const generator = new FileGenerator(config, {
    index: 1,
    path: '',
    firstId: DATASET_FIRST_ID + CALIBRATION_LINES,
    freshLines: CALIBRATION_LINES,
    datasetFirstId: DATASET_FIRST_ID,
    startSeconds: FIRST_DAY + SECONDS_PER_DAY,
    spanSeconds: SECONDS_PER_DAY,
  });
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let bytes = -(HEADER.length + (config.dirt.crlf ? 2 : 1));
  for (let n = generator.fill(buf); n > 0; n = generator.fill(buf)) bytes += n;
  return bytes / CALIBRATION_LINES;
}
