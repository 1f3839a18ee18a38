// The core's one entry: landings in, one result per batch out, the .dat landings run as one group
// (process-group.ts). A failure of one file is reported in its result; whether it stops the files
// landed after it is the ports' `afterFailure` (local: never; a FIFO queue: it does).
//
// `refused` is a verdict that no retry can change (a landing over the size limit, a zip over its
// limits, a name that cannot be processed): the caller logs and counts it once and does NOT retry
// it (issue 7 item 11). `failed` is everything else, and worth retrying.
import type { BatchFigures } from './batch-figures.ts';
import type { Landing } from './landing-event.ts';
import { type GroupPorts, processGroup } from './process-group.ts';
import { type RefusedEntry, unpackZip, type ZipLimits, ZipRefusedError } from './zip-landing.ts';

export interface LandingPorts extends GroupPorts {
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

/** What a landing turned into before any batch runs: results already known, or .dat landings to run. */
type Expanded = { results: LandingResult[] } | { dat: Landing };

/** Sorts one landing: ignored, refused, a .dat to run, or a zip unpacked into its members' landings. */
async function expandLanding(landing: Landing, ports: LandingPorts): Promise<Expanded[]> {
  const sourceFile = `${landing.ref.bucket}/${landing.ref.key}`;
  const refuse = (reason: string): Expanded[] => {
    ports.log.error('landing refused; not retried (the verdict would not change)', { sourceFile, reason });
    return [{ results: [{ sourceFile, status: 'refused', reason }] }];
  };
  try {
    const kind = landingKind(landing.ref.key);
    if (kind === 'other') {
      ports.log.warn('landing ignored: not a .dat, .dat.gz or .zip', { sourceFile });
      return [{ results: [{ sourceFile, status: 'ignored', reason: 'not a .dat, .dat.gz or .zip file' }] }];
    }
    const badName = unprocessableNameReason(landing.ref.key);
    if (badName) return refuse(badName);
    if (ports.landingMaxBytes !== undefined) {
      const size = landing.size ?? (await ports.store.head(landing.ref))?.size;
      if (size !== undefined && size > ports.landingMaxBytes) return refuse(`${size} bytes, more than the limit of ${ports.landingMaxBytes}`);
    }
    if (kind === 'dat') return [{ dat: landing }];
    const unpacked = await unpackZip(landing, ports.store, ports.log, ports.zipLimits, ports.workDir);
    const expanded: Expanded[] = [
      {
        results: [
          {
            sourceFile,
            status: 'unpacked',
            members: unpacked.landed.map((member) => member.ref.key),
            skipped: unpacked.skipped,
            refused: unpacked.refused,
          },
        ],
      },
    ];
    if (ports.processUnpackedMembers) {
      for (const member of unpacked.landed) expanded.push(...(await expandLanding(member, ports)));
    }
    return expanded;
  } catch (error) {
    if (error instanceof ZipRefusedError) return refuse(error.message);
    const message = error instanceof Error ? error.message : String(error);
    ports.log.error('landing failed', { sourceFile, error: message });
    return [{ results: [{ sourceFile, status: 'failed', error: message }] }];
  }
}

/**
 * Processes landings in order as one group (process-group.ts): every .dat (and, locally, every
 * member of a zip) runs its own steps, many at once, then one gold statement commits them all in
 * landing order. One result per landing, in order; a zip's result comes before its members'.
 */
export async function handleLandings(landings: Landing[], ports: LandingPorts): Promise<LandingResult[]> {
  const expanded: Expanded[] = [];
  for (const landing of landings) expanded.push(...(await expandLanding(landing, ports)));
  const dats = expanded.flatMap((entry) => ('dat' in entry ? [entry.dat] : []));
  const outcomes = dats.length > 0 ? await processGroup(dats, ports) : [];
  let next = 0;
  return expanded.flatMap((entry): LandingResult[] => {
    if ('results' in entry) return entry.results;
    const outcome = outcomes[next++];
    const sourceFile = `${entry.dat.ref.bucket}/${entry.dat.ref.key}`;
    if (!outcome) return [{ sourceFile, status: 'failed', error: 'not processed' }];
    if ('error' in outcome) {
      ports.log.error('landing failed', { sourceFile, error: outcome.error.message });
      return [{ sourceFile, status: 'failed', error: outcome.error.message }];
    }
    const { result } = outcome;
    return result.status === 'committed'
      ? [{ sourceFile, status: 'committed', batchId: result.figures.batchId, figures: result.figures }]
      : [{ sourceFile, status: 'already_committed', batchId: result.batchId, figures: result.figures }];
  });
}

/** Processes one landing; a zip yields its own result and its members' (one group). */
export function handleLanding(landing: Landing, ports: LandingPorts): Promise<LandingResult[]> {
  return handleLandings([landing], ports);
}

/** Whether a result means the landing needs attention (a failure, a refusal or a refused zip entry). */
export function isFailure(result: LandingResult): boolean {
  return result.status === 'failed' || result.status === 'refused' || (result.status === 'unpacked' && result.refused.length > 0);
}

/** Whether a result is worth retrying: only real failures; refusals would get the same verdict. */
export function isRetryable(result: LandingResult): boolean {
  return result.status === 'failed';
}
