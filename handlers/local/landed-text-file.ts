// Prepares a landed .dat for DuckDB's line reader. DuckDB stops a whole read on a byte
// sequence that is not UTF-8, so a file with such bytes (or NUL bytes, or lines past the
// reader's limit) is copied with the offending lines decoded to U+FFFD (and cut); clean files are
// read in place. A line holding U+FFFD is malformed (docs/data-contract.md), on Athena too.
// Lines end at LF, CR LF or a lone CR, as in Trino's text reader (lib/trino-hive-formats/src/main/
// java/io/trino/hive/formats/line/text/TextLineReader.java, isEndOfLineCharacter) and in DuckDB's
// read_csv with the options of DuckDbCatalog.registerLandedFile; this pass splits lines the same way.
import { isUtf8 } from 'node:buffer';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** DuckDB's reader refuses longer lines. */
export const READER_MAX_LINE_BYTES = 16 * 1024 * 1024;
/**
 * DuckDB's read buffer per thread. Its default is 16 × the line limit (256 MB), which two
 * threads cannot get under the memory limit; it must hold at least one whole line.
 */
export const READER_BUFFER_BYTES = 2 * READER_MAX_LINE_BYTES;
/**
 * The local reader's line limit: a longer line is cut to this many bytes in the prepared copy and
 * ends in U+FFFD, so it is one malformed reject and the file's other lines load.
 */
export const MAX_LINE_BYTES = READER_MAX_LINE_BYTES - 64 * 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const REPLACEMENT = Buffer.from('\ufffd', 'utf8');
const NEWLINE_BYTE = Buffer.from([NEWLINE]);

export interface PreparedText {
  /** A glob-safe path for DuckDB to read. */
  path: string;
  gzip: boolean;
  /** Lines that were decoded with replacement characters or cut. */
  repairedLines: number;
}

function open(file: string, gzip: boolean): Readable {
  const raw = createReadStream(file, { highWaterMark: 1024 * 1024 });
  if (!gzip) return raw;
  const gunzip = createGunzip();
  raw.on('error', (error) => gunzip.destroy(error));
  return raw.pipe(gunzip);
}

/** Where the next line end (LF or CR) at or after `from` is, or -1. */
function nextLineEnd(text: Buffer, from: number): number {
  const newline = text.indexOf(NEWLINE, from);
  const carriageReturn = text.indexOf(CARRIAGE_RETURN, from);
  if (newline < 0) return carriageReturn;
  if (carriageReturn < 0) return newline;
  return Math.min(newline, carriageReturn);
}

/** Every line end (LF or CR) from `from` on, in order; each byte is searched once per kind. */
function* lineEnds(text: Buffer, from = 0): Generator<number> {
  let newline = text.indexOf(NEWLINE, from);
  let carriageReturn = text.indexOf(CARRIAGE_RETURN, from);
  while (newline >= 0 || carriageReturn >= 0) {
    const at = newline < 0 ? carriageReturn : carriageReturn < 0 ? newline : Math.min(newline, carriageReturn);
    yield at;
    if (at === newline) newline = text.indexOf(NEWLINE, at + 1);
    if (at === carriageReturn) carriageReturn = text.indexOf(CARRIAGE_RETURN, at + 1);
  }
}

/** Where the last line end (LF or CR) is, or -1. */
function lastLineEnd(text: Buffer): number {
  return Math.max(text.lastIndexOf(NEWLINE), text.lastIndexOf(CARRIAGE_RETURN));
}

function lineIsClean(line: Buffer): boolean {
  return line.length <= MAX_LINE_BYTES && line.indexOf(0) < 0 && isUtf8(line);
}

function stop(stream: Readable): void {
  stream.destroy();
}

type BlockVisitor = (block: Buffer, complete: boolean) => boolean | void | Promise<boolean | void>;

/** Feeds blocks of whole lines to a visitor until the stream ends or the visitor returns false. */
async function forEachLineBlock(stream: Readable, onBlock: BlockVisitor): Promise<void> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const lastNewline = lastLineEnd(data);
    if (lastNewline < 0) {
      carry = data;
      if (carry.length > MAX_LINE_BYTES) {
        // An endless line: hand over what we have, so memory stays bounded.
        if ((await onBlock(carry, false)) === false) return stop(stream);
        carry = Buffer.alloc(0);
      }
      continue;
    }
    if ((await onBlock(data.subarray(0, lastNewline + 1), true)) === false) return stop(stream);
    carry = Buffer.from(data.subarray(lastNewline + 1));
  }
  if (carry.length > 0) await onBlock(carry, true);
}

/** First pass: is every line already acceptable to the reader? Fast path for clean files. */
async function needsRepair(file: string, gzip: boolean): Promise<boolean> {
  let dirty = false;
  await forEachLineBlock(open(file, gzip), (block, complete) => {
    dirty = !complete || !blockIsClean(block);
    return !dirty;
  });
  return dirty;
}

