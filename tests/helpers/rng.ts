import { createRng } from '../../src-main/data/rng';

/** A seeded uniform [0, 1) source for fixtures, from the app's one RNG module (mulberry32). */
export function seededUniform(seed: number): () => number {
  const rng = createRng(seed);
  return () => rng.next();
}
