/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128 bits of state, passes
 * PractRand, and in V8 it is a handful of int32 ops per draw. Every random choice of the
 * generator comes from an instance seeded by (seed, stream...) so each file has its own
 * stream and files can be generated in any order or in parallel with identical bytes.
 */
export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, ...stream: number[]) {
    // splitmix32 over the key words spreads seed/stream into four state words
    let h = mix32(seedLow(seed) ^ 0x9e3779b9) ^ mix32(seedHigh(seed) + 0x7f4a7c15);
    for (const s of stream) h = mix32(h ^ mix32(s + 0x632be5ab));
    this.a = mix32(h + 0x9e3779b9);
    this.b = mix32(h + 0x3c6ef372);
    this.c = mix32(h + 0xdaa66d2b);
    this.d = 1;
    for (let i = 0; i < 15; i++) this.u32();
  }

  /** Uniform integer in [0, 2^32). */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n), n < 2^32. */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** A uniformly chosen element. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }

  /** Standard normal variate (Box-Muller); only used while building the catalog. */
  normal(): number {
    const u = 1 - this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }
}

/** murmur3's 32-bit finalizer: a cheap, well-mixing integer hash. */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Stateless uniform [0, 1) for a (seed, key) pair, key a non-negative safe integer. */
export function hashUnit(seed: number, key: number): number {
  let h = mix32(seedLow(seed) ^ 0x5bd1e995);
  h = mix32(h ^ seedHigh(seed));
  h = mix32(h ^ (key >>> 0));
  h = mix32(h ^ (Math.floor(key / 4294967296) + 0x68e31da4));
  return h / 4294967296;
}

function seedLow(seed: number): number {
  return seed >>> 0;
}

function seedHigh(seed: number): number {
  return Math.floor(seed / 4294967296) >>> 0;
}
