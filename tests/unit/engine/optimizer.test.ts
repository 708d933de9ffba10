import { serialize, deserialize } from 'node:v8';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { GradientAccumulator, Sgd, type SgdConfig } from '../../../src-main/engine/optimizer';
import { computeLossTerms, type LossConfig } from '../../../src-main/engine/losses';
import { seededUniform } from '../../helpers/rng';

const randomArray = (rand: () => number, n: number, scale = 1) =>
  Array.from({ length: n }, () => Math.fround((rand() * 2 - 1) * scale));

/** torch.optim.SGD (dampening 0, no Nesterov) in plain float64 JS, one parameter. */
function pytorchSgdStep(p: number[], g: number[], buf: number[] | null, lr: number, cfg: SgdConfig): { p: number[]; buf: number[] | null } {
  const d = g.map((gi, i) => gi + cfg.weightDecay * p[i]);
  let next: number[] | null = null;
  let direction = d;
  if (cfg.momentum !== 0) {
    next = buf === null ? d.slice() : buf.map((b, i) => cfg.momentum * b + d[i]);
    direction = next;
  }
  return { p: p.map((pi, i) => pi - lr * direction[i]), buf: next };
}

function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Sgd', () => {
  it.each([
    { momentum: 0.9, weightDecay: 0.1 }, // IAL reference code
    { momentum: 0.9, weightDecay: 1e-4 }, // Former-DFER
    { momentum: 0, weightDecay: 0.01 },
  ])('matches a float64 PyTorch SGD over 6 steps (%o)', (cfg) => {
    const rand = seededUniform(11);
    const shapes: Record<string, number[]> = { w: [3, 4], b: [4] };
    const initial = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, randomArray(rand, s[0] * (s[1] ?? 1))]));
    const vars = new Map(Object.entries(shapes).map(([k, s]) => [k, tf.variable(tf.tensor(initial[k], s))]));
    const sgd = new Sgd(vars, cfg);
    const ref = Object.fromEntries(Object.keys(shapes).map((k) => [k, { p: initial[k].slice(), buf: null as number[] | null }]));
    const lrs = [0.1, 0.1, 0.05, 0.05, 0.025, 0.025];
    for (const lr of lrs) {
      const grads = new Map(Object.entries(shapes).map(([k, s]) => [k, randomArray(rand, s[0] * (s[1] ?? 1))]));
      const gradTensors = new Map([...grads].map(([k, g]) => [k, tf.tensor(g, shapes[k])]));
      sgd.step(gradTensors, lr);
      tf.dispose([...gradTensors.values()]);
      for (const [k, g] of grads) ref[k] = pytorchSgdStep(ref[k].p, g, ref[k].buf, lr, cfg);
    }
    for (const [k, v] of vars) {
      const got = v.dataSync();
      ref[k].p.forEach((expected, i) => expect(Math.abs(got[i] - expected)).toBeLessThan(1e-6 * (1 + Math.abs(expected))));
    }
    expect(sgd.steps).toBe(lrs.length);
    sgd.dispose();
    tf.dispose([...vars.values()]);
  });

  it('leaves a variable without a gradient untouched and rejects unknown or misshapen gradients', () => {
    const a = tf.variable(tf.ones([2]));
    const b = tf.variable(tf.ones([3]));
    const sgd = new Sgd(new Map([['a', a], ['b', b]]), { momentum: 0.9, weightDecay: 0 });
    const g = tf.ones([2]);
    sgd.step({ a: g }, 0.5);
    expect(Array.from(a.dataSync())).toEqual([0.5, 0.5]);
    expect(Array.from(b.dataSync())).toEqual([1, 1, 1]);
    expect(() => sgd.step({ c: g }, 0.5)).toThrow(/'c' matches no optimised variable/);
    expect(() => sgd.step({ b: g }, 0.5)).toThrow(/shape \[2\].*\[3\]/);
    sgd.dispose();
    tf.dispose([a, b, g]);
  });

  it('accepts the variable-name-keyed gradients of tf.variableGrads for a Map under other keys', () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const sgd = new Sgd(new Map([['weights', w]]), { momentum: 0, weightDecay: 0 });
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(w)) as tf.Scalar, [w]);
    sgd.step(grads, 0.25); // d/dw sum(w^2) = 2w, so w -> w - 0.5 w
    expect(Array.from(w.dataSync())).toEqual([0.5, 1]);
    tf.dispose([value, ...Object.values(grads), w]);
  });

  it('resumes identically from a saved state that went through v8 serialisation', () => {
    const cfg = { momentum: 0.9, weightDecay: 0.1 };
    const rand = seededUniform(5);
    const gradSeq = Array.from({ length: 6 }, () => randomArray(rand, 6));
    const start = randomArray(rand, 6);
    const runSteps = (sgd: Sgd, v: tf.Variable, from: number, to: number) => {
      for (let s = from; s < to; s++) {
        const g = tf.tensor(gradSeq[s], [2, 3]);
        sgd.step({ p: g }, 0.01 * (s + 1));
        g.dispose();
      }
    };
    const original = tf.variable(tf.tensor(start, [2, 3]));
    const sgd = new Sgd(new Map([['p', original]]), cfg);
    runSteps(sgd, original, 0, 3);
    const checkpoint = deserialize(serialize({ params: original.dataSync().slice(), optimizer: sgd.getState() }));
    runSteps(sgd, original, 3, 6);

    const resumedVar = tf.variable(tf.tensor(checkpoint.params, [2, 3]));
    const resumed = new Sgd(new Map([['p', resumedVar]]), cfg);
    resumed.setState(checkpoint.optimizer);
    expect(resumed.steps).toBe(3);
    runSteps(resumed, resumedVar, 3, 6);
    expect(Array.from(resumedVar.dataSync())).toEqual(Array.from(original.dataSync()));

    // Without the momentum buffers the trajectory differs: the test above is not vacuous.
    const freshVar = tf.variable(tf.tensor(checkpoint.params, [2, 3]));
    const fresh = new Sgd(new Map([['p', freshVar]]), cfg);
    runSteps(fresh, freshVar, 3, 6);
    expect(Array.from(freshVar.dataSync())).not.toEqual(Array.from(original.dataSync()));

    expect(() => new Sgd(new Map([['p', freshVar]]), { momentum: 0.8, weightDecay: 0.1 }).setState(checkpoint.optimizer)).toThrow(/momentum 0.9/);
    [sgd, resumed, fresh].forEach((o) => o.dispose());
    tf.dispose([original, resumedVar, freshVar]);
  });

  it('keeps tf.memory().numTensors flat over 50 accumulate-and-step iterations', () => {
    const w = tf.variable(tf.randomNormal([5, 7], 0, 0.1, 'float32', 1));
    const sgd = new Sgd([w], { momentum: 0.9, weightDecay: 0.1 });
    const acc = new GradientAccumulator();
    const x = tf.randomNormal([8, 5], 0, 1, 'float32', 2);
    const labels = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 0], 'int32');
    const cfg: LossConfig = { aux: 'ial-star', alpha: 0.7, decay: { A: 1, lambda: 0.03 }, logBase: 'e', eps: 1e-6 };
    const iteration = () => {
      for (let micro = 0; micro < 2; micro++) {
        const { value, grads } = tf.variableGrads(
          () => computeLossTerms(tf.matMul(x, w) as tf.Tensor2D, labels, cfg, 1, { denominator: 16 }).total,
        );
        value.dispose();
        acc.add(grads);
      }
      const summed = acc.take();
      sgd.step(summed, 0.01);
      tf.dispose([...summed.values()]);
    };
    iteration(); // creates the momentum buffer
    const baseline = tf.memory().numTensors;
    for (let i = 0; i < 49; i++) iteration();
    expect(tf.memory().numTensors).toBe(baseline);
    sgd.dispose();
    tf.dispose([w, x, labels]);
  });
});

