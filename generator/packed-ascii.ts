/**
 * ASCII pieces packed little-endian into 32-bit words, written with DataView.setUint32: one
 * store per 4 bytes instead of a store (and a bounds check) per byte. That roughly halves the
 * cost of writing a line, the generator's hot spot.
 *
 * A piece's last word may carry up to 3 bytes of padding past its length. Lines are written
 * strictly left to right, so that overshoot is always overwritten by the next piece or lands
 * beyond the end of the data (callers keep slack at the end of every buffer).
 */
import { asciiBytes } from './ascii.ts';

export interface Piece {
  readonly words: Uint32Array;
  readonly length: number;
}

export function piece(text: string): Piece {
  return { words: packWords(asciiBytes(text)), length: text.length };
}

/** Bytes → little-endian words (byte i is bits 8*(i%4) of word i/4), whatever the host's endianness. */
export function packWords(bytes: Uint8Array, words: Uint32Array = new Uint32Array(Math.ceil(bytes.length / 4)), fromByte = 0): Uint32Array {
  for (let w = fromByte >>> 2; w < words.length; w++) {
    let word = 0;
    for (let b = 3; b >= 0; b--) word = (word << 8) | (bytes[4 * w + b] ?? 0);
    words[w] = word >>> 0;
  }
  return words;
}

export function writePiece(view: DataView, pos: number, p: Piece): number {
  const words = p.words;
  for (let i = 0; i < words.length; i++) view.setUint32(pos + 4 * i, words[i] as number, true);
  return pos + p.length;
}

/** Numbers 0..size-1 as text of at most 4*wordsPer chars, `wordsPer` words each: entry n starts at `n * wordsPer`. */
export function packedTable(size: number, wordsPer: number, format: (n: number) => string): Uint32Array {
  const table = new Uint32Array(size * wordsPer);
  for (let n = 0; n < size; n++) {
    const text = format(n);
    for (let i = 0; i < text.length && i < 4 * wordsPer; i++) {
      const w = n * wordsPer + (i >>> 2);
      table[w] = (table[w] as number) | ((text.charCodeAt(i) & 0xff) << (8 * (i & 3)));
    }
  }
  return table;
}
