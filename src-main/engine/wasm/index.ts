/**
 * Gradient kernels that let the wasm backend train convolutional nets.
 *
 * Stock @tensorflow/tfjs-backend-wasm 4.22 registers no Conv2DBackpropFilter, no depthwise backprop
 * kernels and no UnsortedSegmentSum (tf.gather's gradient); its Conv2DBackpropInput is a scalar loop
 * and its MaxPoolGrad is wrong for windows whose values are all <= 0 (max-pool-grad.ts). Sum, which
 * every bias and batch-norm gradient calls, and BatchMatMul, whose transposed products (every matMul
 * gradient) run on a scalar loop, get fast paths too (sum-over-outer-axes.ts, batch-mat-mul.ts).
 * `probeWasmGradients()` (gradient-probe.ts) lists the missing ones for the model zoo's ops; every other
 * gradient they need already works on wasm (AvgPoolGrad included: tests/unit/wasm/pool-grad.test.ts).
 */
import { tf } from '../tf';
import { makeBatchMatMulConfig } from './batch-mat-mul';
import { channelKernelConfigs } from './channel-kernels';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { makeConv2DConfig, makeFusedConv2DConfig } from './conv2d-forward';
import { makeConv2DBackpropInputConfig } from './conv2d-backprop-input';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-backprop-filter';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-backprop-input';
import { makeIdentityConfig } from './identity';
import { maxPoolGradConfig } from './max-pool-grad';
import { makeSumConfig } from './sum-over-outer-axes';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum';

export { probeWasmGradients, formatGradientProbe, type GradientProbeResult } from './gradient-probe';

let trainingKernels: tf.KernelConfig[] | null = null;

function stockKernel(kernelName: string): tf.KernelConfig {
  const kernel = tf.getKernel(kernelName, 'wasm');
  if (kernel == null) throw new Error(`wasm training kernels: stock wasm kernel '${kernelName}' not found (is tfjs-backend-wasm imported?)`);
  return kernel;
}

/**
 * Built once: the replacement Conv2DBackpropInput, Sum and BatchMatMul keep the stock kernels for the
 * cases they do not handle, so those must be captured before the first replacement and never after
 * (they would then be our own).
 */
function trainingKernelConfigs(): tf.KernelConfig[] {
  if (trainingKernels == null) {
    trainingKernels = [
      makeConv2DConfig(stockKernel('Conv2D')),
      makeFusedConv2DConfig(stockKernel('FusedConv2D')),
      makeIdentityConfig(stockKernel('Identity')),
      conv2DBackpropFilterConfig,
      makeConv2DBackpropInputConfig(stockKernel('Conv2DBackpropInput')),
      depthwiseConv2dNativeBackpropFilterConfig,
      depthwiseConv2dNativeBackpropInputConfig,
      unsortedSegmentSumConfig,
      maxPoolGradConfig,
      makeSumConfig(stockKernel('Sum')),
      makeBatchMatMulConfig(stockKernel('BatchMatMul')),
      ...channelKernelConfigs,
    ];
  }
  return trainingKernels;
}

/**
 * Registers (or replaces) the wasm gradient kernels and returns their names. Idempotent, and safe
 * before or after `tf.setBackend('wasm')`: tfjs looks kernels up at dispatch time and ours need no
 * setup, so registration does not depend on the backend being initialised.
 */
export function registerWasmTrainingKernels(): string[] {
  const configs = trainingKernelConfigs();
  for (const config of configs) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current === config) continue;
    // Unregister first: registerKernel would overwrite anyway, but warns on every replacement.
    if (current != null) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  return configs.map((config) => config.kernelName);
}