function hasLongLine(block: Buffer): boolean {
  let start = 0;
  for (const end of lineEnds(block)) {
    if (end - start > MAX_LINE_BYTES) return true;
    start = end + 1;
  }
  return block.length - start > MAX_LINE_BYTES;
}

function write(out: WriteStream, data: Buffer): Promise<void> | void {
  if (!out.write(data)) return new Promise((resolve) => out.once('drain', () => resolve()));
}

/**
 * One line (without its line end) as DuckDB can read it: bad bytes and NULs as U+FFFD, a line
 * over the limit cut and marked with U+FFFD, so that it is malformed on every engine.
 */
export function repairLine(line: Buffer): Buffer {
  const cut = line.length > MAX_LINE_BYTES;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(cut ? line.subarray(0, MAX_LINE_BYTES) : line);
  // eslint-disable-next-line no-control-regex
  const repaired = Buffer.from(text.replace(/\u0000/g, '\ufffd'), 'utf8');
  return cut ? Buffer.concat([repaired, REPLACEMENT]) : repaired;
}

/** Whether a block of whole lines can be copied as it is. */
function blockIsClean(block: Buffer): boolean {
  return block.indexOf(0) < 0 && isUtf8(block) && (block.length <= MAX_LINE_BYTES || !hasLongLine(block));
}

/** Below this size a dirty block is repaired line by line instead of being split again. */
const LINE_BY_LINE_BYTES = 4 * 1024;

/**
 * Copies a block of whole lines, repairing the dirty ones. Clean halves are copied whole, so a
 * file with a few bad lines costs a few fast checks per block rather than a check per line.
 */
async function writeBlock(out: WriteStream, block: Buffer): Promise<number> {
  if (blockIsClean(block)) {
    await write(out, block);
    return 0;
  }
  const middle = block.length > LINE_BY_LINE_BYTES ? nextLineEnd(block, block.length >> 1) : -1;
  if (middle >= 0 && middle < block.length - 1) {
    return (await writeBlock(out, block.subarray(0, middle + 1))) + (await writeBlock(out, block.subarray(middle + 1)));
  }
  // Few lines left: copy the clean runs between dirty lines whole; line ends are kept as they are.
  let repaired = 0;
  let runStart = 0;
  let start = 0;
  for (const stop of [...lineEnds(block), block.length]) {
    const line = block.subarray(start, stop);
    if (!lineIsClean(line)) {
      if (start > runStart) await write(out, block.subarray(runStart, start));
      await write(out, repairLine(line));
      repaired++;
      runStart = stop;
    }
    start = stop + 1;
  }
  if (runStart < block.length) await write(out, block.subarray(runStart));
  return repaired;
}

async function writeRepaired(file: string, gzip: boolean, target: string): Promise<number> {
  const out = createWriteStream(target);
  let repaired = 0;
  let partialLine = false;
  try {
    await forEachLineBlock(open(file, gzip), async (block, complete) => {
      if (!complete) {
        // Only the first piece of an endless line is kept (marked), the rest is dropped.
        if (!partialLine) {
          await write(out, Buffer.concat([repairLine(block), NEWLINE_BYTE]));
          repaired++;
        }
        partialLine = true;
        return;
      }
      let rest = block;
      if (partialLine) {
        // The tail of an endless line, already written.
        const end = nextLineEnd(block, 0);
        rest = end < 0 ? Buffer.alloc(0) : block.subarray(end + 1);
        partialLine = false;
      }
      repaired += await writeBlock(out, rest);
    });
  } finally {
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
  return repaired;
}

/** Removes what `prepareLandedText` left for `name`. */
export async function removePreparedText(workDir: string, name: string): Promise<void> {
  await Promise.all([rm(path.join(workDir, `${name}.dat`), { force: true }), rm(path.join(workDir, `${name}.dat.gz`), { force: true })]);
}

/** Gives DuckDB a readable path for a landed file under `workDir/<name>`. */
export async function prepareLandedText(file: string, workDir: string, name: string): Promise<PreparedText> {
  const gzip = /\.gz$/i.test(file);
  await mkdir(workDir, { recursive: true });
  const target = path.join(workDir, gzip ? `${name}.dat.gz` : `${name}.dat`);
  await rm(target, { force: true });
  if (!(await needsRepair(file, gzip))) {
    // A link with a safe name: the landed key may hold characters DuckDB reads as a glob.
    await symlink(path.resolve(file), target);
    return { path: target, gzip, repairedLines: 0 };
  }
  const repairedTarget = path.join(workDir, `${name}.dat`);
  const repairedLines = await writeRepaired(file, gzip, repairedTarget);
  return { path: repairedTarget, gzip: false, repairedLines };
}
