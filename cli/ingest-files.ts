// Lands local files in a lake's bronze, in the order given, then processes them as one group.
// Folders are expanded to the data files in them; anything else is refused before it is landed.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { batchIdFor } from '../handlers/core/batch-identity.ts';
import { handleLandings, isFailure, landingKind, type LandingResult } from '../handlers/core/handle-landings.ts';
import type { Landing } from '../handlers/core/landing-event.ts';
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
function bronzeKey(file: string): string {
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
async function expandInputs(args: string[]): Promise<{ files: InputFile[]; refused: LandingResult[]; ignored: LandingResult[] }> {
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

/** Whether a landed file gave at least one new batch: itself, or (a zip) one of its members. */
function gaveNewBatch(landing: Landing, results: LandingResult[], committed: ReadonlySet<string>): boolean {
  const sourceFile = `${landing.ref.bucket}/${landing.ref.key}`;
  if (committed.has(sourceFile)) return true;
  const unpacked = results.find((result) => result.sourceFile === sourceFile && result.status === 'unpacked');
  return unpacked?.status === 'unpacked' && unpacked.members.some((member) => committed.has(`${landing.ref.bucket}/${member}`));
}

export async function ingestFiles(lake: LocalLake, args: string[], options: IngestOptions = {}): Promise<IngestOutcome> {
  const { files, refused, ignored } = await expandInputs(args);
  const total = files.reduce((sum, file) => sum + file.size, 0);
  const progress = options.progress ? options.progress(total) : byteProgress('ingest  ', total);
  // Redrawing the bar every 250 ms is only worth it when someone watches.
  const showing = options.progress !== undefined || process.stderr.isTTY === true;
  const started = Date.now();
  const results: LandingResult[] = [...ignored];
  const landed: Array<{ file: InputFile; landing: Landing }> = [];
  let newBytes: number;
  // Where each batch is, for the bar: its file's size moves through the steps' measured shares.
  const phaseOfBatch = new Map<string, { file: InputFile; phase: IngestPhase }>();
  let label = '';
  let shown = 0;
  const show = () => {
    let done = 0;
    for (const { file, phase } of phaseOfBatch.values()) done += file.size * fileFraction(phase);
    // Never backwards: the members of a zip join the group after their archive was landed.
    shown = Math.max(shown, done);
    progress.update(shown, label);
  };
  const ticker = showing ? setInterval(show, 250) : undefined;
  try {
    // Every file is landed first, in order; then they are processed as one group: each file's
    // own steps run at once and one gold statement commits them in landing order (the same lake
    // as one ingest per file: first write wins by landing order).
    for (const file of files) {
      label = `${path.basename(file.path)}: land`;
      show();
      try {
        const landing = await landFile(lake, file.path, (options.keyFor ?? bronzeKey)(file.path));
        landed.push({ file, landing });
        // Landed: the file's share of the bar reaches the end of the landing.
        phaseOfBatch.set(batchIdFor(landing.ref, landing.etag ?? ''), { file, phase: 'register_landed_file' });
        show();
      } catch (error) {
        results.push({ sourceFile: file.path, status: 'failed', error: `${error instanceof Error ? error.message : String(error)}` });
      }
    }
    const ports = {
      ...lake.ports,
      // Wraps the lake's own hook (if any): the step is named on the bar before it starts.
      beforeStep: async (step: BatchStep, batchId: string) => {
        const batch = phaseOfBatch.get(batchId);
        if (step === 'cleanup') {
          // The group's work tables go together, once every batch of it is committed.
          for (const each of phaseOfBatch.values()) each.phase = step;
          label = step;
        } else if (batch) {
          batch.phase = step;
          label = `${path.basename(batch.file.path)}: ${step}`;
        } else label = step;
        show();
        await lake.ports.beforeStep?.(step, batchId);
      },
    };
    try {
      results.push(...(await handleLandings(landed.map(({ landing }) => landing), ports)));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results.push(...landed.map(({ file }) => ({ sourceFile: file.path, status: 'failed' as const, error: message })));
    }
    // The committed source files, gathered once for every landed file.
    const committed = new Set(results.filter((result) => result.status === 'committed').map((result) => result.sourceFile));
    newBytes = landed.filter(({ landing }) => gaveNewBatch(landing, results, committed)).reduce((sum, { file }) => sum + file.size, 0);
    progress.update(total, '');
    progress.complete();
  } finally {
    clearInterval(ticker);
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
