import { open } from 'node:fs/promises';
import { FileGenerator, type FileCounts, type GeneratorConfig } from './file-generator.ts';
import type { FilePlan } from './file-plan.ts';
import { MB } from './size.ts';

/** Output chunk size: big enough that syscalls are rare, small enough to stay in L2/L3-friendly sizes. */
export const CHUNK_BYTES = MB;

/**
 * Chunk buffers are recycled from file to file: freshly allocated ones are external memory
 * that V8 frees only at its next full GC, which can be many files later.
 */
const spareChunks: Buffer[] = [];

function takeChunk(): Buffer {
  return spareChunks.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
}

export interface WrittenFile extends FileCounts {
  path: string;
  bytes: number;
}

/**
 * Generate one planned file to disk. Two buffers alternate: while the kernel copies one (an
 * fs write on libuv's thread pool), the generator fills the other. Awaiting each write before
 * reusing its buffer is the backpressure, so memory stays at two chunks whatever the file size.
 */
export async function writePlannedFile(config: GeneratorConfig, plan: FilePlan, onChunk?: (bytes: number) => void): Promise<WrittenFile> {
  const generator = new FileGenerator(config, plan);
  const handle = await open(plan.path, 'w');
  const buffers = [takeChunk(), takeChunk()] as const;
  let bytes = 0;
  let pending: Promise<void> = Promise.resolve();
  try {
    for (let turn = 0; ; turn++) {
      const buf = turn & 1 ? buffers[1] : buffers[0];
      const length = generator.fill(buf);
      await pending;
      if (length === 0) break;
      pending = writeFully(handle, buf, length).then(() => onChunk?.(length));
      bytes += length;
    }
  } finally {
    await pending.catch(() => undefined); // never close (or recycle a buffer) under an in-flight write
    await handle.close();
    spareChunks.push(...buffers);
  }
  return { path: plan.path, bytes, ...generator.counts };
}

async function writeFully(handle: Awaited<ReturnType<typeof open>>, buf: Buffer, length: number): Promise<void> {
  let offset = 0;
  while (offset < length) {
    const { bytesWritten } = await handle.write(buf, offset, length - offset);
    offset += bytesWritten;
  }
}
