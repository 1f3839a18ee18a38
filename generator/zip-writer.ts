// A streaming zip writer for `.zip` landings (tests, benches and seeding): members are
// deflated (or stored) straight from their streams into the file, sizes and CRCs go into data
// descriptors and the central directory, so no member is ever held in memory. Classic zip only
// (no zip64): every member and the archive must stay under 4 GiB.
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createDeflateRaw, crc32 } from 'node:zlib';

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
  members: { name: string; size: number; compressedSize: number; crc: number }[];
}

const LIMIT = 0xffffffff;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
const DOS_TIME = 0; // 00:00:00
const DOS_DATE = ((2026 - 1980) << 9) | (3 << 5) | 1; // 2026-03-01, fixed so archives are reproducible

function toIterable(data: ZipMember['data']): AsyncIterable<Buffer> | Iterable<Buffer> {
  if (typeof data === 'string') return [Buffer.from(data)];
  if (Buffer.isBuffer(data)) return [data];
  return data as AsyncIterable<Buffer>;
}

/** Writes `members` in order to a new zip at `path`. */
export async function writeZip(path: string, members: readonly ZipMember[]): Promise<WrittenZip> {
  const handle = await open(path, 'w');
  let offset = 0;
  const put = async (buf: Buffer): Promise<void> => {
    let done = 0;
    while (done < buf.length) done += (await handle.write(buf, done, buf.length - done)).bytesWritten;
    offset += buf.length;
  };
  const central: Buffer[] = [];
  const written: WrittenZip['members'] = [];
  try {
    for (const member of members) {
      const name = Buffer.from(member.name, 'utf8');
      const method = member.method === 'store' ? 0 : 8;
      const headerOffset = offset;
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4); // version needed
      local.writeUInt16LE(FLAG_DATA_DESCRIPTOR | FLAG_UTF8, 6);
      local.writeUInt16LE(method, 8);
      local.writeUInt16LE(DOS_TIME, 10);
      local.writeUInt16LE(DOS_DATE, 12);
      local.writeUInt16LE(name.length, 26); // crc and sizes (14..25) stay 0: see the data descriptor
      await put(Buffer.concat([local, name]));

      let crc = 0;
      let size = 0;
      const dataStart = offset;
      if (method === 0) {
        for await (const chunk of toIterable(member.data)) {
          crc = crc32(chunk, crc);
          size += chunk.length;
          await put(chunk);
        }
      } else {
        const deflate = createDeflateRaw({ level: 6 });
        const input = Readable.from(
          (async function* () {
            for await (const chunk of toIterable(member.data)) {
              crc = crc32(chunk, crc);
              size += chunk.length;
              yield chunk;
            }
          })(),
        );
        input.on('error', (error) => deflate.destroy(error));
        input.pipe(deflate);
        for await (const chunk of deflate) await put(chunk as Buffer);
      }
      const compressedSize = offset - dataStart;
      if (size > LIMIT || compressedSize > LIMIT || headerOffset > LIMIT) throw new Error(`zip member ${member.name} is too large for a classic zip (4 GiB)`);

      const descriptor = Buffer.alloc(16);
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(crc >>> 0, 4);
      descriptor.writeUInt32LE(compressedSize, 8);
      descriptor.writeUInt32LE(size, 12);
      await put(descriptor);

      const entry = Buffer.alloc(46);
      entry.writeUInt32LE(0x02014b50, 0);
      entry.writeUInt16LE(20, 4); // version made by
      entry.writeUInt16LE(20, 6); // version needed
      entry.writeUInt16LE(FLAG_DATA_DESCRIPTOR | FLAG_UTF8, 8);
      entry.writeUInt16LE(method, 10);
      entry.writeUInt16LE(DOS_TIME, 12);
      entry.writeUInt16LE(DOS_DATE, 14);
      entry.writeUInt32LE(crc >>> 0, 16);
      entry.writeUInt32LE(compressedSize, 20);
      entry.writeUInt32LE(size, 24);
      entry.writeUInt16LE(name.length, 28);
      entry.writeUInt32LE(headerOffset, 42);
      central.push(entry, name);
      written.push({ name: member.name, size, compressedSize, crc: crc >>> 0 });
    }
    const centralStart = offset;
    const directory = Buffer.concat(central);
    await put(directory);
    if (centralStart > LIMIT || members.length > 0xffff) throw new Error('archive is too large for a classic zip');
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(members.length, 8);
    end.writeUInt16LE(members.length, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(centralStart, 16);
    await put(end);
  } finally {
    await handle.close();
  }
  return { path, bytes: offset, members: written };
}
