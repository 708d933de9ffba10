/** The module toolkit: seeded named parameters, layers with PyTorch semantics, weight maps. */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { constantInit, kaimingNormalFanOut, normalInit } from '../../../src-main/engine/models/init';
import { ParamStore, Scope } from '../../../src-main/engine/models/params';
import { SeededForwardContexts } from '../../../src-main/engine/models/forward-context';
import { Conv2d } from '../../../src-main/engine/models/layers/conv2d';
import { maxPool2d } from '../../../src-main/engine/models/layers/pooling';
import { BatchNorm2d } from '../../../src-main/engine/models/layers/batch-norm';
import { Linear } from '../../../src-main/engine/models/layers/linear';
import { LayerNorm } from '../../../src-main/engine/models/layers/layer-norm';
import { dropout, gelu } from '../../../src-main/engine/models/layers/activations';

const train = new SeededForwardContexts(1).create(true);
const evaluate = new SeededForwardContexts(1).create(false);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ParamStore', () => {
  it('gives the same seed and name the same values, whatever the creation order', () => {
    const a = new ParamStore(42);
    const b = new ParamStore(42);
    const a1 = a.create('layer.weight', [3, 4], normalInit(1), true);
    a.create('other.weight', [5], normalInit(1), true);
    b.create('other.weight', [5], normalInit(1), true);
    const b1 = b.create('layer.weight', [3, 4], normalInit(1), true);
    expect(Array.from(a1.value.dataSync())).toEqual(Array.from(b1.value.dataSync()));
    const c = new ParamStore(43);
    const c1 = c.create('layer.weight', [3, 4], normalInit(1), true);
    expect(Array.from(c1.value.dataSync())).not.toEqual(Array.from(a1.value.dataSync()));
    [a, b, c].forEach((store) => store.dispose());
  });

  it('names parameters by dotted scope and rejects duplicates', () => {
    const store = new ParamStore(1);
    const scope = new Scope(store).child('layer1').child(0).child('conv1');
    expect(scope.weight('weight', [2], constantInit(0)).name).toBe('layer1.0.conv1.weight');
    expect(() => scope.weight('weight', [2], constantInit(0))).toThrow(/duplicate parameter name "layer1.0.conv1.weight"/);
    store.dispose();
  });

  it('draws Kaiming-normal weights with std sqrt(2 / fan_out)', () => {
    const store = new ParamStore(3);
    const fanOut = 64 * 9;
    const w = store.create('w', [3, 3, 64, 64], kaimingNormalFanOut(fanOut), true);
    const values = Array.from(w.value.dataSync());
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
    expect(Math.abs(mean)).toBeLessThan(0.005);
    expect(std / Math.sqrt(2 / fanOut)).toBeCloseTo(1, 1);
    store.dispose();
  });

  it('refuses a weight map with a missing, mis-shaped or unknown entry, naming it, and changes nothing', () => {
    const store = new ParamStore(5);
    const weight = store.create('fc.weight', [2, 3], normalInit(1), true);
    store.create('bn.running_mean', [3], constantInit(0), false);
    const before = Array.from(weight.value.dataSync());
    const good = store.getWeights();
    const missing = new Map(good);
    missing.delete('bn.running_mean');
    expect(() => store.setWeights(missing)).toThrow(/missing weight "bn.running_mean"/);
    const misShaped = new Map(good).set('fc.weight', tf.zeros([3, 2]));
    expect(() => store.setWeights(misShaped)).toThrow(/weight "fc.weight" has shape \[3, 2\], expected \[2, 3\]/);
    const unknown = new Map(good).set('fc.bias', tf.zeros([3]));
    expect(() => store.setWeights(unknown)).toThrow(/unexpected weight "fc.bias"/);
    expect(Array.from(weight.value.dataSync())).toEqual(before);
    tf.dispose([...good.values(), misShaped.get('fc.weight')!, unknown.get('fc.bias')!]);
    store.dispose();
  });

  it('describes without allocating: shapes and counts only', () => {
    const before = tf.memory().numTensors;
    const store = new ParamStore(1, false);
    const p = store.create('big', [1000, 1000], normalInit(1), true);
    store.create('stat', [10], constantInit(0), false);
    expect(store.count('trainable')).toBe(1_000_000);
    expect(store.count('state')).toBe(10);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => p.value).toThrow(/built for description only/);
  });
});

