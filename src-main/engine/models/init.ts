/**
 * Weight initialisers. Each fills a Float32Array from a seeded stream; the layer that owns a weight decides
 * the scale (it knows the fan-in / fan-out), so the formulas live beside the layers that use them.
 */
import type { Rng } from '../../data/rng';

export type Initializer = (size: number, random: Rng) => Float32Array;

export function constantInit(value: number): Initializer {
  return (size) => new Float32Array(size).fill(value);
}

export function normalInit(std: number): Initializer {
  return (size, random) => {
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = random.normalPaired() * std;
    return values;
  };
}

export function uniformInit(bound: number): Initializer {
  return (size, random) => {
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = (random.next() * 2 - 1) * bound;
    return values;
  };
}

/**
 * Kaiming normal, mode fan_out, ReLU gain: std = sqrt(2 / fan_out). Both reference codebases (Former-DFER and
 * the official IAL code) initialise every Conv2d this way.
 */
export function kaimingNormalFanOut(fanOut: number): Initializer {
  return normalInit(Math.sqrt(2 / fanOut));
}

/**
 * Kaiming uniform with a = sqrt(5), which is PyTorch's default for nn.Linear (the reference codebases leave
 * their Linear layers at that default): bound = gain * sqrt(3 / fan_in) with gain = sqrt(2 / (1 + 5)),
 * i.e. bound = 1 / sqrt(fan_in). PyTorch draws the bias from the same range.
 */
export function kaimingUniformLinear(fanIn: number): Initializer {
  return uniformInit(1 / Math.sqrt(fanIn));
}
