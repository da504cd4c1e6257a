/**
 * A small seeded PRNG (xoshiro128**, seeded through splitmix32) so that a plan is a pure
 * function of the scenario and its seed: Math.random is never used by the planner.
 *
 * Each concern of the planner draws from its own stream (`new SeededRandom(seed, 'rooms')`),
 * so changing, say, the churn share does not reshuffle the rooms or the send times.
 */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number, stream = '') {
    let state = (Math.trunc(seed) ^ hashString(stream)) >>> 0;
    // A seed above 2^32 still counts: fold its high bits in.
    state = (state ^ Math.trunc(seed / 0x1_0000_0000)) >>> 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Uniform index in [0, length). */
  index(length: number): number {
    return Math.floor(this.next() * length);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** An exponential variate with mean 1 (the gap between arrivals of a unit-rate Poisson process). */
  exponential(): number {
    return -Math.log(1 - this.next());
  }

  /** Shuffles in place (Fisher-Yates). */
  shuffle<T extends { length: number; [index: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.index(i + 1);
      const swap = items[i];
      items[i] = items[j];
      items[j] = swap;
    }
    return items;
  }

  /**
   * Exactly `count` distinct indices of [0, total), as a mask (partial Fisher-Yates): an exact
   * share rather than a coin per item, so a small scenario's "10% churn" is 10%, not 0 or 30%.
   */
  pickMask(count: number, total: number): Uint8Array {
    const mask = new Uint8Array(total);
    const wanted = Math.max(0, Math.min(total, count));
    const order = new Int32Array(total);
    for (let i = 0; i < total; i++) order[i] = i;
    for (let i = 0; i < wanted; i++) {
      const j = i + this.index(total - i);
      const picked = order[j]!;
      order[j] = order[i]!;
      order[i] = picked;
      mask[picked] = 1;
    }
    return mask;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** FNV-1a, 32 bits: turns a stream name into seed bits. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
