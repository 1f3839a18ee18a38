// Limits on a landed zip, apart from the unpacking code so that the stack's config can read the
// defaults without loading node-stream-zip into the Pulumi program.

export interface ZipLimits {
  /** Refuse the archive when its members unpack to more than this many bytes in all. */
  maxTotalBytes: number;
  /** Refuse the archive when a member is more than this many times its compressed size. */
  maxRatio: number;
  maxEntries: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxTotalBytes: 50 * 1024 ** 3, maxRatio: 200, maxEntries: 10_000 };
