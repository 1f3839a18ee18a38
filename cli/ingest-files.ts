// Lands local files in a lake's bronze, in the order given, and processes each before the next.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { handleLanding, isFailure, type LandingResult } from '../handlers/core/handle-landings.ts';
import { landFile, type LocalLake } from '../handlers/local/local-lake.ts';
import { byteProgress } from './progress.ts';

export interface IngestOutcome {
  results: LandingResult[];
  failures: LandingResult[];
  bytes: number;
  seconds: number;
}

export async function ingestFiles(lake: LocalLake, files: string[], options: { keyPrefix?: string } = {}): Promise<IngestOutcome> {
  const sizes = await Promise.all(
    files.map(async (file) => {
      const info = await stat(file).catch(() => undefined);
      return info?.isFile() ? info.size : -1;
    }),
  );
  const total = sizes.reduce((sum, size) => sum + Math.max(size, 0), 0);
  const progress = byteProgress('ingest  ', total);
  const started = Date.now();
  const results: LandingResult[] = [];
  let done = 0;
  try {
    for (const [i, file] of files.entries()) {
      const size = sizes[i] ?? -1;
      if (size < 0) {
        results.push({ sourceFile: file, status: 'failed', error: `${file}: no such file` });
        continue;
      }
      try {
        const landing = await landFile(lake, file, `${options.keyPrefix ?? ''}${path.basename(file)}`);
        results.push(...(await handleLanding(landing, lake.ports)));
      } catch (error) {
        results.push({ sourceFile: file, status: 'failed', error: `${file}: ${error instanceof Error ? error.message : String(error)}` });
      }
      done += size;
      progress.update(done);
    }
  } finally {
    progress.stop();
  }
  return { results, failures: results.filter(isFailure), bytes: total, seconds: (Date.now() - started) / 1000 };
}
