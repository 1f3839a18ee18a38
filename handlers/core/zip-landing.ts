// A .zip landed in bronze: each `.dat` member is landed as its own file next to the archive.
// The archive is read from a local copy (ephemeral storage in the Lambda), member by member,
// so memory never holds more than a stream's buffers.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import StreamZip from 'node-stream-zip';
import type { Landing } from './landing-event.ts';
import type { PipelineLog } from './pipeline-log.ts';
import type { ObjectStore } from './ports.ts';
import { DEFAULT_ZIP_LIMITS, type ZipLimits } from './zip-limits.ts';

export { DEFAULT_ZIP_LIMITS, type ZipLimits };

export interface RefusedEntry {
  entry: string;
  reason: string;
}

export interface UnpackResult {
  landed: Landing[];
  skipped: string[];
  refused: RefusedEntry[];
}

export class ZipRefusedError extends Error {
  constructor(zipKey: string, reason: string) {
    super(`${zipKey}: zip refused: ${reason}`);
    this.name = 'ZipRefusedError';
  }
}

/** Why an entry name may not be used as a key: absolute, drive-qualified, `..`, or control characters. */
export function unsafeEntryReason(name: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(name)) return 'control character in the entry name';
  if (name.startsWith('/') || name.startsWith('\\')) return 'absolute path';
  if (/^[a-zA-Z]:/.test(name)) return 'drive-qualified path';
  if (name.split(/[\\/]/).some((part) => part === '..')) return 'path climbs out with ..';
  return undefined;
}

/**
 * An AppleDouble entry that macOS Finder adds to a zip (`__MACOSX/…`, `._name`): resource-fork
 * metadata, never data. Athena would skip such names anyway (hidden files), so they are skipped
 * with a log line rather than landed.
 */
export function isAppleDouble(entryName: string): boolean {
  const parts = entryName.replace(/\\/g, '/').split('/');
  return parts[0] === '__MACOSX' || (parts.at(-1) ?? '').startsWith('._');
}

/**
 * A member path whose every part is visible: a part starting with `_` or `.` (a hidden name to
 * Athena, see handlers/aws/athena-readable-key.ts) gets an `x` in front, so a member landed in
 * bronze is never hidden and needs no copy: `_export.dat` → `x_export.dat`.
 */
export function visibleMemberPath(entryName: string): string {
  return entryName
    .replace(/\\/g, '/')
    .split('/')
    .map((part) => (part.startsWith('_') || part.startsWith('.') ? `x${part}` : part))
    .join('/');
}

/** Where a member lands: beside the archive, under `<archive>.unzipped/`, under a visible name. */
export function memberKey(zipKey: string, entryName: string): string {
  return `${zipKey.replace(/\.zip$/i, '')}.unzipped/${visibleMemberPath(entryName)}`;
}

/** Counts bytes through a stream and fails once a member outgrows what its header declared. */
function byteLimit(limit: number, label: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) callback(new Error(`${label} unpacks to more than its declared ${limit} bytes`));
      else callback(null, chunk);
    },
  });
}

/** Unpacks the `.dat` members of a landed zip into bronze, checking names and sizes first. */
export async function unpackZip(
  zip: Landing,
  store: ObjectStore,
  log: PipelineLog,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
  workDir?: string,
): Promise<UnpackResult> {
  const dir = await mkdtemp(path.join(workDir ?? tmpdir(), 'procureflow-zip-'));
  const local = path.join(dir, 'archive.zip');
  try {
    // Reading the landing is not the archive's fault: a failure here is retried, never refused.
    await pipeline(await store.read(zip.ref), createWriteStream(local));
    let archive: InstanceType<typeof StreamZip.async>;
    try {
      archive = new StreamZip.async({ file: local, skipEntryNameValidation: true });
      await archive.entries();
    } catch (error) {
      // The bytes are all here and do not parse: the same verdict on every retry.
      throw new ZipRefusedError(zip.ref.key, error instanceof Error ? error.message : String(error));
    }
    try {
      return await unpackEntries(zip, archive, store, log, limits);
    } finally {
      await archive.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function unpackEntries(
  zip: Landing,
  archive: InstanceType<typeof StreamZip.async>,
  store: ObjectStore,
  log: PipelineLog,
  limits: ZipLimits,
): Promise<UnpackResult> {
  const entries = Object.values(await archive.entries()).filter((entry) => !entry.isDirectory);
  if (entries.length > limits.maxEntries) throw new ZipRefusedError(zip.ref.key, `${entries.length} entries, more than ${limits.maxEntries}`);
  // Refuse a bomb before writing anything: declared sizes first, actual bytes while streaming.
  const declared = entries.reduce((sum, entry) => sum + entry.size, 0);
  if (declared > limits.maxTotalBytes) {
    throw new ZipRefusedError(zip.ref.key, `unpacks to ${declared} bytes, more than the limit of ${limits.maxTotalBytes}`);
  }
  for (const entry of entries) {
    const ratio = entry.size / Math.max(entry.compressedSize, 1);
    if (ratio > limits.maxRatio) {
      throw new ZipRefusedError(zip.ref.key, `member ${entry.name} expands ${Math.round(ratio)}×, more than the limit of ${limits.maxRatio}×`);
    }
  }

  const result: UnpackResult = { landed: [], skipped: [], refused: [] };
  const ordered = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of ordered) {
    const unsafe = unsafeEntryReason(entry.name);
    if (unsafe) {
      log.error('zip entry refused', { zip: zip.ref.key, entry: entry.name, reason: unsafe });
      result.refused.push({ entry: entry.name, reason: unsafe });
      continue;
    }
    if (isAppleDouble(entry.name)) {
      log.info('zip entry skipped: macOS AppleDouble metadata', { zip: zip.ref.key, entry: entry.name });
      result.skipped.push(entry.name);
      continue;
    }
    if (!/\.dat$/i.test(entry.name)) {
      log.info('zip entry skipped: not a .dat file', { zip: zip.ref.key, entry: entry.name });
      result.skipped.push(entry.name);
      continue;
    }
    if (entry.encrypted) {
      result.refused.push({ entry: entry.name, reason: 'encrypted' });
      continue;
    }
    const ref = { bucket: zip.ref.bucket, key: memberKey(zip.ref.key, entry.name) };
    const body = (await archive.stream(entry)) as Readable;
    const limited = byteLimit(entry.size, `member ${entry.name}`);
    body.on('error', (error) => limited.destroy(error));
    const written = await store.write(ref, body.pipe(limited));
    log.info('zip entry landed', { zip: zip.ref.key, entry: entry.name, key: ref.key, bytes: written.size });
    result.landed.push({ ref, size: written.size, etag: written.etag });
  }
  return result;
}
