/**
 * Behaviour every model of the zoo must have, on small inputs (2 clips x 4 frames x 32x32): shapes, gradients
 * to every weight, seeded determinism, BatchNorm modes, weight round trips, and no leaked tensors.
 * The big models get only a few forward+backward passes: the pure-JS cpu backend is slow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { createModel, describeModel, type DferModel, type ModelName } from '../../../src-main/engine/models';
import { crossEntropyLoss, disposeWeights, evalLogits, isNonConstant, oneHotLabels, randomClips, sameValues } from './helpers';

const BATCH = 2;
const FRAMES = 4;
const SIZE = 32;
const CLASSES = 7;
const options = { numClasses: CLASSES, frames: FRAMES, size: SIZE, seed: 1234 };

const EXPECTED_AUX_HEADS: Record<ModelName, number> = { small: 0, 'former-dfer': 0, 'ial-gca': 2 };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(['small', 'former-dfer', 'ial-gca'] as const)('model %s', (name) => {
  let model: DferModel;
  let clips: tf.Tensor5D;
  let targets: tf.Tensor2D;

  beforeAll(() => {
    model = createModel(name, options);
    clips = randomClips(BATCH, FRAMES, SIZE);
    targets = oneHotLabels([1, 5], CLASSES);
  });

  afterAll(() => {
    model.dispose();
    tf.dispose([clips, targets]);
  });

  it('maps [batch, T, H, W, 3] to logits [batch, classes] (and one aux head per GCA block)', () => {
    const { logits, auxLogits = [] } = model.forward(clips, false);
    expect(logits.shape).toEqual([BATCH, CLASSES]);
    expect(auxLogits).toHaveLength(EXPECTED_AUX_HEADS[name]);
    auxLogits.forEach((aux) => expect(aux.shape).toEqual([BATCH, CLASSES]));
    expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([logits, ...auxLogits]);
  });

  it('gives every trainable variable a finite, non-zero gradient, and leaks no tensor across steps', { timeout: 240_000 }, () => {
    const named = model.namedTrainableVariables();
    const step = () => {
      const { value, grads } = tf.variableGrads(() => crossEntropyLoss(model, clips, targets), model.trainableVariables());
      const loss = value.dataSync()[0];
      value.dispose();
      return { loss, grads };
    };
    const before = tf.memory().numTensors;
    const first = step();
    expect(Number.isFinite(first.loss)).toBe(true);
    const byTfName = new Map([...named].map(([stable, variable]) => [variable.name, stable]));
    const problems: string[] = [];
    for (const [tfName, grad] of Object.entries(first.grads)) {
      const values = grad.dataSync();
      const finite = values.every(Number.isFinite);
      const nonZero = values.some((v) => v !== 0);
      if (!finite || !nonZero) problems.push(`${byTfName.get(tfName)}: ${finite ? 'all zero' : 'not finite'}`);
    }
    expect(problems).toEqual([]);
    expect(Object.keys(first.grads)).toHaveLength(named.size);
    tf.dispose(Object.values(first.grads));
    const afterFirst = tf.memory().numTensors;
    const second = step();
    tf.dispose(Object.values(second.grads));
    expect(afterFirst).toBe(before);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('changes BatchNorm running statistics in training mode only', { timeout: 120_000 }, () => {
    const runningNames = () => [...model.getWeights()].filter(([weightName]) => weightName.endsWith('running_mean') || weightName.endsWith('running_var'));
    const snapshot = () => {
      const entries = runningNames();
      const values = new Map(entries.map(([key, t]) => [key, Array.from(t.dataSync())]));
      tf.dispose(entries.map(([, t]) => t));
      return values;
    };
    const initial = snapshot();
    expect(initial.size).toBeGreaterThan(0);
    evalLogits(model, clips);
    expect(snapshot()).toEqual(initial);
    const { logits, auxLogits = [] } = model.forward(clips, true);
    tf.dispose([logits, ...auxLogits]);
    const afterTraining = snapshot();
    for (const [key, values] of afterTraining) expect(values, key).not.toEqual(initial.get(key));
  });

  it('is reproducible from its seed: same seed, same weights and logits; another seed differs', { timeout: 120_000 }, () => {
    const twin = createModel(name, options);
    const other = createModel(name, { ...options, seed: options.seed + 1 });
    const fresh = createModel(name, options); // untouched by training-mode passes above, like twin
    try {
      const a = twin.getWeights();
      const b = fresh.getWeights();
      expect([...a].filter(([key, tensor]) => !sameValues(tensor, b.get(key)!)).map(([key]) => key)).toEqual([]);
      disposeWeights(a);
      disposeWeights(b);
      expect(Array.from(evalLogits(twin, clips))).toEqual(Array.from(evalLogits(fresh, clips)));
      const otherWeights = other.getWeights();
      const freshWeights = fresh.getWeights();
      // Randomly initialised tensors (not constant, unlike BatchNorm/LayerNorm's 1s and 0s) must all differ.
      const wrong = [...freshWeights].filter(([key, tensor]) => sameValues(tensor, otherWeights.get(key)!) === isNonConstant(tensor));
      expect(wrong.map(([key]) => key)).toEqual([]);
      disposeWeights(otherWeights);
      disposeWeights(freshWeights);
    } finally {
      [twin, other, fresh].forEach((m) => m.dispose());
    }
  });

  it('reproduces its logits exactly after a getWeights / setWeights round trip into another instance', { timeout: 120_000 }, () => {
    // `model` has been through training-mode passes, so its BatchNorm statistics are no longer the defaults.
    const copy = createModel(name, { ...options, seed: 99 });
    try {
      const weights = model.getWeights();
      copy.setWeights(weights);
      disposeWeights(weights);
      expect(Array.from(evalLogits(copy, clips))).toEqual(Array.from(evalLogits(model, clips)));
    } finally {
      copy.dispose();
    }
  });

  it('reports the same info as describeModel, whose count is the sum of the variables it allocates', () => {
    const info = model.info();
    expect(describeModel(name, options)).toEqual(info);
    const allocated = model.trainableVariables().reduce((sum, v) => sum + v.size, 0);
    expect(info.params).toBe(allocated);
    expect(info.flopsPerClip).toBeGreaterThan(0);
  });

  it('rejects input of the wrong shape with a message naming the expected one', () => {
    const wrong = randomClips(1, FRAMES + 1, SIZE);
    expect(() => model.forward(wrong, false)).toThrow(`model "${name}" expects input [batch, 4, 32, 32, 3], got [1, 5, 32, 32, 3]`);
    wrong.dispose();
  });
});
