import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import {
  computeLossTerms,
  crossEntropyPerSample,
  ialPerSample,
  ialStarPerSample,
  parseLossConfig,
  type LossConfig,
} from '../../../src-main/engine/losses';
import { auxWeightAt } from '../../../src-shared/schedules';
import { seededUniform } from '../../helpers/rng';

// ---------- independent float64 reference (plain JS, written from METHOD.md's formulas) ----------

function softmax64(z: readonly number[]): number[] {
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** argmax over k != t, first index on ties. */
function rival64(z: readonly number[], t: number): number {
  let best = -1;
  for (let k = 0; k < z.length; k++) if (k !== t && (best < 0 || z[k] > z[best])) best = k;
  return best;
}

type Aux = LossConfig['aux'];

function aux64(z: readonly number[], t: number, aux: Aux, eps: number, base: 'e' | '10'): number {
  const div = base === '10' ? Math.log(10) : 1;
  const m = rival64(z, t);
  if (aux === 'none') return 0;
  if (aux === 'ial') return -Math.log(Math.exp(z[t]) / (Math.exp(z[t]) + Math.exp(z[m]))) / div;
  const p = softmax64(z);
  const gap = aux === 'ial-star' ? Math.abs(p[t] - p[m]) : p[t] - p[m];
  return -Math.log(Math.max(gap, eps)) / div;
}

function total64(rows: number[][], labels: number[], cfg: LossConfig, epoch: number): number {
  const w = cfg.aux === 'none' ? 0 : cfg.alpha * cfg.decay.A * Math.exp(-cfg.decay.lambda * epoch);
  let sum = 0;
  rows.forEach((z, i) => {
    sum += -Math.log(softmax64(z)[labels[i]]) + w * aux64(z, labels[i], cfg.aux, cfg.eps, cfg.logBase);
  });
  return sum / rows.length;
}

/** Central finite differences of a float64 function of a matrix. */
function numericGradient(f: (rows: number[][]) => number, rows: number[][], h = 1e-6): number[][] {
  return rows.map((row, i) =>
    row.map((_, j) => {
      const plus = rows.map((r) => r.slice());
      const minus = rows.map((r) => r.slice());
      plus[i][j] += h;
      minus[i][j] -= h;
      return (f(plus) - f(minus)) / (2 * h);
    }),
  );
}


/** Random logits rounded to float32 (so the float64 reference sees exactly what the tensor holds). */
function randomLogits(rand: () => number, batch: number, classes: number, scale = 3): number[][] {
  return Array.from({ length: batch }, () => Array.from({ length: classes }, () => Math.fround((rand() * 2 - 1) * scale)));
}

const cfgFor = (aux: Aux, logBase: 'e' | '10' = 'e'): LossConfig => ({
  aux,
  alpha: 0.7,
  decay: { A: 1, lambda: 0.03 },
  logBase,
  eps: 1e-6,
});

const perSample = (t: tf.Tensor) => Array.from(t.dataSync());

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('the paper\'s own numbers (binary case, log base 10, x_t in [0.51, 0.99])', () => {
  it('original IAL on probabilities spans about [0.138, 0.297]', () => {
    // Eqs. 1-2 with the probabilities x and 1 - x in place of the logits, as in the paper's analysis.
    const values = tf.tidy(() =>
      perSample(ialPerSample(tf.tensor2d([[0.99, 0.01], [0.51, 0.49]]), tf.tensor1d([0, 0], 'int32'), '10')),
    );
    expect(values[0]).toBeCloseTo(0.138, 3);
    expect(values[1]).toBeCloseTo(0.297, 3);
  });

  it('IAL* spans about [0.0088, 1.699]', () => {
    // Logits ln x, ln(1 - x) give softmax probabilities exactly x and 1 - x (Eq. 5).
    const values = tf.tidy(() =>
      perSample(
        ialStarPerSample(
          tf.tensor2d([[Math.log(0.99), Math.log(0.01)], [Math.log(0.51), Math.log(0.49)]]),
          tf.tensor1d([0, 0], 'int32'),
          { logBase: '10' },
        ),
      ),
    );
    expect(values[0]).toBeCloseTo(0.0088, 4);
    expect(values[1]).toBeCloseTo(1.699, 3);
  });

  it('IAL* decreases monotonically from the low- to the high-intensity end, and base 10 only rescales', () => {
    const xs = Array.from({ length: 49 }, (_, i) => 0.51 + i * 0.01);
    const [base10, baseE] = tf.tidy(() => {
      const logits = tf.tensor2d(xs.map((x) => [Math.log(x), Math.log(1 - x)]));
      const labels = tf.tensor1d(xs.map(() => 0), 'int32');
      return [perSample(ialStarPerSample(logits, labels, { logBase: '10' })), perSample(ialStarPerSample(logits, labels))];
    });
    for (let i = 1; i < xs.length; i++) expect(base10[i]).toBeLessThan(base10[i - 1]);
    base10.forEach((v, i) => expect(baseE[i] / v).toBeCloseTo(Math.LN10, 4));
  });
});

describe('per-clip losses against a float64 reference', () => {
  const rand = seededUniform(7);
  const rows = randomLogits(rand, 12, 7);
  const labels = rows.map(() => Math.floor(rand() * 7));

  it('CE, IAL, IAL* and signed IAL* match the plain-JS formulas', () => {
    const [ce, ial, star, signed] = tf.tidy(() => {
      const z = tf.tensor2d(rows);
      const t = tf.tensor1d(labels, 'int32');
      return [
        perSample(crossEntropyPerSample(z, t)),
        perSample(ialPerSample(z, t)),
        perSample(ialStarPerSample(z, t)),
        perSample(ialStarPerSample(z, t, { signed: true })),
      ];
    });
    rows.forEach((z, i) => {
      expect(ce[i]).toBeCloseTo(-Math.log(softmax64(z)[labels[i]]), 5);
      expect(ial[i]).toBeCloseTo(aux64(z, labels[i], 'ial', 1e-6, 'e'), 5);
      expect(star[i]).toBeCloseTo(aux64(z, labels[i], 'ial-star', 1e-6, 'e'), 4);
      expect(signed[i]).toBeCloseTo(aux64(z, labels[i], 'ial-star-signed', 1e-6, 'e'), 4);
    });
  });

  it('IAL equals the cross-entropy of the two-class logits [z_t, z_m] (the official code\'s masking)', () => {
    const twoClass = rows.map((z, i) => [z[labels[i]], z[rival64(z, labels[i])]]);
    const [ial, ceTwo] = tf.tidy(() => [
      perSample(ialPerSample(tf.tensor2d(rows), tf.tensor1d(labels, 'int32'))),
      perSample(crossEntropyPerSample(tf.tensor2d(twoClass), tf.tensor1d(rows.map(() => 0), 'int32'))),
    ]);
    ial.forEach((v, i) => expect(v).toBeCloseTo(ceTwo[i], 6));
  });

  it('the signed variant differs from the paper form exactly on the clips the wrong class wins', () => {
    const [star, signed] = tf.tidy(() => {
      const z = tf.tensor2d(rows);
      const t = tf.tensor1d(labels, 'int32');
      return [perSample(ialStarPerSample(z, t)), perSample(ialStarPerSample(z, t, { signed: true }))];
    });
    let wrongWins = 0;
    rows.forEach((z, i) => {
      const p = softmax64(z);
      const m = rival64(z, labels[i]);
      if (p[m] > p[labels[i]]) {
        wrongWins++;
        expect(signed[i]).toBeCloseTo(-Math.log(1e-6), 4); // clamped: no reward for a confident mistake
        expect(star[i]).toBeLessThan(signed[i] - 1e-3);
      } else {
        expect(signed[i]).toBe(star[i]);
      }
    });
    // The random batch must exercise both branches for this test to mean anything.
    expect(wrongWins).toBeGreaterThan(0);
    expect(wrongWins).toBeLessThan(rows.length);
  });
});

describe('gradients with respect to the logits', () => {
  const rand = seededUniform(42);
  const rows = randomLogits(rand, 5, 7, 2);
  const labels = rows.map(() => Math.floor(rand() * 7));
  const epoch = 5;

  const cases: Array<[Aux, 'e' | '10']> = [
    ['none', 'e'],
    ['ial', 'e'],
    ['ial', '10'],
    ['ial-star', 'e'],
    ['ial-star', '10'],
    ['ial-star-signed', 'e'],
  ];
  it.each(cases)('total with aux=%s, log base %s matches float64 central differences', (aux, base) => {
    const cfg = cfgFor(aux, base);
    const analytic = tf.tidy(() => {
      const grad = tf.grad((z: tf.Tensor) => computeLossTerms(z as tf.Tensor2D, tf.tensor1d(labels, 'int32'), cfg, epoch).total);
      return (grad(tf.tensor2d(rows)).arraySync() as number[][]);
    });
    const numeric = numericGradient((r) => total64(r, labels, cfg, epoch), rows);
    let maxAbs = 0;
    numeric.forEach((row) => row.forEach((v) => (maxAbs = Math.max(maxAbs, Math.abs(v)))));
    expect(maxAbs).toBeGreaterThan(1e-3);
    numeric.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(analytic[i][j] - v)).toBeLessThan(1e-5 + 1e-4 * Math.abs(v))));
  });

  it('IAL sends gradient to z_t and z_m only, as sigmoid(z_m - z_t); ties pick the lowest index', () => {
    // Classes 1 and 2 tie for the strongest non-target logit: class 1 must be the rival.
    const z = [0.5, 2, 2, -1];
    const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(ialPerSample(x as tf.Tensor2D, tf.tensor1d([0], 'int32'))))(tf.tensor2d([z])).dataSync());
    const s = 1 / (1 + Math.exp(-(2 - 0.5)));
    expect(g[0]).toBeCloseTo(-s, 6);
    expect(g[1]).toBeCloseTo(s, 6);
    expect(g[2]).toBe(0);
    expect(g[3]).toBe(0);
  });
});

