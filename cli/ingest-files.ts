// Lands local files in a lake's bronze, in the order given, and processes each before the next.
// Folders are expanded to the data files in them; anything else is refused before it is landed.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { handleLanding, isFailure, landingKind, type LandingResult } from '../handlers/core/handle-landings.ts';
import type { BatchStep } from '../handlers/core/process-batch.ts';
import { landFile, type LocalLake } from '../handlers/local/local-lake.ts';
import { fileFraction, type IngestPhase } from './ingest-progress.ts';
import { byteProgress, type Progress } from './progress.ts';

export interface IngestOutcome {
  results: LandingResult[];
  failures: LandingResult[];
  /** Batches committed by this run, and batches found already committed (skipped). */
  newBatches: number;
  alreadyCommitted: number;
  /** Bytes of the input files that gave at least one new batch: the honest numerator of a rate. */
  newBytes: number;
  seconds: number;
}

export interface IngestOptions {
  /** The bronze key of a file; default: bronzeKey. */
  keyFor?: (file: string) => string;
  /** The progress display for the run's total bytes; default: a bar on stderr. */
  progress?: (totalBytes: number) => Progress;
}

/**
 * A file's bronze key: the name of its folder, then its name (`exports/store-12/sales.dat` →
 * `store-12/sales.dat`), so that two same-named files from different folders are two objects,
 * two `source_file`s and two batches, while the key does not depend on where the command runs.
 */
export function bronzeKey(file: string): string {
  const absolute = path.resolve(file);
  const folder = path.basename(path.dirname(absolute));
  return folder ? `${folder}/${path.basename(absolute)}` : path.basename(absolute);
}

interface InputFile {
  path: string;
  size: number;
}

const DATA_FILES = '.dat, .dat.gz or .zip';

/**
 * The data files named by the arguments, in order: a folder gives its data files (by name, not
 * descending into sub-folders); a missing path or a non-data file is refused without landing it.
 */
export async function expandInputs(args: string[]): Promise<{ files: InputFile[]; refused: LandingResult[]; ignored: LandingResult[] }> {
  const files: InputFile[] = [];
  const refused: LandingResult[] = [];
  const ignored: LandingResult[] = [];
  for (const arg of args) {
    const info = await stat(arg).catch(() => undefined);
    if (!info) refused.push({ sourceFile: arg, status: 'failed', error: 'no such file or folder' });
    else if (info.isDirectory()) {
      const entries = (await readdir(arg, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const before = files.length;
      for (const entry of entries) {
        const full = path.join(arg, entry.name);
        if (entry.isFile() && landingKind(entry.name) !== 'other') files.push({ path: full, size: (await stat(full)).size });
        else if (!entry.name.startsWith('.')) ignored.push({ sourceFile: full, status: 'ignored', reason: entry.isDirectory() ? 'a sub-folder (not descended into)' : `not a ${DATA_FILES} file, left out` });
      }
      if (files.length === before) refused.push({ sourceFile: arg, status: 'refused', reason: `no ${DATA_FILES} file in this folder` });
    } else if (!info.isFile()) refused.push({ sourceFile: arg, status: 'refused', reason: 'not a regular file' });
    else if (landingKind(arg) === 'other') refused.push({ sourceFile: arg, status: 'refused', reason: `not a ${DATA_FILES} file; not landed` });
    else files.push({ path: arg, size: info.size });
  }
  return { files, refused, ignored };
}

/** DuckDB's own progress of the statement running now, in percent (-1 when it cannot tell). */
function duckDbPercent(lake: LocalLake): number {
  return lake.session.connection.progress.percentage;
}

export async function ingestFiles(lake: LocalLake, args: string[], options: IngestOptions = {}): Promise<IngestOutcome> {
  const { files, refused, ignored } = await expandInputs(args);
  const total = files.reduce((sum, file) => sum + file.size, 0);
  const progress = options.progress ? options.progress(total) : byteProgress('ingest  ', total);
  // Following DuckDB's progress costs a poll every 250 ms; only worth it when someone watches.
  const showing = options.progress !== undefined || process.stderr.isTTY === true;
  // DuckDB tracks a statement's progress only with its progress bar on; its printing stays off.
  if (showing) await lake.session.run('SET enable_progress_bar = true; SET enable_progress_bar_print = false');
  const started = Date.now();
  const results: LandingResult[] = [...ignored];
  let newBytes = 0;
  let doneBefore = 0;
  try {
    for (const file of files) {
      const name = path.basename(file.path);
      let phase: IngestPhase = 'land';
      let shown = doneBefore;
      const show = () => {
        const percent = phase === 'silver' || phase === 'rejects' || phase === 'gold' ? duckDbPercent(lake) : 0;
        // Never backwards: the members of a zip run the steps again, one after the other.
        shown = Math.max(shown, doneBefore + file.size * fileFraction(phase, percent));
        progress.update(shown, `${name}: ${phase}`);
      };
      show();
      const ticker = showing ? setInterval(show, 250) : undefined;
      try {
        const landing = await landFile(lake, file.path, (options.keyFor ?? bronzeKey)(file.path));
        const ports = {
          ...lake.ports,
          // Wraps the lake's own hook (if any): the step is named on the bar before it starts.
          beforeStep: async (step: BatchStep, batchId: string) => {
            phase = step;
            show();
            await lake.ports.beforeStep?.(step, batchId);
          },
        };
        const landed = await handleLanding(landing, ports);
        results.push(...landed);
        if (landed.some((result) => result.status === 'committed')) newBytes += file.size;
      } catch (error) {
        results.push({ sourceFile: file.path, status: 'failed', error: `${error instanceof Error ? error.message : String(error)}` });
      } finally {
        clearInterval(ticker);
      }
      doneBefore += file.size;
      progress.update(doneBefore, '');
    }
    progress.complete();
  } finally {
    progress.stop();
  }
  results.push(...refused);
  return {
    results,
    failures: results.filter(isFailure),
    newBatches: results.filter((result) => result.status === 'committed').length,
    alreadyCommitted: results.filter((result) => result.status === 'already_committed').length,
    newBytes,
    seconds: (Date.now() - started) / 1000,
  };
}
