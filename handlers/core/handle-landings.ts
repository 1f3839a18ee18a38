// The core's one entry: a landing event in, one result per batch out. A failure of one file is
// reported in its result and never stops the others.
//
// `refused` is a verdict that no retry can change (a landing over the size limit, a zip over its
// limits, a name that cannot be processed): the caller logs and counts it once and does NOT retry
// it (issue 7 item 11). `failed` is everything else, and worth retrying.
import type { BatchFigures } from './batch-figures.ts';
import { type Landing, type S3EventLike, landingsOf } from './landing-event.ts';
import { type BatchPorts, processBatch } from './process-batch.ts';
import { type RefusedEntry, unpackZip, type ZipLimits, ZipRefusedError } from './zip-landing.ts';

export interface LandingPorts extends BatchPorts {
  zipLimits?: ZipLimits;
  /** Folder for the local copy of a zip (the Lambda's /tmp). */
  workDir?: string;
  /**
   * Whether members unpacked from a zip are processed now (local run) or left to the
   * notifications their landing raises (cloud).
   */
  processUnpackedMembers: boolean;
  /** The largest landed object taken (.dat, .dat.gz or .zip); a larger one is refused. None = no limit. */
  landingMaxBytes?: number;
}

export type LandingResult =
  | { sourceFile: string; status: 'committed' | 'already_committed'; batchId: string; figures: BatchFigures | undefined }
  | { sourceFile: string; status: 'unpacked'; members: string[]; skipped: string[]; refused: RefusedEntry[] }
  | { sourceFile: string; status: 'ignored'; reason: string }
  | { sourceFile: string; status: 'refused'; reason: string }
  | { sourceFile: string; status: 'failed'; error: string };

export type LandingKind = 'dat' | 'zip' | 'other';

/** What a key is, by its name: `.dat` and `.dat.gz` are batches, `.zip` is unpacked. */
export function landingKind(key: string): LandingKind {
  if (/\.dat(\.gz)?$/i.test(key)) return 'dat';
  if (/\.zip$/i.test(key)) return 'zip';
  return 'other';
}

/** Why a key cannot be processed whatever its content, or undefined. */
export function unprocessableNameReason(key: string): string | undefined {
  // A symlink manifest lists one path per line (handlers/aws/glue-catalog.ts): a line break or other
  // control character in the key cannot be listed, on any retry.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'control character in the object key';
  return undefined;
}

/** Processes one landing; a zip yields its own result and its members'. */
export async function handleLanding(landing: Landing, ports: LandingPorts): Promise<LandingResult[]> {
  const sourceFile = `${landing.ref.bucket}/${landing.ref.key}`;
  const refuse = (reason: string): LandingResult[] => {
    ports.log.error('landing refused; not retried (the verdict would not change)', { sourceFile, reason });
    return [{ sourceFile, status: 'refused', reason }];
  };
  try {
    const kind = landingKind(landing.ref.key);
    if (kind === 'other') {
      ports.log.warn('landing ignored: not a .dat, .dat.gz or .zip', { sourceFile });
      return [{ sourceFile, status: 'ignored', reason: 'not a .dat, .dat.gz or .zip file' }];
    }
    const badName = unprocessableNameReason(landing.ref.key);
    if (badName) return refuse(badName);
    if (ports.landingMaxBytes !== undefined) {
      const size = landing.size ?? (await ports.store.head(landing.ref))?.size;
      if (size !== undefined && size > ports.landingMaxBytes) return refuse(`${size} bytes, more than the limit of ${ports.landingMaxBytes}`);
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
    if (error instanceof ZipRefusedError) return refuse(error.message);
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

/** Whether a result means the landing needs attention (a failure, a refusal or a refused zip entry). */
export function isFailure(result: LandingResult): boolean {
  return result.status === 'failed' || result.status === 'refused' || (result.status === 'unpacked' && result.refused.length > 0);
}

/** Whether a result is worth retrying: only real failures; refusals would get the same verdict. */
export function isRetryable(result: LandingResult): boolean {
  return result.status === 'failed';
}
