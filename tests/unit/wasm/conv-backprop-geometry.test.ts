/**
 * The 1-D index plans behind the conv gradient kernels, checked exhaustively over small sizes against
 * the gradients' defining sums. Each 1-D "aux convolution" is simulated in plain JS exactly as XNNPACK
 * is asked to run it (padding, stride, dilation, cropping, phases), so a wrong pad or tap table fails here,
 * independently of any backend.
 */
import { describe, expect, it } from 'vitest';
import { planFilterGradAxis, planInputGradAxis, type ConvAxis } from '../../../src-main/engine/wasm/conv-backprop-geometry';
import { randomValues, relativeError, seededRandom } from './helpers';

interface AxisCase extends ConvAxis {
  padAfter: number;
}

/** Every small 1-D convolution with a non-empty output (stride and dilation never both > 1, as in tf). */
function* axisCases(): Generator<AxisCase> {
  for (let inSize = 1; inSize <= 9; inSize++)
    for (let filterSize = 1; filterSize <= 4; filterSize++)
      for (let stride = 1; stride <= 3; stride++)
        for (let dilation = 1; dilation <= (stride === 1 ? 3 : 1); dilation++)
          for (let padBefore = 0; padBefore <= filterSize + 1; padBefore++)
            for (let padAfter = 0; padAfter <= filterSize + 1; padAfter++) {
              const effective = (filterSize - 1) * dilation + 1;
              const outSize = Math.floor((inSize + padBefore + padAfter - effective) / stride) + 1;
              if (outSize >= 1) yield { inSize, outSize, filterSize, stride, dilation, padBefore, padAfter };
            }
}

const at = (values: Float32Array, i: number) => (i >= 0 && i < values.length ? values[i] : 0);

function directFilterGrad(c: AxisCase, x: Float32Array, dy: Float32Array): Float32Array {
  const dw = new Float32Array(c.filterSize);
  for (let k = 0; k < c.filterSize; k++)
    for (let o = 0; o < c.outSize; o++) dw[k] += at(x, o * c.stride + k * c.dilation - c.padBefore) * dy[o];
  return dw;
}

function directInputGrad(c: AxisCase, dy: Float32Array, w: Float32Array): Float32Array {
  const dx = new Float32Array(c.inSize);
  for (let o = 0; o < c.outSize; o++)
    for (let k = 0; k < c.filterSize; k++) {
      const i = o * c.stride + k * c.dilation - c.padBefore;
      if (i >= 0 && i < c.inSize) dx[i] += dy[o] * w[k];
    }
  return dx;
}

describe('conv backprop geometry (1-D plans)', () => {
  const cases = [...axisCases()];
  const random = seededRandom(11);

  it('covers a meaningful grid', () => {
    expect(cases.length).toBeGreaterThan(1000);
  });

  it('filter gradient = forward conv of x with dy as the filter (stride d, dilation s)', () => {
    for (const c of cases) {
      const x = randomValues(random, [c.inSize]);
      const dy = randomValues(random, [c.outSize]);
      const plan = planFilterGradAxis(c);
      if (plan.allZero) {
        expect(directFilterGrad(c, x, dy).every((v) => v === 0), JSON.stringify(c)).toBe(true);
        continue;
      }
      expect(plan.usedInSize, JSON.stringify(c)).toBeLessThanOrEqual(c.inSize);
      expect(Math.min(plan.padBefore, plan.padAfter, plan.usedInSize)).toBeGreaterThanOrEqual(0);
      const dyExtent = (c.outSize - 1) * plan.auxDilation + 1;
      const auxOut = Math.floor((plan.usedInSize + plan.padBefore + plan.padAfter - dyExtent) / plan.auxStride) + 1;
      expect(auxOut, JSON.stringify(c)).toBe(c.filterSize);
      const viaPlan = new Float32Array(auxOut);
      const used = x.subarray(0, plan.usedInSize);
      for (let k = 0; k < auxOut; k++)
        for (let o = 0; o < c.outSize; o++) viaPlan[k] += at(used, k * plan.auxStride + o * plan.auxDilation - plan.padBefore) * dy[o];
      expect(relativeError(viaPlan, directFilterGrad(c, x, dy)), JSON.stringify(c)).toBeLessThan(1e-6);
    }
  });

  it('input gradient = per-phase forward convs of dy with the flipped filter', () => {
    for (const c of cases) {
      const dy = randomValues(random, [c.outSize]);
      const w = randomValues(random, [c.filterSize]);
      const plan = planInputGradAxis(c);
      expect(plan.phases * plan.phaseOutSize).toBeGreaterThanOrEqual(c.inSize);
      const viaPlan = new Float32Array(c.inSize);
      plan.phasePlans.forEach((phase, r) => {
        if (phase == null) return; // those dx elements stay 0
        expect(Math.min(phase.padBefore, phase.padAfter, phase.dyStart)).toBeGreaterThanOrEqual(0);
        expect(phase.dyStart + phase.dyLength).toBeLessThanOrEqual(c.outSize);
        const span = (phase.sourceTaps.length - 1) * phase.auxDilation;
        expect(phase.dyLength + phase.padBefore + phase.padAfter - span, JSON.stringify(c)).toBe(plan.phaseOutSize);
        const used = dy.subarray(phase.dyStart, phase.dyStart + phase.dyLength);
        for (let u = 0; u < plan.phaseOutSize; u++) {
          const i = u * plan.phases + r;
          if (i >= c.inSize) continue;
          phase.sourceTaps.forEach((k, t) => {
            viaPlan[i] += at(used, u + t * phase.auxDilation - phase.padBefore) * w[k];
          });
        }
      });
      expect(relativeError(viaPlan, directInputGrad(c, dy, w)), JSON.stringify(c)).toBeLessThan(1e-6);
    }
  });

  it('applies each filter tap exactly once (no multiply-by-zero work)', () => {
    const plan = planInputGradAxis({ inSize: 112, outSize: 56, filterSize: 3, stride: 2, dilation: 1, padBefore: 0 });
    expect(plan.phases).toBe(2);
    const taps = plan.phasePlans.flatMap((phase) => phase?.sourceTaps ?? []).sort();
    expect(taps).toEqual([0, 1, 2]); // 3x3 stride 2: phases of 2x2, 2x1, 1x2, 1x1 taps = 9
  });

  it('rejects stride and dilation both above 1, like tf.conv2d', () => {
    expect(() => planInputGradAxis({ inSize: 9, outSize: 3, filterSize: 3, stride: 2, dilation: 2, padBefore: 0 })).toThrow(/stride/);
  });
});
