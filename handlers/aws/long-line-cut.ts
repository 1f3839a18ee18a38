// A stream that cuts every line longer than a limit and marks it, in bounded memory: bytes pass
// through as they come, only a counter of the current line's length is kept, so a 3 GB line costs
// no more memory than a short one.
//
// Why: Athena fails the WHOLE query on a text line over its limit ("Max line length in a text
// file – The size of single line in a text file has an upper limit of 200 MB. Exceeding this limit
// can produce the error message TextLineLengthLimitExceededException: Too many bytes before
// newline", Athena docs, "Considerations and limitations for SQL queries"), and a row over 32 MB is
// refused too (same page, "Row or column size limitation"). The local reader cuts lines over
// MAX_LINE_BYTES and appends U+FFFD (handlers/local/landed-text-file.ts); the silver SQL makes any
// line holding U+FFFD `malformed` on both engines. Cutting at the same limit with the same mark
// gives the same outcome on Athena: the file's other lines load, the long line is one reject.
//
// Lines end at LF, CR LF or a lone CR, as in Trino's text line reader (TextLineReader
// .isEndOfLineCharacter), so the count restarts at either byte.
import { Transform, type TransformCallback } from 'node:stream';

/** The local reader's limit (handlers/local/landed-text-file.ts MAX_LINE_BYTES; a test keeps them equal). */
export const CLOUD_MAX_LINE_BYTES = 16 * 1024 * 1024 - 64 * 1024;
/** U+FFFD in UTF-8: the mark of a cut line. */
export const CUT_MARK = Buffer.from('\ufffd', 'utf8');

const LF = 0x0a;
const CR = 0x0d;

export interface LineCutter extends Transform {
  /** How many lines were cut so far. */
  cutLines(): number;
}

/** Cuts lines longer than `maxLineBytes` to that length and appends U+FFFD; everything else passes unchanged. */
export function cutLongLines(maxLineBytes: number = CLOUD_MAX_LINE_BYTES): LineCutter {
  if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1) throw new Error(`maxLineBytes must be a positive integer, got ${maxLineBytes}`);
  let lineBytes = 0;
  let cutting = false;
  let cuts = 0;
  const cutter = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      const out: Buffer[] = [];
      let start = 0;
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (byte === LF || byte === CR) {
          if (cutting) {
            start = i; // the line end itself is kept
            cutting = false;
          }
          lineBytes = 0;
          continue;
        }
        if (cutting) continue;
        lineBytes++;
        if (lineBytes > maxLineBytes) {
          // Keep the first maxLineBytes bytes of the line, mark it, drop the rest up to its end.
          out.push(chunk.subarray(start, i), CUT_MARK);
          cutting = true;
          cuts++;
        }
      }
      if (!cutting) out.push(chunk.subarray(start));
      callback(null, out.length === 1 ? out[0] : Buffer.concat(out));
    },
  }) as LineCutter;
  cutter.cutLines = () => cuts;
  return cutter;
}
