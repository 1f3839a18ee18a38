// The object store port on a local folder: one folder per bucket, keys as relative paths.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { constants as fsConstants } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectInfo, ObjectRef, ObjectStore } from '../core/ports.ts';
import type { LakeLayout } from './lake-layout.ts';
import { partialFileOf, removeStalePartials } from './partial-files.ts';

/**
 * The local ETag: a digest of the content, as S3's is for a single-part upload. SHA-256 rather
 * than S3's MD5 because it runs about twice as fast here (CPU SHA extensions).
 */
const ETAG_HASH = 'sha256';
/** Large reads keep per-chunk overhead out of multi-GB copies. */
const CHUNK_BYTES = 4 * 1024 * 1024;

function contentTap(): { tap: Transform; digest: () => string; bytes: () => number } {
  const hash = createHash(ETAG_HASH);
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  return { tap, digest: () => hash.digest('hex').slice(0, 32), bytes: () => bytes };
}

async function digestOf(file: string): Promise<ObjectInfo> {
  const hash = createHash(ETAG_HASH);
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, etag: hash.digest('hex').slice(0, 32) };
}

export class FsObjectStore implements ObjectStore {
  constructor(private readonly layout: LakeLayout) {}

  async head(ref: ObjectRef): Promise<ObjectInfo | undefined> {
    const file = this.layout.objectPath(ref.bucket, ref.key);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    return digestOf(file);
  }

  async read(ref: ObjectRef): Promise<Readable> {
    const file = this.layout.objectPath(ref.bucket, ref.key);
    await stat(file); // fail here, with the path, rather than inside a later pipe
    return createReadStream(file, { highWaterMark: CHUNK_BYTES });
  }

  /** Writes to a temporary name first, so a reader never sees half an object. */
  async write(ref: ObjectRef, body: Readable): Promise<ObjectInfo> {
    const file = this.layout.objectPath(ref.bucket, ref.key);
    const partial = await this.startPartial(file);
    const { tap, digest, bytes } = contentTap();
    try {
      await pipeline(body, tap, createWriteStream(partial, { highWaterMark: CHUNK_BYTES }));
      const info = { size: bytes(), etag: digest() };
      await this.putInPlace(ref, partial, file, info);
      return info;
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  /**
   * Lands a local file: the kernel copies it (a reflink where the filesystem can) while its
   * digest is read alongside, which is several times faster than streaming it through Node.
   */
  async importFile(ref: ObjectRef, source: string): Promise<ObjectInfo> {
    const file = this.layout.objectPath(ref.bucket, ref.key);
    const partial = await this.startPartial(file);
    try {
      const [, info] = await Promise.all([copyFile(source, partial, fsConstants.COPYFILE_FICLONE), digestOf(source)]);
      await this.putInPlace(ref, partial, file, info);
      return info;
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  /** The partial file to write `file` through; partials of it left by a killed writer go first. */
  private async startPartial(file: string): Promise<string> {
    await mkdir(path.dirname(file), { recursive: true });
    await removeStalePartials(file);
    return partialFileOf(file);
  }

  /**
   * Moves a fully written object into place. Like the versioned bronze bucket in the cloud, an
   * object replaced by other content is kept, under `_versions/<bucket>/<key>@<etag>`; the same
   * content landed again leaves the object as it was.
   */
  private async putInPlace(ref: ObjectRef, partial: string, file: string, info: ObjectInfo): Promise<void> {
    const previous = await stat(file).catch(() => undefined);
    if (previous?.isFile()) {
      const old = await digestOf(file);
      if (old.etag === info.etag && old.size === info.size) {
        await rm(partial, { force: true });
        return;
      }
      const kept = path.join(this.layout.root, '_versions', ref.bucket, `${ref.key}@${old.etag}`);
      await mkdir(path.dirname(kept), { recursive: true });
      await rename(file, kept);
    }
    await rename(partial, file);
  }

  async clearLocation(location: string): Promise<void> {
    this.assertInLake(location);
    await rm(location, { recursive: true, force: true });
  }

  async sizeOfLocation(location: string): Promise<number> {
    this.assertInLake(location);
    const entries = await readdir(location, { withFileTypes: true, recursive: true }).catch(() => []);
    let total = 0;
    for (const entry of entries) {
      if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
    }
    return total;
  }

  private assertInLake(location: string): void {
    const resolved = path.resolve(location);
    if (!resolved.startsWith(this.layout.root + path.sep)) throw new Error(`location ${location} is outside the lake`);
  }
}
