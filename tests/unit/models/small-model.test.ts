/** Behaviour specific to the `small` model, cheap enough to check on the cpu backend. */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { createModel } from '../../../src-main/engine/models';
import { evalLogits, randomClips } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('small', () => {
  it('models time: reversing the frame order changes its logits (positional embeddings + temporal attention)', () => {
    const model = createModel('small', { seed: 5, frames: 4, size: 32 });
    const clips = randomClips(2, 4, 32);
    const reversed = tf.reverse(clips, 1) as tf.Tensor5D;
    expect(Array.from(evalLogits(model, reversed))).not.toEqual(Array.from(evalLogits(model, clips)));
    model.dispose();
  });

  it('applies seeded dropout in training only', () => {
    const withDropout = createModel('small', { seed: 5, frames: 4, size: 32, dropout: 0.5 });
    const clips = randomClips(2, 4, 32);
    // Evaluation is deterministic.
    expect(Array.from(evalLogits(withDropout, clips))).toEqual(Array.from(evalLogits(withDropout, clips)));
    // Training passes draw fresh masks each time...
    const trainLogits = (model: typeof withDropout) => {
      const { logits } = model.forward(clips, true);
      const values = Array.from(logits.dataSync());
      logits.dispose();
      return values;
    };
    const first = trainLogits(withDropout);
    expect(trainLogits(withDropout)).not.toEqual(first);
    // ...from a sequence fixed by the seed: a fresh twin replays it.
    const twin = createModel('small', { seed: 5, frames: 4, size: 32, dropout: 0.5 });
    expect(trainLogits(twin)).toEqual(first);
    withDropout.dispose();
    twin.dispose();
  });

  it('runs at its minimum size, 16x16 (a 1x1 map after four stride-2 stages)', () => {
    const model = createModel('small', { seed: 1, frames: 2, size: 16 });
    const { logits } = model.forward(randomClips(2, 2, 16), true);
    expect(logits.shape).toEqual([2, 7]);
    model.dispose();
  });
});
