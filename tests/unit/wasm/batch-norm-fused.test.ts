/**
 * BatchNorm2d in training on wasm through the fused native channel kernels (engine/wasm/channel-kernels.ts)
 * against an independent float64 computation of the textbook formula, and against the cpu backend's
 * tf.moments + autodiff: output, input/scale/offset gradients and the running statistics, for channel
 * counts 4..128 and row counts past the kernels' row chunks, including activations whose mean is far from
 * 0 (there float32 tf.moments on cpu is itself off by more than the tolerance, so only float64 judges).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { SeededForwardContexts } from '../../../src-main/engine/models/forward-context';
import { BatchNorm2d, convBatchNorm } from '../../../src-main/engine/models/layers/batch-norm';
import { Conv2d } from '../../../src-main/engine/models/layers/conv2d';
import { ParamStore, Scope } from '../../../src-main/engine/models/params';
import { registerWasmTrainingKernels } from '../../../src-main/engine/wasm';
import { channelKernelsAvailable } from '../../../src-main/engine/wasm/channel-kernels';
import { setNativeKernelsEnabled } from '../../../src-main/engine/wasm/native-kernels';
import { countNativeCalls, randomValues, relativeError, seededRandom, TOLERANCE } from './helpers';

const train = new SeededForwardContexts(1).create(true);

interface Case {
  shape: [number, number, number, number];
  mean: number;
  std: number;
}

const cases: Case[] = [
  { shape: [2, 3, 4, 4], mean: 0, std: 1 },
  { shape: [3, 10, 10, 8], mean: 1, std: 2 },
  { shape: [2, 17, 13, 12], mean: -3, std: 0.5 },
  { shape: [4, 16, 16, 20], mean: 0, std: 1 },
  { shape: [2, 7, 7, 128], mean: 0.5, std: 1 },
  // Far from zero: a one-pass E[x^2] - mean^2 in float32 would cancel most of the variance here.
  { shape: [8, 12, 12, 16], mean: 300, std: 0.25 },
];

interface Result {
  y: Float32Array;
  dx: Float32Array;
  dGamma: Float32Array;
  dBeta: Float32Array;
  runningMean: Float32Array;
  runningVar: Float32Array;
}

/** The layer's output, gradients (against a fixed probe) and running statistics on the current backend. */
function inputs(c: Case) {
  const random = seededRandom(c.shape.reduce((a, b) => a * 31 + b, 7));
  const channels = c.shape[3];
  return {
    x: randomValues(random, c.shape).map((v) => c.mean + c.std * v),
    probe: randomValues(random, c.shape),
    gamma: randomValues(random, [channels]).map((v) => 1 + v),
    beta: randomValues(random, [channels]),
  };
}

/**
 * The textbook batch norm, its gradient against the probe and the running statistics after one step, in
 * float64. With `reluGate` (a fused layer's own float32 output), the ReLU after it: y clamped at 0 and the
 * probe passed back only where that output is positive.
 */
function float64Reference(c: Case, reluGate?: Float32Array): Result {
  const { x, gamma, beta } = inputs(c);
  const probe = reluGate ? inputs(c).probe.map((p, i) => (reluGate[i]! > 0 ? p : 0)) : inputs(c).probe;
  const channels = c.shape[3];
  const rows = x.length / channels;
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  for (let i = 0; i < x.length; i++) mean[i % channels] += x[i]! / rows;
  for (let i = 0; i < x.length; i++) variance[i % channels] += (x[i]! - mean[i % channels]!) ** 2 / rows;
  const invStd = variance.map((v) => 1 / Math.sqrt(v + 1e-5));
  const xHat = Float64Array.from(x, (v, i) => (v - mean[i % channels]!) * invStd[i % channels]!);
  const dBeta = new Float64Array(channels);
  const dGamma = new Float64Array(channels);
  for (let i = 0; i < x.length; i++) {
    dBeta[i % channels] += probe[i]!;
    dGamma[i % channels] += probe[i]! * xHat[i]!;
  }
  const ch = (i: number) => i % channels;
  return {
    y: Float32Array.from(xHat, (v, i) => (reluGate ? Math.max(0, v * gamma[ch(i)]! + beta[ch(i)]!) : v * gamma[ch(i)]! + beta[ch(i)]!)),
    dx: Float32Array.from(xHat, (v, i) => gamma[ch(i)]! * invStd[ch(i)]! * (probe[i]! - dBeta[ch(i)]! / rows - (v * dGamma[ch(i)]!) / rows)),
    dGamma: Float32Array.from(dGamma),
    dBeta: Float32Array.from(dBeta),
    runningMean: Float32Array.from(mean, (m) => 0.1 * m),
    runningVar: Float32Array.from(variance, (v) => 0.9 + 0.1 * v * (rows / (rows - 1))),
  };
}

