/**
 * Which frames of a clip the model sees: the clip is cut into T equal segments; training takes a random
 * frame in each segment, evaluation the segment centre (METHOD.md, "Training protocol").
 *
 * Segments have real-valued length n/T. For evaluation this is exactly the reference code's
 * `int(tick / 2 + tick * i)`. For training the reference uses integer segments of `n // T` frames, which
 * never samples the last `n mod T` frames; here the segments cover the whole clip instead.
 * Clips shorter than T (the reference code drops them, or samples frame 0 sixteen times) repeat frames
 * in order, each about T/n times, and say how many of the T were repeats.
 */
import type { Rng } from './rng';

export type SamplingMode = 'train' | 'eval';

export interface FrameSample {
  /** T frame indices into the clip's sorted frames, non-decreasing. */
  indices: number[];
  /** How many of the T entries repeat an earlier frame because the clip is shorter than T. */
  padded: number;
}

export function sampleFrameIndices(frameCount: number, frames: number, mode: SamplingMode, rng?: Rng): FrameSample {
  if (!Number.isInteger(frameCount) || frameCount < 1) throw new Error(`cannot sample from a clip with ${frameCount} frames`);
  if (!Number.isInteger(frames) || frames < 1) throw new Error(`frames per clip must be a positive integer, got ${frames}`);
  if (mode === 'train' && !rng) throw new Error('training sampling needs a seeded rng');
  const segment = frameCount / frames;
  const indices = new Array<number>(frames);
  for (let i = 0; i < frames; i++) {
    if (mode === 'eval' || frameCount < frames) {
      // Segments shorter than a frame hold at most one frame: take the one under the centre.
      indices[i] = Math.min(frameCount - 1, Math.floor(segment * (i + 0.5)));
    } else {
      const start = Math.floor(segment * i);
      const end = Math.floor(segment * (i + 1)); // exclusive, > start because segment >= 1
      indices[i] = start + rng!.int(end - start);
    }
  }
  return { indices, padded: Math.max(0, frames - frameCount) };
}
