/**
 * What a module needs to know about the current forward pass beyond its input: whether it is training
 * (BatchNorm statistics, dropout) and where to draw its next dropout mask from.
 */
import { deriveSeed } from '../../data/rng';

export interface ForwardContext {
  readonly training: boolean;
  /** A fresh seed for one random draw (a dropout mask). */
  nextSeed(): number;
}

/**
 * Dropout masks follow one deterministic sequence per model: mask k of a model seeded s is always the same,
 * so two runs with the same seed and the same batches are identical, yet consecutive steps differ.
 */
export class SeededForwardContexts {
  private draws = 0;

  constructor(private readonly seed: number) {}

  create(training: boolean): ForwardContext {
    return {
      training,
      nextSeed: () => deriveSeed(this.seed, `dropout:${this.draws++}`),
    };
  }
}