describe('GradientAccumulator', () => {
  const cfg: LossConfig = { aux: 'ial-star', alpha: 0.7, decay: { A: 1, lambda: 0.03 }, logBase: 'e', eps: 1e-6 };
  const batch = 40;
  const features = 6;
  const classes = 7;
  const rand = seededUniform(99);
  const xs = Array.from({ length: batch }, () => randomArray(rand, features, 2));
  const ys = Array.from({ length: batch }, () => Math.floor(rand() * classes));
  const w0 = randomArray(rand, features * classes, 0.5);
  const b0 = randomArray(rand, classes, 0.1);

  /** A linear classifier's gradients over rows [from, to), loss divided by `denominator`. */
  function gradientsOf(w: tf.Variable, b: tf.Variable, from: number, to: number, denominator?: number) {
    const x = tf.tensor2d(xs.slice(from, to));
    const y = tf.tensor1d(ys.slice(from, to), 'int32');
    const { value, grads } = tf.variableGrads(
      () => computeLossTerms(tf.add(tf.matMul(x, w), b) as tf.Tensor2D, y, cfg, 4, { denominator }).total,
      [w, b],
    );
    tf.dispose([value, x, y]);
    return grads;
  }

  it('4 micro-batches of 10 give the gradient and the SGD update of one batch of 40 (1e-5 relative)', () => {
    const make = () => [tf.variable(tf.tensor2d(w0, [features, classes])), tf.variable(tf.tensor1d(b0))] as const;
    const [wBig, bBig] = make();
    const [wMicro, bMicro] = make();
    const sgdConfig = { momentum: 0.9, weightDecay: 0.1 };

    const big = gradientsOf(wBig, bBig, 0, batch);
    const acc = new GradientAccumulator();
    for (let start = 0; start < batch; start += 10) acc.add(gradientsOf(wMicro, bMicro, start, start + 10, batch));
    expect(acc.microBatches).toBe(4);
    const summed = acc.take();
    expect(acc.microBatches).toBe(0);

    for (const [bigVar, microVar] of [[wBig, wMicro], [bBig, bMicro]] as const) {
      expect(maxRelativeDifference(summed.get(microVar.name)!.dataSync(), big[bigVar.name].dataSync())).toBeLessThan(1e-5);
    }
    // Without the shared denominator (plain micro-batch means) the sum is 4x too large: the check above bites.
    const wrong = gradientsOf(wMicro, bMicro, 0, 10);
    expect(maxRelativeDifference(wrong[wMicro.name].dataSync(), big[wBig.name].dataSync())).toBeGreaterThan(0.1);

    const sgdBig = new Sgd([wBig, bBig], sgdConfig);
    const sgdMicro = new Sgd([wMicro, bMicro], sgdConfig);
    sgdBig.step(big, 0.05);
    sgdMicro.step(summed, 0.05);
    const update = (v: tf.Variable, init: number[]) => Array.from(v.dataSync(), (p, i) => p - init[i]);
    expect(maxRelativeDifference(update(wMicro, w0), update(wBig, w0))).toBeLessThan(1e-5);
    expect(maxRelativeDifference(update(bMicro, b0), update(bBig, b0))).toBeLessThan(1e-5);

    [sgdBig, sgdMicro].forEach((o) => o.dispose());
    tf.dispose([...Object.values(big), ...summed.values(), ...Object.values(wrong), wBig, bBig, wMicro, bMicro]);
  });

  it('scale turns per-micro-batch means into the big-batch mean (uneven 30 + 10 split)', () => {
    const w = tf.variable(tf.tensor2d(w0, [features, classes]));
    const b = tf.variable(tf.tensor1d(b0));
    const big = gradientsOf(w, b, 0, batch);
    const acc = new GradientAccumulator();
    acc.add(gradientsOf(w, b, 0, 30), 30 / batch);
    acc.add(gradientsOf(w, b, 30, batch), 10 / batch);
    const summed = acc.take();
    expect(maxRelativeDifference(summed.get(w.name)!.dataSync(), big[w.name].dataSync())).toBeLessThan(1e-5);
    tf.dispose([...Object.values(big), ...summed.values(), w, b]);
  });

  it('disposes what it consumes, and reset frees the sums', () => {
    const before = tf.memory().numTensors;
    const acc = new GradientAccumulator();
    for (let i = 0; i < 5; i++) acc.add({ g: tf.ones([3]) });
    expect(tf.memory().numTensors).toBe(before + 1);
    acc.reset();
    expect(tf.memory().numTensors).toBe(before);
    const g = tf.ones([3]);
    acc.add({ g: tf.ones([2]) });
    expect(() => acc.add({ g })).toThrow(/shape \[3\].*\[2\]/);
    acc.reset();
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