describe('Conv2d and pooling', () => {
  it('pads symmetrically like PyTorch (3x3, stride 2, padding 1)', () => {
    const store = new ParamStore(1);
    const conv = new Conv2d(new Scope(store).child('c'), { inChannels: 1, outChannels: 1, kernel: 3, stride: 2, padding: 1 });
    conv.weight.value.assign(tf.ones([3, 3, 1, 1]));
    // A 4x4 input of ones: windows are centred on rows/cols 0 and 2, so the top-left window overlaps the
    // image in a 2x2 block (sum 4), the others in 2x3 / 3x3 blocks. tfjs 'same' would start at row 1 instead.
    const out = conv.apply(tf.ones([1, 4, 4, 1]));
    expect(out.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(out.dataSync())).toEqual([4, 6, 6, 9]);
    expect(conv.outputSize(112, 112)).toEqual([56, 56]);
    expect(conv.outputSize(7, 7)).toEqual([4, 4]);
    store.dispose();
  });

  it('max-pools with padding that never wins (all-negative input)', () => {
    const x = tf.fill([1, 56, 56, 1], -3) as tf.Tensor4D;
    const pooled = maxPool2d(x, 3, 2, 1);
    expect(pooled.shape).toEqual([1, 28, 28, 1]);
    expect(pooled.max().dataSync()[0]).toBe(-3);
  });

  it('counts 2 x multiply-accumulates', () => {
    const conv = new Conv2d(new Scope(new ParamStore(1, false)), { inChannels: 64, outChannels: 128, kernel: 3, stride: 2, padding: 1 });
    expect(conv.flops(56, 56)).toBe(2 * 28 * 28 * 128 * 64 * 9);
  });
});

describe('BatchNorm2d', () => {
  it('normalises with batch statistics in training and moves running stats by 10% (unbiased variance)', () => {
    const store = new ParamStore(1);
    const bn = new BatchNorm2d(new Scope(store).child('bn'), 2);
    // Channel 0 holds 1, 2, 3, 4 and channel 1 holds 10, 20, 30, 40 over N=2, H=1, W=2.
    const x = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40], [2, 1, 2, 2]);
    const y = bn.apply(x, train);
    const yValues = Array.from(y.dataSync());
    const biasedVar0 = 1.25; // var of 1..4
    expect(yValues[0]).toBeCloseTo((1 - 2.5) / Math.sqrt(biasedVar0 + 1e-5), 4);
    expect(Array.from(bn.runningMean.value.dataSync())).toEqual([expect.closeTo(0.25, 5), expect.closeTo(2.5, 5)]);
    // unbiased var: 1..4 -> 5/3, 10..40 -> 500/3; running = 0.9 * 1 + 0.1 * unbiased
    expect(Array.from(bn.runningVar.value.dataSync())).toEqual([
      expect.closeTo(0.9 + 0.1 * (5 / 3), 5),
      expect.closeTo(0.9 + 0.1 * (500 / 3), 3),
    ]);
    store.dispose();
  });

  it('back-propagates exactly like autodiff through the textbook formula with batch statistics', () => {
    const store = new ParamStore(1);
    const bn = new BatchNorm2d(new Scope(store).child('bn'), 3);
    bn.weight.value.assign(tf.tensor1d([0.5, -2, 1.5]));
    bn.bias.value.assign(tf.tensor1d([0.1, 0.2, -0.3]));
    const x = tf.randomNormal([2, 3, 4, 3], 1, 2, 'float32', 4) as tf.Tensor4D;
    const probe = tf.randomNormal([2, 3, 4, 3], 0, 1, 'float32', 5);
    const gamma = bn.weight.value;
    const beta = bn.bias.value;
    const textbook = (input: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(input, [0, 1, 2]);
      return tf.add(tf.mul(tf.div(tf.sub(input, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
    };
    const expected = tf.grads((input, g, b) => tf.sum(tf.mul(textbook(input, g, b), probe)))([x, gamma, beta]);
    const actual = tf.grads((input) => tf.sum(tf.mul(bn.apply(input as tf.Tensor4D, train), probe)))([x]);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.apply(x, train), probe)) as tf.Scalar, [gamma, beta]);
    const close = (a: tf.Tensor, b: tf.Tensor) => {
      const bv = b.dataSync();
      a.dataSync().forEach((v, i) => expect(v).toBeCloseTo(bv[i], 4));
    };
    close(actual[0], expected[0]);
    close(grads[gamma.name], expected[1]);
    close(grads[beta.name], expected[2]);
    close(bn.apply(x, train), textbook(x, gamma, beta));
    store.dispose();
  });

  it('uses and keeps the running statistics in evaluation', () => {
    const store = new ParamStore(1);
    const bn = new BatchNorm2d(new Scope(store).child('bn'), 1);
    bn.runningMean.value.assign(tf.tensor1d([2]));
    bn.runningVar.value.assign(tf.tensor1d([4]));
    const y = bn.apply(tf.tensor4d([6, 0], [2, 1, 1, 1]), evaluate);
    expect(Array.from(y.dataSync())).toEqual([expect.closeTo(2, 4), expect.closeTo(-1, 4)]);
    expect(bn.runningMean.value.dataSync()[0]).toBe(2);
    expect(bn.runningVar.value.dataSync()[0]).toBe(4);
    expect(bn.runningMean.trainable).toBe(false);
    store.dispose();
  });
});

