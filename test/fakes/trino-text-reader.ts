// How Athena (Trino) turns a text object into lines for a one-column LazySimpleSerDe table.
// Each rule cites the Trino source it was read from (trinodb/trino, lib/trino-hive-formats).
import { gunzipSync, inflateSync } from 'node:zlib';

/** A query failure as Athena reports it: `StateChangeReason` is the message. */
export class AthenaQueryFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AthenaQueryFailure';
  }
}

/**
 * Rule (g): the codec is chosen by the file NAME's extension, case-sensitively.
 * io/trino/hive/formats/compression/CompressionKind.java `forFile`: the text after the last '.'
 * (dot included) is looked up in a map of the codecs' default extensions (".gz", ".deflate",
 * ".bz2", ".lz4", ".snappy", ".zst", ".lzo", ".lzo_deflate"); TextLineReaderFactory uses it. So
 * `x.dat.GZ` has no codec and its gzip bytes are read as text.
 */
export function codecForFile(fileName: string): 'gzip' | 'deflate' | 'other' | undefined {
  const position = fileName.lastIndexOf('.');
  if (position < 0) return undefined;
  const extension = fileName.slice(position);
  if (extension === '.gz') return 'gzip';
  if (extension === '.deflate') return 'deflate';
  if (['.bz2', '.lz4', '.snappy', '.zst', '.lzo', '.lzo_deflate'].includes(extension)) return 'other';
  return undefined;
}

export function decompressForRead(fileName: string, body: Buffer): Buffer {
  const codec = codecForFile(fileName);
  if (codec === 'gzip') return gunzipSync(body);
  if (codec === 'deflate') return inflateSync(body);
  if (codec === 'other') throw new Error(`fake Athena does not emulate the codec of ${fileName}`);
  return body;
}

/**
 * Rule (h): lines end at LF, CR LF or a lone CR; the terminator is not part of the line; a last
 * line without terminator counts; a UTF-8 BOM at the start of the file is skipped.
 * io/trino/hive/formats/line/text/TextLineReader.java: `isEndOfLineCharacter` is '\n' or '\r',
 * `seekPastLineTerminator` skips a '\r' then an optional '\n'; the constructor skips EF BB BF.
 *
 * Rule (i): a line longer than the reader's limit fails the whole query. Trino's LineBuffer
 * throws "Max line length exceeded" past hive.text.max-line-length (100MB in open-source Trino);
 * Athena documents 200 MB and the message "TextLineLengthLimitExceededException: Too many bytes
 * before newline" (https://docs.aws.amazon.com/athena/latest/ug/other-notable-limitations.html).
 */
export function splitTrinoLines(bytes: Buffer, maxLineBytes: number, fileLabel: string): Buffer[] {
  const lines: Buffer[] = [];
  let start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let position = start;
  const push = (end: number) => {
    if (end - start > maxLineBytes) {
      throw new AthenaQueryFailure(
        `TextLineLengthLimitExceededException: Too many bytes before newline: ${end - start} (limit ${maxLineBytes}) in ${fileLabel}`,
      );
    }
    lines.push(bytes.subarray(start, end));
  };
  while (position < bytes.length) {
    const byte = bytes[position];
    if (byte === 0x0a || byte === 0x0d) {
      push(position);
      position += byte === 0x0d && bytes[position + 1] === 0x0a ? 2 : 1;
      start = position;
    } else {
      position += 1;
    }
  }
  if (position > start) push(position);
  return lines;
}

/**
 * Rule (j): Trino keeps the raw bytes of a line in its VARCHAR slice; invalid UTF-8 is NOT
 * replaced by U+FFFD when read (trinodb/trino#8262). DuckDB strings must be valid UTF-8, so the
 * fake maps each byte of an invalid sequence to a private marker code point U+10FF00 + byte
 * (Supplementary Private Use Area-B, never in our data). Consequences, as on Athena:
 * `strpos(line, chr(65533))` does not see the bad bytes; the fake's `to_utf8`/`from_utf8` macros
 * (trino-macros.ts) make `from_utf8(to_utf8(line)) <> line` true exactly for such lines, since
 * Trino's from_utf8 replaces invalid sequences with U+FFFD.
 */
export const INVALID_BYTE_BASE = 0x10ff00;

export function decodeKeepingInvalidBytes(line: Buffer): string {
  let text = '';
  let index = 0;
  while (index < line.length) {
    const length = validSequenceLength(line, index);
    if (length > 0) {
      text += line.subarray(index, index + length).toString('utf8');
      index += length;
    } else {
      text += String.fromCodePoint(INVALID_BYTE_BASE + (line[index] as number));
      index += 1;
    }
  }
  return text;
}

/** Replaces the markers by U+FFFD, as a client decoding Athena's bytes would see them. */
export function markersToReplacement(text: string): string {
  return text.replace(/[\u{10FF00}-\u{10FFFF}]/gu, '\uFFFD');
}

/** Length of a valid UTF-8 sequence at `index` (RFC 3629: no overlongs, no surrogates), or 0. */
function validSequenceLength(bytes: Buffer, index: number): number {
  const b0 = bytes[index] as number;
  if (b0 < 0x80) return 1;
  const cont = (offset: number, low = 0x80, high = 0xbf) => {
    const b = bytes[index + offset];
    return b !== undefined && b >= low && b <= high;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}
