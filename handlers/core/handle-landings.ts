// The core's one entry: a landing event in, one result per batch out. A failure of one file is
// reported in its result and never stops the others.
import type { BatchFigures } from './batch-figures.ts';
import { type Landing, type S3EventLike, landingsOf } from './landing-event.ts';
import { type BatchPorts, processBatch } from './process-batch.ts';
import { type RefusedEntry, unpackZip, type ZipLimits } from './zip-landing.ts';

export interface LandingPorts extends BatchPorts {
  zipLimits?: ZipLimits;
  /** Folder for the local copy of a zip (the Lambda's /tmp). */
  workDir?: string;
  /**
   * Whether members unpacked from a zip are processed now (local run) or left to the
   * notifications their landing raises (cloud).
   */
  processUnpackedMembers: boolean;
}

export type LandingResult =
  | { sourceFile: string; status: 'committed' | 'already_committed'; batchId: string; figures: BatchFigures | undefined }
  | { sourceFile: string; status: 'unpacked'; members: string[]; skipped: string[]; refused: RefusedEntry[] }
  | { sourceFile: string; status: 'ignored'; reason: string }
  | { sourceFile: string; status: 'failed'; error: string };

export type LandingKind = 'dat' | 'zip' | 'other';

/** What a key is, by its name: `.dat` and `.dat.gz` are batches, `.zip` is unpacked. */
export function landingKind(key: string): LandingKind {
  if (/\.dat(\.gz)?$/i.test(key)) return 'dat';
  if (/\.zip$/i.test(key)) return 'zip';
  return 'other';
}

/** Processes one landing; a zip yields its own result and its members'. */
export async function handleLanding(landing: Landing, ports: LandingPorts): Promise<LandingResult[]> {
  const sourceFile = `${landing.ref.bucket}/${landing.ref.key}`;
  try {
    const kind = landingKind(landing.ref.key);
    if (kind === 'other') {
      ports.log.warn('landing ignored: not a .dat, .dat.gz or .zip', { sourceFile });
      return [{ sourceFile, status: 'ignored', reason: 'not a .dat, .dat.gz or .zip file' }];
    }
    if (kind === 'dat') {
      const result = await processBatch(landing, ports);
      return result.status === 'committed'
        ? [{ sourceFile, status: 'committed', batchId: result.figures.batchId, figures: result.figures }]
        : [{ sourceFile, status: 'already_committed', batchId: result.batchId, figures: result.figures }];
    }
    const unpacked = await unpackZip(landing, ports.store, ports.log, ports.zipLimits, ports.workDir);
    const results: LandingResult[] = [
      {
        sourceFile,
        status: 'unpacked',
        members: unpacked.landed.map((member) => member.ref.key),
        skipped: unpacked.skipped,
        refused: unpacked.refused,
      },
    ];
    if (ports.processUnpackedMembers) {
      for (const member of unpacked.landed) results.push(...(await handleLanding(member, ports)));
    }
    return results;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ports.log.error('landing failed', { sourceFile, error: message });
    return [{ sourceFile, status: 'failed', error: message }];
  }
}

/** Processes every landing of an event in order: gold writers take turns. */
export async function handleLandingEvent(event: S3EventLike, ports: LandingPorts): Promise<LandingResult[]> {
  const results: LandingResult[] = [];
  for (const landing of landingsOf(event)) results.push(...(await handleLanding(landing, ports)));
  return results;
}

/** Whether a result means the landing needs attention (a failure or a refused zip entry). */
export function isFailure(result: LandingResult): boolean {
  return result.status === 'failed' || (result.status === 'unpacked' && result.refused.length > 0);
}
