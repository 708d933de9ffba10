/** The factory's options and its error messages. */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { createModel, describeModel, MODEL_NAMES } from '../../../src-main/engine/models';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('createModel / describeModel', () => {
  it('lists the three models and rejects an unknown name, listing the known ones', () => {
    expect(MODEL_NAMES).toEqual(['small', 'former-dfer', 'ial-gca']);
    expect(() => createModel('resnet50', { seed: 1 })).toThrow('unknown model "resnet50"; known models: small, former-dfer, ial-gca');
  });

  it.each([
    ['small', 16],
    ['former-dfer', 17],
    ['ial-gca', 17],
  ] as const)('%s accepts frames down to %ix%i and explains a smaller size', (name, minimum) => {
    expect(describeModel(name, { seed: 1, size: minimum, frames: 4 }).params).toBeGreaterThan(0);
    expect(() => describeModel(name, { seed: 1, size: minimum - 1, frames: 4 })).toThrow(
      new RegExp(`model "${name}" needs frames of at least ${minimum}x${minimum} \\(.+\\); got ${minimum - 1}x${minimum - 1}`),
    );
  });

  it('needs two frames for ial-gca (frame differences) and validates every option by name', () => {
    expect(() => describeModel('ial-gca', { seed: 1, frames: 1 })).toThrow(/at least 2 frames/);
    expect(() => describeModel('small', { seed: 1, numClasses: 1 })).toThrow('model option "numClasses" must be an integer >= 2, got 1');
    expect(() => describeModel('small', { seed: 1, size: 31.5 })).toThrow(/"size" must be an integer/);
    expect(() => describeModel('small', { seed: 0.5 })).toThrow(/"seed" must be an integer/);
    expect(() => describeModel('small', { seed: 1, dropout: 1 })).toThrow(/"dropout" must be in \[0, 1\)/);
  });

  it('defaults to 7 classes, 16 frames of 112x112, no dropout, also for options passed as undefined', () => {
    const model = createModel('small', { seed: 3 });
    expect(model.options).toEqual({ numClasses: 7, frames: 16, size: 112, seed: 3, dropout: 0 });
    model.dispose();
    const explicit = { seed: 3, numClasses: undefined, frames: undefined, size: undefined, dropout: undefined };
    expect(describeModel('small', explicit)).toEqual(describeModel('small', { seed: 3 }));
  });
});
