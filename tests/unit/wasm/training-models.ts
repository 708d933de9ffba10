/**
 * Two small functional models whose full gradients the tests compare across backends: a CNN
 * (conv + BN + ReLU + max-pool + global depthwise + avg-pool + dense) and a one-layer attention block
 * (layer norm, multi-head attention, GELU MLP, token gather). Written with raw tf ops so each kernel
 * path is explicit; weights come from a seed so both backends see identical values.
 */
import { tf } from '../../../src-main/engine/tf';
import { randomValues, seededRandom } from './helpers';

export interface TrainingModel {
  variables: tf.Variable[];
  loss: () => tf.Scalar;
  /** Frees the variables and the fixed inputs/labels. */
  dispose: () => void;
}

function seededVariables(seed: number, shapes: Record<string, number[]>, scale = 0.5): Record<string, tf.Variable> {
  const random = seededRandom(seed);
  const out: Record<string, tf.Variable> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    out[name] = tf.variable(tf.tensor(randomValues(random, shape).map((v) => v * scale), shape), true);
  }
  return out;
}

function batchNormTraining(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.batchNorm(x, mean, variance, beta, gamma, 1e-3) as tf.Tensor4D;
}

/** Input [2,12,12,3] -> 7 logits; labels fixed. */
export function smallCnn(seed = 1): TrainingModel {
  const v = seededVariables(seed, {
    conv1: [3, 3, 3, 8],
    gamma1: [8],
    beta1: [8],
    conv2: [3, 3, 8, 8],
    bias2: [8],
    globalDepthwise: [3, 3, 8, 1],
    dense: [16, 7],
    denseBias: [7],
  });
  const random = seededRandom(seed + 100);
  const input = tf.tensor4d(randomValues(random, [2, 12, 12, 3]), [2, 12, 12, 3]);
  const labels = tf.oneHot(tf.tensor1d([3, 5], 'int32'), 7);
  const loss = () =>
    tf.tidy(() => {
      // No bias before BN: BN cancels it, so its true gradient is 0 and only rounding noise would be compared.
      const stem = tf.conv2d(input as tf.Tensor4D, v.conv1 as tf.Tensor4D, 2, 'same'); // 6x6
      const normed = tf.relu(batchNormTraining(stem, v.gamma1, v.beta1));
      const pooled = tf.maxPool(normed, 3, 2, 'same'); // 3x3
      // The tfjs-layers path: conv, bias and activation fused.
      const conv2 = tf.fused.conv2d({ x: pooled, filter: v.conv2 as tf.Tensor4D, strides: 1, pad: 'same', bias: v.bias2, activation: 'relu' });
      // IAL-GCA style: a depthwise conv whose kernel is the whole 3x3 map, as a per-channel gate.
      const gate = tf.mul(2, tf.sigmoid(tf.depthwiseConv2d(conv2, v.globalDepthwise as tf.Tensor4D, 1, 'valid')));
      const gated = tf.mul(conv2, gate);
      const avg = tf.reshape(tf.avgPool(gated as tf.Tensor4D, 3, 1, 'valid'), [2, 8]);
      const max = tf.max(gated, [1, 2]);
      const logits = tf.add(tf.matMul(tf.concat([avg, max], 1), v.dense), v.denseBias);
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    });
  return { variables: Object.values(v), loss, dispose: () => tf.dispose([...Object.values(v), input, labels]) };
}

function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
}

function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
}

/** Tokens [2,5,16] (2 heads of 8) -> 7 logits, with a learned position table read by tf.gather. */
export function tinyAttentionBlock(seed = 2): TrainingModel {
  const [batch, tokens, dim, heads] = [2, 5, 16, 2];
  const headDim = dim / heads;
  const v = seededVariables(seed, {
    positions: [8, dim],
    lnGamma: [dim],
    lnBeta: [dim],
    wq: [dim, dim],
    wk: [dim, dim],
    wv: [dim, dim],
    wo: [dim, dim],
    mlpIn: [dim, 32],
    mlpOut: [32, dim],
    head: [dim, 7],
  });
  const random = seededRandom(seed + 100);
  const input = tf.tensor3d(randomValues(random, [batch, tokens, dim]), [batch, tokens, dim]);
  const labels = tf.oneHot(tf.tensor1d([1, 6], 'int32'), 7);
  const splitHeads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [batch, tokens, heads, headDim]), [0, 2, 1, 3]);
  const project = (t: tf.Tensor, w: tf.Tensor) => tf.reshape(tf.matMul(tf.reshape(t, [batch * tokens, w.shape[0]]), w), [batch, tokens, w.shape[1] as number]);
  const loss = () =>
    tf.tidy(() => {
      const x = tf.add(input, tf.gather(v.positions, tf.tensor1d([0, 2, 4, 6, 7], 'int32')));
      const h = layerNorm(x, v.lnGamma, v.lnBeta);
      const [q, k, val] = [v.wq, v.wk, v.wv].map((w) => splitHeads(project(h, w)));
      const attention = tf.softmax(tf.div(tf.matMul(q, k, false, true), Math.sqrt(headDim)));
      const mixed = tf.reshape(tf.transpose(tf.matMul(attention, val), [0, 2, 1, 3]), [batch, tokens, dim]);
      const y = tf.add(x, project(mixed, v.wo));
      const z = tf.add(y, project(gelu(project(y, v.mlpIn)), v.mlpOut));
      const logits = tf.matMul(tf.mean(z, 1), v.head);
      return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1))) as tf.Scalar;
    });
  return { variables: Object.values(v), loss, dispose: () => tf.dispose([...Object.values(v), input, labels]) };
}

/** Builds the model on the current backend, returns its loss and every variable's gradient, disposes all. */
export function lossAndGradients(build: () => TrainingModel): { loss: number; gradients: Float32Array[] } {
  const model = build();
  try {
    const { value, grads } = tf.variableGrads(model.loss, model.variables);
    const result = { loss: value.dataSync()[0], gradients: model.variables.map((variable) => Float32Array.from(grads[variable.name].dataSync())) };
    tf.dispose([value, ...Object.values(grads)]);
    return result;
  } finally {
    model.dispose();
  }
}
