/**
 * The one seeded-randomness module. Every random choice on the main side comes from here (never Math.random):
 * frame sampling, augmentation, hold-out splits, study seeds, weight initialisation, dropout masks and the
 * synthetic data set.
 *
 * Streams are derived from labels, not drawn in sequence: a clip, a parameter or a synthetic subject gets its
 * own stream keyed by (seed, names...), so results do not depend on how many clips are decoded in parallel,
 * on the order modules are built, or on which clips were rendered before.
 *
 * Three seed derivations and two generator cores live here because each one fixes streams that already exist
 * on disk or in reported numbers: `hashSeed` + mulberry32 for the data pipeline and studies, `deriveSeed` +
 * mulberry32 for model weights and dropout, `hashLabel` + sfc32 for the synthetic data set (README's
 * replication study was run on it). Unifying them would change every initial weight, every sampled frame and
 * every synthetic pixel for the same seed; they share one FNV-1a core, one finaliser, one sampler set.
 * tests/unit/data/rng.test.ts pins the streams to their pre-merge values.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a of a string's UTF-16 code units (unsigned). */
export function fnv1a(text: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** The first half of murmur3's fmix32: enough avalanche for near-identical keys (clip 00001 vs 00002). */
function mixHalf(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h;
}

/** murmur3's full fmix32 finaliser. */
function fmix32(h: number): number {
  h = Math.imul(mixHalf(h), 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Seed for a data-pipeline stream (sampling, augmentation, hold-out, studies): parts joined, hashed, mixed. */
export function hashSeed(...parts: (string | number)[]): number {
  return mixHalf(fnv1a(parts.join('\u0001'))) >>> 0;
}

/** Seed for one named model stream (a parameter's initial values, one dropout draw). */
export function deriveSeed(seed: number, streamName: string): number {
  return fnv1a(`${seed}:${streamName}`);
}

/** Seed for a synthetic-data stream: each part typed (so 1 and '1' differ), hashed, fully mixed. */
export function hashLabel(...parts: Array<string | number>): number {
  return fmix32(fnv1a(parts.map((part) => `${typeof part}:${part}|`).join('')));
}

/** The generator core: mulberry32 (32-bit state) or sfc32 (128-bit state; the synthetic set's). */
export type RngCore = 'mulberry32' | 'sfc32';

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function sfc32(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard the first outputs: sfc32 needs a few rounds to mix a low-entropy seed.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** A seeded stream with sampling helpers. Not for cryptography. */
export class Rng {
  readonly nextUint32: () => number;
  private spareNormal: number | null = null;

  constructor(seed: number, core: RngCore = 'mulberry32') {
    this.nextUint32 = core === 'sfc32' ? sfc32(seed) : mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi] (both ends included). */
  intBetween(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** Uniform in [a, b). */
  uniform(a: number, b: number): number {
    return a + (b - a) * this.next();
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** Normal by Box-Muller, one value per call (two uniforms each): the synthetic set's sampler. */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Normal clipped to [lo, hi]. */
  normalClamped(mean: number, sd: number, lo: number, hi: number): number {
    return Math.min(hi, Math.max(lo, this.normal(mean, sd)));
  }

  /**
   * Standard normal by Box-Muller using both values of each pair (the second is kept for the next call), with
   * u drawn again while it is ~0: weight initialisation's sampler, half the draws of `normal`.
   */
  normalPaired(): number {
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

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Picks an index with probability proportional to `weights`. */
  weightedIndex(weights: readonly number[]): number {
    const total = weights.reduce((s, w) => s + w, 0);
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** Fisher-Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

/** A data-pipeline stream (mulberry32). */
export function createRng(seed: number): Rng {
  return new Rng(seed);
}

/** Fisher-Yates shuffle, in place. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  return rng.shuffle(items);
}

/** An independent synthetic-data stream for one purpose, e.g. `forkRng(seed, 'identity', 3)` (sfc32). */
export function forkRng(seed: number, ...labels: Array<string | number>): Rng {
  return new Rng(hashLabel(seed, ...labels), 'sfc32');
}

/** The stream for one named model parameter or dropout draw (mulberry32). */
export function modelRng(seed: number, streamName: string): Rng {
  return new Rng(deriveSeed(seed, streamName));
}
