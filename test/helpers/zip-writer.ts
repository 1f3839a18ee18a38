// Zip archives as buffers for tests, written by the project's own streaming zip writer. Entry
// names are written as given, so tests can build hostile archives.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeZip, type ZipMember } from '../../generator/zip-writer.ts';

export type { ZipMember };

export async function zipArchive(members: ZipMember[]): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'procureflow-zip-'));
  try {
    const file = path.join(dir, 'archive.zip');
    await writeZip(file, members);
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