describe('IAL* edge cases', () => {
  const gradOfStar = (z: number[][], t: number[], opts: Parameters<typeof ialStarPerSample>[2] = {}) =>
    tf.tidy(() => {
      const labels = tf.tensor1d(t, 'int32');
      const f = (x: tf.Tensor) => tf.sum(ialStarPerSample(x as tf.Tensor2D, labels, opts));
      const { value, grad } = tf.valueAndGrad(f)(tf.tensor2d(z));
      return { value: value.dataSync()[0], grad: Array.from(grad.dataSync()) };
    });

  it('at p_t = p_m the gap is clamped to eps: loss = -log(eps), zero gradient', () => {
    for (const eps of [1e-6, 1e-3]) {
      const { value, grad } = gradOfStar([[1, 1, 0]], [0], { eps });
      expect(value).toBeCloseTo(-Math.log(eps), 4);
      grad.forEach((v) => expect(v).toBe(0));
    }
  });

  it('just above eps the clamp is inactive and the gradient is the unclamped one', () => {
    // Gap 1e-3 with eps 1e-6: loss -ln(1e-3)-ish, nonzero gradient pushing z_t up and z_m down.
    const z = [Math.fround(1), Math.fround(1 - 2.5e-3), 0];
    const { value, grad } = gradOfStar([z], [0]);
    expect(value).toBeCloseTo(aux64(z, 0, 'ial-star', 1e-6, 'e'), 3);
    expect(grad[0]).toBeLessThan(0);
    expect(grad[1]).toBeGreaterThan(0);
  });

  it('keeps its accuracy near a tie, where a float32 difference of probabilities would not', () => {
    const z = [Math.fround(0.3), Math.fround(0.3 - 3e-5), Math.fround(-1)];
    const p = softmax64(z);
    const trueGap = p[0] - p[1];
    const { value } = gradOfStar([z], [0]);
    expect(Math.abs(Math.exp(-value) - trueGap) / trueGap).toBeLessThan(1e-4);
  });

  it('stays finite with gradients when one logit dominates by 100', () => {
    const { value, grad } = gradOfStar([[0, 100, 0], [100, 0, -3]], [0, 0]);
    expect(Number.isFinite(value)).toBe(true);
    grad.forEach((v) => expect(Number.isFinite(v)).toBe(true));
  });
});

