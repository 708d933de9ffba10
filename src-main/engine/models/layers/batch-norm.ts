/**
 * BatchNorm over the channel axis of NHWC tensors, with PyTorch's training semantics, and a hand-written
 * backward pass.
 *
 * Why not tf.batchNorm + tf.moments in training: their gradients tile the per-channel scale to the full
 * activation shape and reduce over the outer axes, the two slowest things on both CPU backends here
 * (measured on a 128x28x28x32 activation: Tile 500 ms on cpu and 660 ms on wasm; Sum over axes [0, 1, 2]
 * 670 ms on cpu; a [1, M] x [M, C] matMul doing the same sum 60 ms / 3 ms). They were over half of a `small`
 * training step. Here every full-size operation is elementwise against a [C] vector (tfjs's fast
 * broadcasting path: no broadcast dims after right-alignment) and every reduction is that matMul.
 */
import { tf } from '../../tf';
import { CHANNEL_AFFINE, CHANNEL_GRAD_SUMS, CHANNEL_MOMENTS, channelKernelsAvailable } from '../../wasm/channel-kernels';
import type { ForwardContext } from '../forward-context';
import { constantInit } from '../init';
import type { Param, Scope } from '../params';
import type { Conv2d } from './conv2d';

/** PyTorch defaults. */
const EPSILON = 1e-5;
const MOMENTUM = 0.1;

export class BatchNorm2d {
  readonly weight: Param;
  readonly bias: Param;
  readonly runningMean: Param;
  readonly runningVar: Param;

  constructor(
    scope: Scope,
    readonly channels: number,
  ) {
    this.weight = scope.weight('weight', [channels], constantInit(1));
    this.bias = scope.weight('bias', [channels], constantInit(0));
    this.runningMean = scope.state('running_mean', [channels], constantInit(0));
    this.runningVar = scope.state('running_var', [channels], constantInit(1));
  }

  /**
   * Training: normalise with the batch's own mean and biased variance (the gradient accounts for both), and
   * move the running statistics 10% towards the batch's mean and *unbiased* variance, as PyTorch does.
   * Evaluation: normalise with the running statistics and leave them alone.
   */
  apply(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return this.run(x, ctx, false);
  }

  /**
   * relu(apply(x)). On wasm with the native channel kernels the ReLU is fused into the batch norm's own
   * passes: no separate ReLU pass forward, and no step/cast/multiply mask passes backward (the gradient
   * recomputes the ReLU's gate from the saved input instead).
   */
  applyRelu(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    if (this.channels % 4 === 0 && channelKernelsAvailable()) return this.run(x, ctx, true);
    return tf.relu(this.run(x, ctx, false));
  }

  private run(x: tf.Tensor4D, ctx: ForwardContext, relu: boolean): tf.Tensor4D {
    const scale = this.weight.value as tf.Tensor1D;
    const offset = this.bias.value as tf.Tensor1D;
    const fused = this.channels % 4 === 0 && channelKernelsAvailable();
    if (!ctx.training) {
      const mean = this.runningMean.value as tf.Tensor1D;
      const variance = this.runningVar.value as tf.Tensor1D;
      if (fused) {
        // One pass on wasm (the stock FusedBatchNorm kernel is a scalar loop): (x - mean) * gamma / std + beta.
        return tf.tidy(() => batchNormEvalFused(x, mean, tf.mul(scale, tf.rsqrt(tf.add(variance, EPSILON))) as tf.Tensor1D, offset, relu));
      }
      return tf.batchNorm4d(x, mean, variance, offset, scale, EPSILON);
    }
    const [n, h, w] = x.shape;
    if (n * h * w < 2) {
      throw new Error(
        `BatchNorm in training mode needs more than one value per channel, got input shape [${x.shape.join(', ')}]`,
      );
    }
    const onStatistics = (mean: tf.Tensor1D, variance: tf.Tensor1D) => this.updateRunningStatistics(mean, variance, n * h * w);
    if (fused) return batchNormTrainingFused(x, scale, offset, onStatistics, relu);
    return batchNormTraining(x, scale, offset, onStatistics);
  }

  private updateRunningStatistics(mean: tf.Tensor1D, biasedVariance: tf.Tensor1D, count: number): void {
    tf.tidy(() => {
      const unbiased = tf.mul(biasedVariance, count / (count - 1));
      // The statistics are non-trainable variables outside the loss, so no gradient reaches them.
      this.runningMean.value.assign(tf.add(tf.mul(this.runningMean.value, 1 - MOMENTUM), tf.mul(mean, MOMENTUM)));
      this.runningVar.value.assign(tf.add(tf.mul(this.runningVar.value, 1 - MOMENTUM), tf.mul(unbiased, MOMENTUM)));
    });
  }
}

/**
 * bn(conv(x)), then ReLU when `relu`. In evaluation mode on wasm with the native kernels the batch norm is
 * folded into the convolution (filter scaled by k = gamma / sqrt(runningVar + eps) per output channel, bias
 * beta - runningMean * k) and the ReLU into its epilogue: one tf.fused.conv2d, no extra pass over the
 * activation. It stays differentiable (tfjs's fused conv gradient; the micro-batch probe needs it).
 * Otherwise, and always in training, the layers run one after the other.
 */
