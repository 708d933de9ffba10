/**
 * MaxPoolGrad for wasm, replacing the stock kernel, which is wrong: its C++ starts each window's running
 * max at `std::numeric_limits<float>::min()` (the smallest *positive* float, not the lowest), so a window
 * whose values are all <= 0 routes its gradient nowhere, and on ties it picks the last maximum where
 * TensorFlow (and the cpu backend) pick the first. tests/unit/wasm/pool-grad.test.ts shows both.
 *
 * dx[argmax of each window] += dy, with the first maximum in row-major window order winning and NaN
 * never selected, as on cpu: the native SIMD kernel (native/kernels.c max_pool_grad, images split across
 * the threads), or one JS pass over the heap, channels innermost so every read is contiguous, where the
 * native kernels are not loaded.
 */
import { tf } from '../tf';
import { heapOffset, nativeRunner } from './native-kernels';
import { composeWasmKernel, type TensorInfo, type WasmBackend } from './wasm-kernel-composer';

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    return composeWasmKernel(backend as WasmBackend, (composer) => {
      const dx = composer.allocate(input.shape);
      const native = input.dtype === 'float32' && dy.dtype === 'float32' ? nativeRunner(composer.backend) : null;
      if (native != null) {
        const at = (t: TensorInfo) => heapOffset(composer.backend, t);
        const { inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
        native.run(native.ranges(info.batchSize).map(([b0, b1]) => ({
          fn: 'max_pool_grad',
          args: [at(input), at(dy), at(dx), inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, padInfo.top, padInfo.left, b0, b1],
        })));
        return dx;
      }
      const x = composer.f32(input);
      const dyValues = composer.f32(dy);
      const dxValues = composer.f32(dx);
      dxValues.fill(0);
      const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth } = info;
      const { filterHeight, filterWidth } = info;
      const padTop = info.padInfo.top;
      const padLeft = info.padInfo.left;
      // Per output pixel: the running max and its flat x offset, for all channels at once.
      const best = new Float32Array(channels);
      const bestAt = new Int32Array(channels);
      let dyOffset = 0;
      for (let b = 0; b < batchSize; b++) {
        const batchBase = b * inHeight * inWidth * channels;
        for (let oh = 0; oh < outHeight; oh++) {
          const rowStart = oh * strideHeight - padTop;
          const hFrom = Math.max(rowStart, 0);
          const hTo = Math.min(rowStart + filterHeight, inHeight);
          for (let ow = 0; ow < outWidth; ow++, dyOffset += channels) {
            const colStart = ow * strideWidth - padLeft;
            const wFrom = Math.max(colStart, 0);
            const wTo = Math.min(colStart + filterWidth, inWidth);
            best.fill(-Infinity);
            bestAt.fill(-1);
            for (let h = hFrom; h < hTo; h++) {
              for (let w = wFrom; w < wTo; w++) {
                const base = batchBase + (h * inWidth + w) * channels;
                for (let c = 0; c < channels; c++) {
                  const value = x[base + c];
                  // Strict '>' keeps the first maximum and never selects NaN.
                  if (value > best[c]) {
                    best[c] = value;
                    bestAt[c] = base + c;
                  }
                }
              }
            }
            for (let c = 0; c < channels; c++) {
              if (bestAt[c] >= 0) dxValues[bestAt[c]] += dyValues[dyOffset + c];
            }
          }
        }
      }
      return dx;
    });
  },
};
