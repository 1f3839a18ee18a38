import { PIPE } from './ascii.ts';
import { COLUMNS } from './columns.ts';

export const FIELD_COUNT = COLUMNS.length;

/** How a letter is re-cased when a field is written: kept, upper, first letter upper, or mixed by a bit mask. */
export const RECASE_NONE = 0;
export const RECASE_UPPER = 1;
export const RECASE_CAPITALIZE = 2;
export const RECASE_MIXED = 3;

/**
 * Per-field changes to a valid line (null tokens, padding, odd case), applied at byte level
 * while copying the line from a scratch buffer, so dirty-but-valid lines (~8% of lines) cost
 * little more than clean ones. One instance is reused: `reset` before planning each line.
 */
export class FieldEdits {
  readonly replace: (Uint8Array | null)[] = new Array<Uint8Array | null>(FIELD_COUNT).fill(null);
  readonly padLeft: (Uint8Array | null)[] = new Array<Uint8Array | null>(FIELD_COUNT).fill(null);
  readonly padRight: (Uint8Array | null)[] = new Array<Uint8Array | null>(FIELD_COUNT).fill(null);
  readonly recase = new Uint8Array(FIELD_COUNT);
  /** For RECASE_MIXED: bit (i mod 32) set ⇒ the field's i-th byte is upper-cased, else lower-cased. */
  readonly mixMask = new Uint32Array(FIELD_COUNT);

  reset(): void {
    this.replace.fill(null);
    this.padLeft.fill(null);
    this.padRight.fill(null);
    this.recase.fill(RECASE_NONE);
  }

  /** Copy the line src[0..length) (12 pipe-separated fields) to buf at pos with the edits; returns the end. */
  apply(buf: Uint8Array, pos: number, src: Uint8Array, length: number): number {
    let start = 0;
    for (let f = 0; f < FIELD_COUNT; f++) {
      let end = start;
      while (end < length && src[end] !== PIPE) end++;
      if (f > 0) buf[pos++] = PIPE;
      pos = copyOptional(buf, pos, this.padLeft[f] ?? null);
      const replacement = this.replace[f] ?? null;
      const fieldStart = pos;
      if (replacement) pos = copyOptional(buf, pos, replacement);
      else for (let i = start; i < end; i++) buf[pos++] = src[i] as number;
      const mode = this.recase[f] as number;
      if (mode !== RECASE_NONE) recase(buf, fieldStart, pos, mode, this.mixMask[f] as number);
      pos = copyOptional(buf, pos, this.padRight[f] ?? null);
      start = end + 1;
    }
    return pos;
  }
}

function copyOptional(buf: Uint8Array, pos: number, bytes: Uint8Array | null): number {
  if (bytes) for (let i = 0; i < bytes.length; i++) buf[pos++] = bytes[i] as number;
  return pos;
}

function recase(buf: Uint8Array, from: number, to: number, mode: number, mask: number): void {
  for (let i = from; i < to; i++) {
    const b = buf[i] as number;
    const lower = b | 0x20;
    if (lower < 0x61 || lower > 0x7a) continue; // not a letter
    if (mode === RECASE_UPPER) buf[i] = lower - 32;
    else if (mode === RECASE_CAPITALIZE) {
      buf[i] = lower - 32;
      return;
    } else buf[i] = (mask >>> ((i - from) & 31)) & 1 ? lower - 32 : lower;
  }
}
