// Writes `.zip` landings (tests, benches and seeding) with fflate's streaming zip encoder:
// members are deflated (or stored) from their streams straight into the file, so no member is
// held in memory. fflate writes entry names as given (no path clean-up), which the tests need to
// build hostile archives (`../evil.dat`). Classic zip only: fflate writes no zip64 records, so
// every member and the archive must stay under 4 GiB.
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';

export interface ZipMember {
  name: string;
  /** The member's bytes: a buffer, or a stream/iterable of buffers read once. */
  data: Buffer | string | Readable | AsyncIterable<Buffer>;
  /** Default 'deflate'. */
  method?: 'deflate' | 'store';
}

export interface WrittenZip {
  path: string;
  bytes: number;
  members: { name: string; size: number }[];
}

const CLASSIC_ZIP_LIMIT = 0xffffffff;
/** Member timestamps are fixed so that the same members give the same archive bytes. */
const MEMBER_TIME = new Date(2026, 2, 1);

function chunksOf(data: ZipMember['data']): AsyncIterable<Buffer> | Iterable<Buffer> {
  if (typeof data === 'string') return [Buffer.from(data)];
  if (Buffer.isBuffer(data)) return [data];
  return data as AsyncIterable<Buffer>;
}

/** Writes `members` in order to a new zip at `path`. */
export async function writeZip(path: string, members: readonly ZipMember[]): Promise<WrittenZip> {
  const handle = await open(path, 'w');
  // fflate hands over output synchronously from push(); it is queued here and written before the
  // next chunk is pushed, so memory holds one chunk's output at a time.
  const pending: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else pending.push(chunk);
  });
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (failure) throw failure;
    for (let chunk = pending.shift(); chunk; chunk = pending.shift()) {
      await handle.write(chunk);
      bytes += chunk.length;
    }
    if (bytes > CLASSIC_ZIP_LIMIT) throw new Error(`${path}: the archive passed 4 GiB, which a classic zip cannot address`);
  };
  const written: WrittenZip['members'] = [];
  try {
    for (const member of members) {
      const entry = member.method === 'store' ? new ZipPassThrough(member.name) : new ZipDeflate(member.name, { level: 6 });
      entry.mtime = MEMBER_TIME;
      zip.add(entry);
      let size = 0;
      for await (const chunk of chunksOf(member.data)) {
        size += chunk.length;
        entry.push(chunk);
        await flush();
      }
      entry.push(new Uint8Array(0), true);
      await flush();
      written.push({ name: member.name, size });
    }
    zip.end();
    await flush();
  } finally {
    await handle.close();
  }
  return { path, bytes, members: written };
}
