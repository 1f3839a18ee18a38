/** Byte values and small text helpers shared by the line writers. */
export const PIPE = 0x7c;
export const LF = 0x0a;
export const CR = 0x0d;

/** A string of chars 0..255 as bytes, one per char (latin1). */
export function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0) & 0xff);
}

/** An amount in cents as `units.cc`, e.g. 1999 → 19.99. */
export function formatCents(cents: number): string {
  const units = Math.floor(cents / 100);
  return `${units}.${String(cents - units * 100).padStart(2, '0')}`;
}
