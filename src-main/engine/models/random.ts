/**
 * Seeded pseudo-random numbers for weight initialisation and dropout.
 *
 * Every parameter draws from its own stream, keyed by (model seed, parameter name). That makes a weight depend
 * only on the seed and its stable name, not on the order in which modules happen to be built, so adding a
 * module to a model does not reshuffle the initial weights of every other module.
 */

/** FNV-1a, 32-bit: a cheap, well-spread hash of a string. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Derives a 32-bit seed for one named stream from a model seed. */
export function deriveSeed(seed: number, streamName: string): number {
  return hashString(`${seed}:${streamName}`);
}

/** mulberry32: small, fast, and good enough for initialisation (not for cryptography). */
export class SeededRandom {
  private state: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal by Box-Muller; the second value of each pair is kept for the next call. */
  normal(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    let u = this.next();
    while (u <= Number.EPSILON) u = this.next();
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }
}
