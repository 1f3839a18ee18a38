// The object store port on a local folder: one folder per bucket, keys as relative paths.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectInfo, ObjectRef, ObjectStore } from '../core/ports.ts';
import type { LakeLayout } from './lake-layout.ts';

/** Hashes what flows through, like S3's ETag of a single-part upload (MD5 of the content). */
function md5Tap(): { tap: Transform; digest: () => string; bytes: () => number } {
  const hash = createHash('md5');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  return { tap, digest: () => hash.digest('hex'), bytes: () => bytes };
}

export class FsObjectStore implements ObjectStore {
  constructor(private readonly layout: LakeLayout) {}

  async head(ref: ObjectRef): Promise<ObjectInfo | undefined> {
    const file = this.layout.objectPath(ref.bucket, ref.key);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const hash = createHash('md5');
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    return { size: info.size, etag: hash.digest('hex') };
  }

  async read(ref: ObjectRef): Promise<Readable> {
    const file = this.layout.objectPath(ref.bucket, ref.key);
    await stat(file); // fail here, with the path, rather than inside a later pipe
    return createReadStream(file);
  }

  /** Writes to a temporary name first, so a reader never sees half an object. */
  async write(ref: ObjectRef, body: Readable): Promise<ObjectInfo> {
    const file = this.layout.objectPath(ref.bucket, ref.key);
    await mkdir(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    const { tap, digest, bytes } = md5Tap();
    try {
      await pipeline(body, tap, createWriteStream(partial));
      await rename(partial, file);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return { size: bytes(), etag: digest() };
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
