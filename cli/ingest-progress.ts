// Ingest progress within a file: the bar moves by the file's bytes through the pipeline steps,
// each step taking the share of a batch's time it took when measured (README, "Where the
// pipeline's time goes": 1 GB batch), and inside the DuckDB steps by DuckDB's own progress, which
// for silver follows the bytes of the landed file it reads.
import type { BatchStep } from '../handlers/core/process-batch.ts';

/** Phases of one file: the landing copy, then the core's steps. */
export type IngestPhase = 'land' | BatchStep;

/** Measured seconds per phase for a 1 GB batch (landing 1.9, repair 2.7, silver 24.9, rejects 0.5, gold 9.0, the rest 0.3). */
const MEASURED_SECONDS: Record<IngestPhase, number> = {
  land: 1.9,
  register_landed_file: 2.7,
  silver: 24.9,
  rejects: 0.5,
  file_figures: 0.1,
  gold: 9.0,
  figures: 0.1,
  commit: 0.1,
  cleanup: 0.1,
};
const PHASES = Object.keys(MEASURED_SECONDS) as IngestPhase[];
const TOTAL = PHASES.reduce((sum, phase) => sum + MEASURED_SECONDS[phase], 0);

/** Where a phase starts and how much it spans, as fractions of a file. */
export const PHASE_SPAN: Record<IngestPhase, { start: number; share: number }> = (() => {
  let start = 0;
  const spans = {} as Record<IngestPhase, { start: number; share: number }>;
  for (const phase of PHASES) {
    const share = MEASURED_SECONDS[phase] / TOTAL;
    spans[phase] = { start, share };
    start += share;
  }
  return spans;
})();

/** The fraction of a file done when `phase` is `percent` % done (DuckDB says -1 when it cannot tell). */
export function fileFraction(phase: IngestPhase, percent = 0): number {
  const { start, share } = PHASE_SPAN[phase];
  return start + share * (Math.min(Math.max(percent, 0), 100) / 100);
}