export function convBatchNorm(conv: Conv2d, bn: BatchNorm2d, x: tf.Tensor4D, ctx: ForwardContext, relu: boolean): tf.Tensor4D {
  if (ctx.training || conv.bias != null || bn.channels % 4 !== 0 || !channelKernelsAvailable()) {
    return relu ? bn.applyRelu(conv.apply(x), ctx) : bn.apply(conv.apply(x), ctx);
  }
  return tf.tidy(() => {
    const k = tf.mul(bn.weight.value, tf.rsqrt(tf.add(bn.runningVar.value, EPSILON))) as tf.Tensor1D;
    return tf.fused.conv2d({
      x,
      filter: tf.mul(conv.weight.value, k) as tf.Tensor4D,
      strides: conv.stride,
      pad: conv.padding,
      bias: tf.sub(bn.bias.value, tf.mul(bn.runningMean.value, k)),
      activation: relu ? 'relu' : 'linear',
    });
  });
}

/**
 * Per-channel sums of a [M, C] matrix as a [C] vector. On cpu a [1, M] x [M, C] matMul is the fast path;
 * on wasm the project's Sum kernel (engine/wasm) is ~5x faster than the matMul, which re-packs the fresh
 * activation on every call (measured: [1,401408]x[401408,16] 96 ms vs 19 ms).
 */
function channelSums(rows: tf.Tensor2D): tf.Tensor1D {
  if (tf.getBackend() === 'wasm') return tf.sum(rows, 0) as tf.Tensor1D;
  return tf.reshape(tf.matMul(tf.ones([1, rows.shape[0]]), rows), [rows.shape[1]]);
}

/**
 * y = (x - mean) / sqrt(var + eps) * gamma + beta with batch statistics, and its exact gradient:
 *   dbeta = sum(dy), dgamma = sum(dy * xhat),
 *   dx = gamma / sqrt(var + eps) * (dy - dbeta / M - xhat * dgamma / M)        (M values per channel)
 */
function batchNormTraining(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  onStatistics: (mean: tf.Tensor1D, biasedVariance: tf.Tensor1D) => void,
): tf.Tensor4D {
  const channels = x.shape[3];
  const count = x.size / channels;
  const op = tf.customGrad((input, scaleIn, offsetIn, save) => {
    const rows = tf.reshape(input as tf.Tensor4D, [count, channels]) as tf.Tensor2D;
    const mean = tf.div(channelSums(rows), count) as tf.Tensor1D;
    const centred = tf.sub(rows, mean);
    const variance = tf.div(channelSums(tf.square(centred) as tf.Tensor2D), count) as tf.Tensor1D;
    onStatistics(mean, variance);
    const inverseStd = tf.rsqrt(tf.add(variance, EPSILON));
    const normalised = tf.mul(centred, inverseStd) as tf.Tensor2D;
    // customGrad types every argument as Tensor | save function; the last one is the save function.
    (save as (tensors: tf.Tensor[]) => void)([normalised, tf.mul(scaleIn as tf.Tensor1D, inverseStd)]);
    const out = tf.add(tf.mul(normalised, scaleIn as tf.Tensor1D), offsetIn as tf.Tensor1D);
    return {
      value: tf.reshape(out, x.shape),
      gradFunc: (dy, saved) => {
        const [xHat, gammaOverStd] = saved as [tf.Tensor2D, tf.Tensor1D];
        const dyRows = tf.reshape(dy as tf.Tensor4D, [count, channels]) as tf.Tensor2D;
        const dBeta = channelSums(dyRows);
        const dGamma = channelSums(tf.mul(dyRows, xHat) as tf.Tensor2D);
        const centredGrad = tf.sub(tf.sub(dyRows, tf.div(dBeta, count)), tf.mul(xHat, tf.div(dGamma, count)));
        return [tf.reshape(tf.mul(centredGrad, gammaOverStd), x.shape), dGamma, dBeta];
      },
    };
  });
  return op(x, gamma, beta) as tf.Tensor4D;
}

const runKernel = <T extends tf.Tensor>(name: string, inputs: Record<string, tf.Tensor>, attrs: tf.NamedAttrMap = {}): T =>
  tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs) as unknown as T;

/**
 * The same forward and gradient as `batchNormTraining`, in five passes over the activation instead of
 * about fifteen tfjs ops: the workbench's fused per-channel kernels on wasm (engine/wasm/channel-kernels.ts).
 *   forward: (mean, var) = moments(x); a = gamma / sqrt(var + eps); y = a * (x - mean) + beta
 *   gradient: (sum dy, sum dy * (x - mean)) in one pass; dgamma = invStd * sum dy * (x - mean), dbeta = sum dy;
 *             dx = a * dy + k * (x - mean) + c with k = -a * invStd * dgamma / M and c = -a * dbeta / M
 *             (the expression above, expanded so that it is one pass; x is centred before scaling, which
 *             keeps float32 precision for activations far from 0).
 * With `relu`, y = max(0, ...) in the same pass, and the gradient's two passes use dy only where the gate
 * a * (x - mean) + beta > 0 was open (the kernels recompute it with the forward's own expression).
 */
