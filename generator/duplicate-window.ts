/**
 * The last few valid lines of a file, the sources of exact duplicates. A line is remembered by
 * its place in the chunk being filled; when the chunk is handed back (the caller may reuse the
 * buffer), the lines still in it are copied aside. So the window, and the bytes generated, do not
 * depend on where chunks end.
 */
export class DuplicateWindow {
  private readonly start: Int32Array;
  private readonly end: Int32Array;
  private readonly carried: Uint8Array;
  private readonly carriedLines: Uint8Array;
  private readonly mask: number;
  private head = 0;
  /** How many lines can be copied (up to the window size). */
  count = 0;

  constructor(
    private readonly size: number,
    private readonly maxLineBytes: number,
  ) {
    if ((size & (size - 1)) !== 0) throw new Error(`DuplicateWindow size must be a power of two, got ${size}`);
    this.mask = size - 1;
    this.start = new Int32Array(size);
    this.end = new Int32Array(size);
    this.carriedLines = new Uint8Array(size);
    this.carried = new Uint8Array(size * maxLineBytes);
  }

  /** A valid line was just written at chunk[start, end). */
  remember(start: number, end: number): void {
    const slot = this.head;
    this.head = (slot + 1) & this.mask;
    this.start[slot] = start;
    this.end[slot] = end;
    this.carriedLines[slot] = 0;
    if (this.count < this.size) this.count++;
  }

  /** Copy the line `back` places before the latest (0 = latest, < count) to chunk[pos...]; returns the end. */
  copy(back: number, chunk: Uint8Array, pos: number): number {
    const slot = (this.head - 1 - back) & this.mask;
    const start = this.start[slot] as number;
    const end = this.end[slot] as number;
    if (this.carriedLines[slot] === 1) chunk.set(this.carried.subarray(start, end), pos);
    else chunk.copyWithin(pos, start, end);
    return pos + end - start;
  }

  /** The chunk is complete: keep copies of the lines still only in it. */
  carry(chunk: Uint8Array): void {
    for (let slot = 0; slot < this.size; slot++) {
      if (this.carriedLines[slot] === 1) continue;
      const start = this.start[slot] as number;
      const end = this.end[slot] as number;
      const at = slot * this.maxLineBytes;
      this.carried.set(chunk.subarray(start, end), at);
      this.start[slot] = at;
      this.end[slot] = at + end - start;
      this.carriedLines[slot] = 1;
    }
  }
}