describe('computeLossTerms', () => {
  const rand = seededUniform(3);
  const rows = randomLogits(rand, 8, 7);
  const labels = rows.map(() => Math.floor(rand() * 7));

  const read = (fn: () => { ce: tf.Scalar; aux: tf.Scalar; total: tf.Scalar; weight: number }) => {
    const terms = fn();
    const out = { ce: terms.ce.dataSync()[0], aux: terms.aux.dataSync()[0], total: terms.total.dataSync()[0], weight: terms.weight };
    tf.dispose([terms.ce, terms.aux, terms.total]);
    return out;
  };

  it('total = CE + alpha * A * exp(-lambda * epoch) * aux, means over the batch', () => {
    const cfg = cfgFor('ial-star');
    const epoch = 80;
    const r = tf.tidy(() => read(() => computeLossTerms(tf.tensor2d(rows), tf.tensor1d(labels, 'int32'), cfg, epoch)));
    expect(r.weight).toBeCloseTo(0.7 * Math.exp(-0.03 * 80), 12);
    expect(r.total).toBeCloseTo(total64(rows, labels, cfg, epoch), 4);
    expect(r.total).toBeCloseTo(r.ce + r.weight * r.aux, 5);
    const meanAux = rows.reduce((s, z, i) => s + aux64(z, labels[i], 'ial-star', 1e-6, 'e'), 0) / rows.length;
    expect(r.aux).toBeCloseTo(meanAux, 4);
  });

  it('applies exactly the weight auxWeightAt gives (what the trainer records)', () => {
    const cfg = cfgFor('ial-star');
    for (const epoch of [0, 1, 7, 80]) {
      const r = tf.tidy(() => read(() => computeLossTerms(tf.tensor2d(rows), tf.tensor1d(labels, 'int32'), cfg, epoch)));
      expect(r.weight).toBe(auxWeightAt(cfg, epoch));
    }
    expect(auxWeightAt(cfg, 80)).toBeCloseTo(cfg.alpha * cfg.decay.A * Math.exp(-cfg.decay.lambda * 80), 12);
    expect(auxWeightAt(cfgFor('none'), 3)).toBe(0);
  });

  it('aux = none gives plain CE with weight 0', () => {
    const r = tf.tidy(() => read(() => computeLossTerms(tf.tensor2d(rows), tf.tensor1d(labels, 'int32'), cfgFor('none'), 0)));
    expect(r.weight).toBe(0);
    expect(r.aux).toBe(0);
    expect(r.total).toBe(r.ce);
  });

  it('micro-batches with denominator = effective batch sum to the big-batch loss and gradient', () => {
    const cfg = cfgFor('ial-star');
    const lossAndGrad = (part: number[][], partLabels: number[], denominator?: number) =>
      tf.tidy(() => {
        const f = (z: tf.Tensor) => computeLossTerms(z as tf.Tensor2D, tf.tensor1d(partLabels, 'int32'), cfg, 2, { denominator }).total;
        const { value, grad } = tf.valueAndGrad(f)(tf.tensor2d(part));
        return { value: value.dataSync()[0], grad: grad.arraySync() as number[][] };
      });
    const whole = lossAndGrad(rows, labels);
    const first = lossAndGrad(rows.slice(0, 3), labels.slice(0, 3), 8);
    const second = lossAndGrad(rows.slice(3), labels.slice(3), 8);
    expect(first.value + second.value).toBeCloseTo(whole.value, 5);
    [...first.grad, ...second.grad].forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(whole.grad[i][j], 6)));
  });

  it('sampleWeights of 0 drop clips (with the denominator set to the kept count)', () => {
    const cfg = cfgFor('ial');
    const keep = [0, 2, 5];
    const weights = rows.map((_, i) => (keep.includes(i) ? 1 : 0));
    const weighted = tf.tidy(() =>
      read(() => computeLossTerms(tf.tensor2d(rows), tf.tensor1d(labels, 'int32'), cfg, 1, { sampleWeights: weights, denominator: keep.length })),
    );
    const expected = total64(keep.map((i) => rows[i]), keep.map((i) => labels[i]), cfg, 1);
    expect(weighted.total).toBeCloseTo(expected, 5);
  });

  it('allocates only the three returned scalars', () => {
    const z = tf.tensor2d(rows);
    const t = tf.tensor1d(labels, 'int32');
    const before = tf.memory().numTensors;
    const terms = computeLossTerms(z, t, cfgFor('ial-star-signed'), 3, { sampleWeights: rows.map(() => 1) });
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose([terms.ce, terms.aux, terms.total, z, t]);
  });

  it('rejects labels that are out of range, not int32, or of the wrong length', () => {
    const z = tf.tensor2d(rows);
    const cfg = cfgFor('ial');
    const bad = [
      tf.tensor1d(labels.map((l, i) => (i === 4 ? 7 : l)), 'int32'),
      tf.tensor1d(labels, 'float32'),
      tf.tensor1d(labels.slice(1), 'int32'),
    ];
    expect(() => computeLossTerms(z, bad[0] as tf.Tensor1D, cfg, 0)).toThrow(/label 7 at row 4/);
    expect(() => computeLossTerms(z, bad[1] as tf.Tensor1D, cfg, 0)).toThrow(/int32/);
    expect(() => computeLossTerms(z, bad[2] as tf.Tensor1D, cfg, 0)).toThrow(/7 entries but logits have 8 rows/);
    tf.dispose([z, ...bad]);
  });
});

describe('parseLossConfig', () => {
  it('fills the documented defaults and rejects invalid values', () => {
    const cfg = parseLossConfig({ aux: 'ial-star', alpha: 0.7, decay: { A: 1, lambda: 0.03 } });
    expect(cfg.eps).toBe(1e-6);
    expect(cfg.logBase).toBe('e');
    expect(() => parseLossConfig({ ...cfg, eps: 0 })).toThrow();
    expect(() => parseLossConfig({ ...cfg, aux: 'focal' })).toThrow();
  });
});