function batchNormTrainingFused(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  onStatistics: (mean: tf.Tensor1D, biasedVariance: tf.Tensor1D) => void,
  relu: boolean,
): tf.Tensor4D {
  const channels = x.shape[3];
  const count = x.size / channels;
  const op = tf.customGrad((input, scaleIn, offsetIn, save) => {
    const rows = tf.reshape(input as tf.Tensor4D, [count, channels]) as tf.Tensor2D;
    const [mean, variance] = tf.unstack(runKernel<tf.Tensor2D>(CHANNEL_MOMENTS, { x: rows })) as [tf.Tensor1D, tf.Tensor1D];
    onStatistics(mean, variance);
    const inverseStd = tf.rsqrt(tf.add(variance, EPSILON)) as tf.Tensor1D;
    const a = tf.mul(scaleIn as tf.Tensor1D, inverseStd) as tf.Tensor1D;
    (save as (tensors: tf.Tensor[]) => void)([rows, mean, inverseStd, a, offsetIn as tf.Tensor1D]);
    return {
      value: tf.reshape(runKernel(CHANNEL_AFFINE, { v: rows, m: mean, k: a, b: offsetIn as tf.Tensor1D }, { relu }), x.shape),
      gradFunc: (dy, saved) => {
        const [xRows, savedMean, savedInverseStd, savedA, savedBeta] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        const gate: Record<string, tf.Tensor> = relu ? { gk: savedA, gb: savedBeta } : {};
        const dyRows = tf.reshape(dy as tf.Tensor4D, [count, channels]) as tf.Tensor2D;
        const [dBeta, dyCentred] = tf.unstack(runKernel<tf.Tensor2D>(CHANNEL_GRAD_SUMS, { dy: dyRows, x: xRows, mean: savedMean, ...gate })) as [
          tf.Tensor1D,
          tf.Tensor1D,
        ];
        const dGamma = tf.mul(dyCentred, savedInverseStd) as tf.Tensor1D;
        const k = tf.neg(tf.mul(tf.mul(savedA, savedInverseStd), tf.div(dGamma, count))) as tf.Tensor1D;
        const c = tf.neg(tf.mul(savedA, tf.div(dBeta, count))) as tf.Tensor1D;
        const dx = runKernel(CHANNEL_AFFINE, { u: dyRows, a: savedA, v: xRows, m: savedMean, k, b: c, ...gate });
        return [tf.reshape(dx, x.shape), dGamma, dBeta];
      },
    };
  });
  return op(x, gamma, beta) as tf.Tensor4D;
}

/**
 * y = k * (x - mean) + beta in one pass (k = gamma / sqrt(runningVar + eps)), clamped at 0 with `relu`,
 * differentiable: an eval-mode forward can run on a gradient tape (the micro-batch memory probe does), so
 * the gradient is given too (through the ReLU's gate, recomputed by the same kernel expression).
 */
function batchNormEvalFused(x: tf.Tensor4D, mean: tf.Tensor1D, k: tf.Tensor1D, beta: tf.Tensor1D, relu: boolean): tf.Tensor4D {
  const channels = x.shape[3];
  const op = tf.customGrad((input, m, scale, shift, save) => {
    const rows = tf.reshape(input as tf.Tensor4D, [x.size / channels, channels]) as tf.Tensor2D;
    (save as (tensors: tf.Tensor[]) => void)([rows, m as tf.Tensor1D, scale as tf.Tensor1D, shift as tf.Tensor1D]);
    return {
      value: tf.reshape(runKernel(CHANNEL_AFFINE, { v: rows, m: m as tf.Tensor1D, k: scale as tf.Tensor1D, b: shift as tf.Tensor1D }, { relu }), x.shape),
      gradFunc: (dy, saved) => {
        const [xRows, savedMean, savedScale, savedShift] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        let dyRows = tf.reshape(dy as tf.Tensor4D, [x.size / channels, channels]) as tf.Tensor2D;
        if (relu) {
          // 1 * (dy where the gate was open) + 0 * (x - mean) + 0.
          const [ones, zeros] = [tf.onesLike(savedScale), tf.zerosLike(savedScale)];
          dyRows = runKernel(CHANNEL_AFFINE, { u: dyRows, a: ones, v: xRows, m: savedMean, k: zeros, b: zeros, gk: savedScale, gb: savedShift });
        }
        const dShift = tf.sum(dyRows, 0);
        return [
          tf.reshape(tf.mul(dyRows, savedScale), x.shape),
          tf.neg(tf.mul(dShift, savedScale)),
          tf.sum(tf.mul(dyRows, tf.sub(xRows, savedMean)), 0),
          dShift,
        ];
      },
    };
  });
  return op(x, mean, k, beta) as tf.Tensor4D;
}