function runLayer(c: Case, fused: 'fused' | 'ops' | 'textbook'): Result {
  const data = inputs(c);
  const channels = c.shape[3];
  const x = tf.tensor4d(data.x, c.shape);
  const probe = tf.tensor4d(data.probe, c.shape);
  const store = new ParamStore(1);
  const bn = new BatchNorm2d(new Scope(store).child('bn'), channels);
  bn.weight.value.assign(tf.tensor1d(data.gamma));
  bn.bias.value.assign(tf.tensor1d(data.beta));
  const gamma = bn.weight.value;
  const beta = bn.bias.value;
  const textbook = (input: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(input, [0, 1, 2]);
    return tf.add(tf.mul(tf.div(tf.sub(input, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
  };
  const layer = (input: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
    fused === 'textbook' ? textbook(input, g, b) : bn.apply(input as tf.Tensor4D, train);
  const y = layer(x, gamma, beta).dataSync() as Float32Array;
  // After exactly one training-mode application.
  const runningMean = Float32Array.from(bn.runningMean.value.dataSync());
  const runningVar = Float32Array.from(bn.runningVar.value.dataSync());
  const [dx, dGamma, dBeta] = tf.grads((input, g, b) => tf.sum(tf.mul(layer(input, g, b), probe)))([x, gamma, beta]);
  const result: Result = {
    y: Float32Array.from(y),
    dx: Float32Array.from(dx.dataSync()),
    dGamma: Float32Array.from(dGamma.dataSync()),
    dBeta: Float32Array.from(dBeta.dataSync()),
    runningMean,
    runningVar,
  };
  if (fused !== 'textbook') {
    // The layer reaches gamma and beta through its variables: their gradients come from variableGrads.
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.apply(x, train), probe)) as tf.Scalar, [gamma, beta]);
    result.dGamma = Float32Array.from(grads[gamma.name]!.dataSync());
    result.dBeta = Float32Array.from(grads[beta.name]!.dataSync());
  }
  store.dispose();
  return result;
}

/** A BatchNorm2d (in `store`) with these parameters and running statistics. */
function batchNormWith(store: ParamStore, p: { gamma: Float32Array; beta: Float32Array; mean: Float32Array; variance: Float32Array }, scope = new Scope(store)): BatchNorm2d {
  const bn = new BatchNorm2d(scope.child('bn'), p.gamma.length);
  bn.weight.value.assign(tf.tensor1d(p.gamma));
  bn.bias.value.assign(tf.tensor1d(p.beta));
  bn.runningMean.value.assign(tf.tensor1d(p.mean));
  bn.runningVar.value.assign(tf.tensor1d(p.variance));
  return bn;
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmTrainingKernels();
});
afterAll(() => setNativeKernelsEnabled(true));

describe('BatchNorm2d training on wasm, fused native channel kernels', () => {
  it('takes the fused path on wasm', async () => {
    await tf.setBackend('wasm');
    setNativeKernelsEnabled(true);
    expect(channelKernelsAvailable()).toBe(true);
    setNativeKernelsEnabled(false);
    expect(channelKernelsAvailable()).toBe(false);
    setNativeKernelsEnabled(true);
  });

  it.each(cases)('matches float64 (and, near 0, the cpu backend) for $shape, mean $mean, std $std', async (c) => {
    await tf.setBackend('wasm');
    setNativeKernelsEnabled(true);
    const fused = runLayer(c, 'fused');
    const exact = float64Reference(c);
    for (const key of ['y', 'dx', 'dGamma', 'dBeta', 'runningMean', 'runningVar'] as const) {
      expect(relativeError(fused[key], exact[key]), key).toBeLessThanOrEqual(TOLERANCE);
    }
    if (Math.abs(c.mean) < 10 * c.std) {
      await tf.setBackend('cpu');
      const cpu = runLayer(c, 'textbook');
      await tf.setBackend('wasm');
      for (const key of ['y', 'dx', 'dGamma', 'dBeta'] as const) expect(relativeError(fused[key], cpu[key]), key).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('evaluation mode uses the running statistics through the fused kernel (float64 reference)', async () => {
    await tf.setBackend('wasm');
    setNativeKernelsEnabled(true);
    const channels = 12;
    const random = seededRandom(21);
    const x = randomValues(random, [3, 5, 7, channels]).map((v) => 40 + 2 * v);
    const stats = { mean: randomValues(random, [channels]).map((v) => 40 + v), variance: randomValues(random, [channels]).map((v) => 4 + 3 * v) };
    const gamma = randomValues(random, [channels]);
    const beta = randomValues(random, [channels]);
    const store = new ParamStore(1);
    const bn = new BatchNorm2d(new Scope(store).child('bn'), channels);
    bn.runningMean.value.assign(tf.tensor1d(stats.mean));
    bn.runningVar.value.assign(tf.tensor1d(stats.variance));
    bn.weight.value.assign(tf.tensor1d(gamma));
    bn.bias.value.assign(tf.tensor1d(beta));
    const before = tf.memory().numTensors;
    const y = bn.apply(tf.tensor4d(x, [3, 5, 7, channels]), new SeededForwardContexts(1).create(false));
    const actual = y.dataSync();
    const expected = Float64Array.from(x, (v, i) => {
      const c = i % channels;
      return ((v - stats.mean[c]!) / Math.sqrt(stats.variance[c]! + 1e-5)) * gamma[c]! + beta[c]!;
    });
    expect(relativeError(actual, expected)).toBeLessThanOrEqual(TOLERANCE);
    expect(tf.memory().numTensors).toBe(before + 2); // the input and the output, nothing else
    expect(Array.from(bn.runningMean.value.dataSync())).toEqual(Array.from(Float32Array.from(stats.mean)));
    store.dispose();
  });

  it('evaluation mode is differentiable on the fused path, like the stock batchNorm (the micro-batch probe needs it)', async () => {
    await tf.setBackend('wasm');
    const c: Case = { shape: [2, 6, 5, 8], mean: 2, std: 1.5 };
    const evaluate = new SeededForwardContexts(1).create(false);
    const grads = (native: boolean) => {
      setNativeKernelsEnabled(native);
      const data = inputs(c);
      const store = new ParamStore(1);
      const bn = batchNormWith(store, { gamma: data.gamma, beta: data.beta, mean: data.gamma.map((g) => 2 + g), variance: data.beta.map((b) => 2 + b) });
      const x = tf.tensor4d(data.x, c.shape);
      const probe = tf.tensor4d(data.probe, c.shape);
      const loss = () => tf.sum(tf.mul(bn.apply(x, evaluate), probe)) as tf.Scalar;
      const [dx] = tf.grads((input) => tf.sum(tf.mul(bn.apply(input as tf.Tensor4D, evaluate), probe)))([x]);
      const { grads: g } = tf.variableGrads(loss, [bn.weight.value, bn.bias.value]);
      const out = [dx!, g[bn.weight.value.name]!, g[bn.bias.value.name]!].map((t) => Float32Array.from(t.dataSync()));
      store.dispose();
      setNativeKernelsEnabled(true);
      return out;
    };
    const fused = grads(true);
    const stock = grads(false);
    fused.forEach((values, i) => expect(relativeError(values, stock[i]!)).toBeLessThanOrEqual(TOLERANCE));
  });

  it('leaks no tensors and no wasm heap across a forward and backward pass', async () => {
    await tf.setBackend('wasm');
    const c = cases[1]!;
    runLayer(c, 'fused'); // warm-up (kernel set-up, weight caches)
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const [tensors, dataIds] = [tf.memory().numTensors, backend.numDataIds()];
    tf.tidy(() => {
      runLayer(c, 'fused');
    });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(dataIds);
  });
});

/**
 * BatchNorm2d.applyRelu: the ReLU fused into the native passes (forward clamp, gradient gated by the
 * recomputed pre-activation) against the same layer with the native kernels off (tfjs ops + tf.relu +
 * autodiff), in training and in evaluation mode, and against float64 in training.
 */
describe('BatchNorm2d.applyRelu on wasm, ReLU fused into the native passes', () => {
  /** Output and the gradients of sum(relu(bn(x)) * probe) for x, gamma and beta. */
  function reluLayer(c: Case, training: boolean, native: boolean): Float32Array[] {
    setNativeKernelsEnabled(native);
    const data = inputs(c);
    const store = new ParamStore(1);
    const bn = batchNormWith(store, {
      gamma: data.gamma,
      beta: data.beta,
      mean: data.beta.map((b) => c.mean + b),
      variance: data.gamma.map((g) => c.std * c.std * (1 + 0.5 * g * g)),
    });
    const ctx = new SeededForwardContexts(1).create(training);
    const x = tf.tensor4d(data.x, c.shape);
    const probe = tf.tensor4d(data.probe, c.shape);
    // Training mode moves the running statistics on every call: both calls see the same batch statistics.
    const y = Float32Array.from(bn.applyRelu(x, ctx).dataSync());
    const [dx] = tf.grads((input) => tf.sum(tf.mul(bn.applyRelu(input as tf.Tensor4D, ctx), probe)))([x]);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.applyRelu(x, ctx), probe)) as tf.Scalar, [bn.weight.value, bn.bias.value]);
    const out = [y, dx!, grads[bn.weight.value.name]!, grads[bn.bias.value.name]!].map((t) => (t instanceof Float32Array ? t : Float32Array.from(t.dataSync())));
    store.dispose();
    setNativeKernelsEnabled(true);
    return out;
  }

  it.each(cases.filter((c) => Math.abs(c.mean) < 10 * c.std))('training and evaluation match the unfused layer for $shape, mean $mean, std $std', async (c) => {
    await tf.setBackend('wasm');
    for (const training of [true, false]) {
      const fused = reluLayer(c, training, true);
      const ops = reluLayer(c, training, false);
      expect(fused[0]!.some((v) => v === 0) && fused[0]!.some((v) => v > 0), 'the ReLU clamps some values and passes others').toBe(true);
      ['y', 'dx', 'dGamma', 'dBeta'].forEach((name, i) => expect(relativeError(fused[i]!, ops[i]!), `${name}, training ${training}`).toBeLessThanOrEqual(TOLERANCE));
    }
  });

  it('training matches float64, with the gate taken from the layer\'s own forward output', async () => {
    await tf.setBackend('wasm');
    const c = cases[3]!;
    const [y, dx, dGamma, dBeta] = reluLayer(c, true, true);
    const exact = float64Reference(c, y);
    expect(relativeError(y!, exact.y)).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(dx!, exact.dx)).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(dGamma!, exact.dGamma)).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(dBeta!, exact.dBeta)).toBeLessThanOrEqual(TOLERANCE);
  });
});