describe('Linear, LayerNorm, GELU, dropout', () => {
  it('Linear computes x W + b over the last axis of any rank', () => {
    const store = new ParamStore(1);
    const fc = new Linear(new Scope(store).child('fc'), 2, 3);
    fc.weight.value.assign(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]));
    fc.bias!.value.assign(tf.tensor1d([1, 0, -1]));
    const y = fc.apply(tf.tensor3d([1, 1, 0, 2], [1, 2, 2]));
    expect(y.shape).toEqual([1, 2, 3]);
    expect(Array.from(y.dataSync())).toEqual([6, 7, 8, 9, 10, 11]);
    store.dispose();
  });

  it('LayerNorm gives each token zero mean and unit variance before its affine part', () => {
    const store = new ParamStore(1);
    const ln = new LayerNorm(new Scope(store).child('ln'), 4);
    const y = ln.apply(tf.tensor2d([1, 2, 3, 4, -5, 0, 5, 10], [2, 4]));
    const { mean, variance } = tf.moments(y, 1);
    expect(Array.from(mean.dataSync()).map((v) => Math.abs(v) < 1e-5)).toEqual([true, true]);
    expect(Array.from(variance.dataSync())).toEqual([expect.closeTo(1, 3), expect.closeTo(1, 3)]);
    store.dispose();
  });

  it('GELU is the tanh approximation of the reference codebases', () => {
    const y = gelu(tf.tensor1d([-1, 0, 1, 3]));
    // 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))) evaluated independently:
    const expected = [-1, 0, 1, 3].map((x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))));
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    expect(expected[2]).toBeCloseTo(0.841192, 5);
  });

  it('dropout is the identity in evaluation and a seeded, rescaled mask in training', () => {
    const x = tf.ones([10000]);
    expect(dropout(x, 0.3, evaluate)).toBe(x);
    const first = dropout(x, 0.3, new SeededForwardContexts(9).create(true)).dataSync();
    const again = dropout(x, 0.3, new SeededForwardContexts(9).create(true)).dataSync();
    expect(Array.from(first)).toEqual(Array.from(again));
    const zeros = first.filter((v) => v === 0).length / first.length;
    expect(zeros).toBeGreaterThan(0.27);
    expect(zeros).toBeLessThan(0.33);
    expect(first.find((v) => v !== 0)).toBeCloseTo(1 / 0.7, 5);
    const contexts = new SeededForwardContexts(9);
    const ctx = contexts.create(true);
    const step1 = dropout(x, 0.3, ctx).dataSync();
    const step2 = dropout(x, 0.3, ctx).dataSync();
    expect(Array.from(step1)).not.toEqual(Array.from(step2));
  });
});
