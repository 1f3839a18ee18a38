/**
 * O(1) sampling from a fixed discrete distribution: a table of 2^bits slots, each holding the
 * item whose cumulative-weight interval contains the slot's midpoint. One random u32 picks a
 * slot. Probabilities are quantised to 1/2^bits, which is plenty for synthetic data and far
 * cheaper per draw than a binary search over the cumulative weights.
 */
export class WeightedTable {
  private readonly slots: Uint16Array;
  private readonly shift: number;

  constructor(weights: readonly number[], bits = 16) {
    if (weights.length === 0 || weights.length > 65536) throw new Error(`WeightedTable needs 1..65536 weights, got ${weights.length}`);
    if (bits < 1 || bits > 24) throw new Error(`WeightedTable bits must be in 1..24, got ${bits}`);
    const total = weights.reduce((sum, w) => sum + w, 0);
    if (!(total > 0)) throw new Error('WeightedTable needs a positive total weight');
    const size = 2 ** bits;
    this.slots = new Uint16Array(size);
    this.shift = 32 - bits;
    let item = 0;
    let cumulative = weights[0] ?? 0;
    for (let slot = 0; slot < size; slot++) {
      const target = ((slot + 0.5) / size) * total;
      while (cumulative < target && item < weights.length - 1) cumulative += weights[++item] ?? 0;
      this.slots[slot] = item;
    }
  }

  /** The item index for a uniform random u32. */
  sample(u32: number): number {
    return this.slots[u32 >>> this.shift] as number;
  }
}