/**
 * convBatchNorm in evaluation mode folds the batch norm into a fused convolution with a ReLU epilogue: the
 * same output, input gradient and parameter gradients as conv, batch norm and ReLU run one after the other
 * (the native kernels off).
 */
describe('convBatchNorm, evaluation mode: batch norm folded into the convolution', () => {
  it.each([true, false])('matches conv + batch norm (+ ReLU: %s), values and gradients', async (relu) => {
    await tf.setBackend('wasm');
    const evaluate = new SeededForwardContexts(1).create(false);
    const random = seededRandom(relu ? 5 : 6);
    const data = {
      x: randomValues(random, [2, 10, 10, 8]),
      probe: randomValues(random, [2, 5, 5, 16]),
      gamma: randomValues(random, [16]).map((v) => 1 + 0.5 * v),
      beta: randomValues(random, [16]),
      mean: randomValues(random, [16]),
      variance: randomValues(random, [16]).map((v) => 1 + 0.5 * v * v),
    };
    const run = async (native: boolean) => {
      setNativeKernelsEnabled(native);
      const store = new ParamStore(3);
      const scope = new Scope(store);
      const conv = new Conv2d(scope.child('conv'), { inChannels: 8, outChannels: 16, kernel: 3, stride: 2, padding: 1 });
      const bn = batchNormWith(store, data, scope);
      const x = tf.tensor4d(data.x, [2, 10, 10, 8]);
      const probe = tf.tensor4d(data.probe, [2, 5, 5, 16]);
      let y: Float32Array | undefined;
      const nativeCalls = await countNativeCalls(async () => {
        y = Float32Array.from(convBatchNorm(conv, bn, x, evaluate, relu).dataSync());
      });
      const [dx] = tf.grads((input) => tf.sum(tf.mul(convBatchNorm(conv, bn, input as tf.Tensor4D, evaluate, relu), probe)))([x]);
      const params = [conv.weight.value, bn.weight.value, bn.bias.value];
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(convBatchNorm(conv, bn, x, evaluate, relu), probe)) as tf.Scalar, params);
      const out = { y: y!, dx: Float32Array.from(dx!.dataSync()), grads: params.map((p) => Float32Array.from(grads[p.name]!.dataSync())), nativeCalls };
      store.dispose();
      setNativeKernelsEnabled(true);
      return out;
    };
    const folded = await run(true);
    const layered = await run(false);
    // The folded path is one native fused convolution and no batch-norm pass.
    expect(folded.nativeCalls).toEqual({ conv2d_pack_filter: 1, conv2d_forward: 1 });
    if (relu) expect(folded.y.some((v) => v === 0)).toBe(true);
    expect(relativeError(folded.y, layered.y)).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(folded.dx, layered.dx)).toBeLessThanOrEqual(TOLERANCE);
    folded.grads.forEach((g, i) => expect(relativeError(g, layered.grads[i]!), `parameter ${i}`).toBeLessThanOrEqual(TOLERANCE));
  });
});
