/**
 * The differentiable ops the model zoo (IAL-GCA, Former-DFER, the small CPU model) and the losses use,
 * each as a tiny scalar loss of float inputs. The probe differentiates every case on wasm; together they
 * exercise every gradient kernel a training step can reach.
 *
 * Shapes are deliberately small and odd (7, 9) so that 'same'/'valid' padding and stride-2 rounding
 * take their asymmetric branches.
 */
import { tf } from '../tf';

export interface GradientProbeCase {
  name: string;
  /** Shapes of the float inputs the loss is differentiated with respect to. */
  inputShapes: number[][];
  loss: (...inputs: tf.Tensor[]) => tf.Scalar;
  /**
   * Set when tfjs-core itself refuses this gradient on every backend (an assertion in its gradient
   * function), so no wasm kernel can make it work.
   */
  coreLimitation?: string;
}

const x4 = [2, 9, 9, 3];
const labels = [0, 3, 6, 1];

function geluErf(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
}

function geluTanh(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}

function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
}

/** Sum of squares keeps every element's gradient non-trivial (unlike a plain sum, whose dy is all ones). */
function sq(t: tf.Tensor): tf.Scalar {
  return tf.sum(tf.square(t));
}

export const gradientProbeCases: GradientProbeCase[] = [
  { name: 'conv2d stride 1 same', inputShapes: [x4, [3, 3, 3, 4]], loss: (x, f) => sq(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same')) },
  { name: 'conv2d stride 2 same', inputShapes: [x4, [3, 3, 3, 4]], loss: (x, f) => sq(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, 'same')) },
  { name: 'conv2d stride 2 valid', inputShapes: [x4, [3, 3, 3, 4]], loss: (x, f) => sq(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, 'valid')) },
  {
    name: 'conv2d explicit padding',
    inputShapes: [x4, [3, 2, 3, 4]],
    loss: (x, f) => sq(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, [2, 1], [[0, 0], [1, 2], [0, 1], [0, 0]])),
  },
  { name: 'conv2d 1x1 stride 2 (downsample)', inputShapes: [x4, [1, 1, 3, 4]], loss: (x, f) => sq(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, 'same')) },
  {
    name: 'conv2d dilation 2',
    inputShapes: [x4, [3, 3, 3, 4]],
    loss: (x, f) => sq(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same', 'NHWC', 2)),
    coreLimitation: 'tfjs-core Conv2D gradient asserts dilations == 1',
  },
  {
    name: 'fused conv2d + bias + relu (tfjs-layers path)',
    inputShapes: [x4, [3, 3, 3, 4], [4]],
    loss: (x, f, b) => sq(tf.fused.conv2d({ x: x as tf.Tensor4D, filter: f as tf.Tensor4D, strides: 2, pad: 'same', bias: b, activation: 'relu' })),
  },
  { name: 'depthwiseConv2d stride 1 same', inputShapes: [x4, [3, 3, 3, 1]], loss: (x, f) => sq(tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same')) },
  { name: 'depthwiseConv2d stride 2 valid, multiplier 2', inputShapes: [x4, [3, 3, 3, 2]], loss: (x, f) => sq(tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, 'valid')) },
  {
    name: 'depthwiseConv2d global (kernel = spatial size, IAL-GCA)',
    inputShapes: [x4, [9, 9, 3, 1]],
    loss: (x, f) => sq(tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid')),
  },
  {
    name: 'depthwiseConv2d dilation 2',
    inputShapes: [x4, [3, 3, 3, 1]],
    loss: (x, f) => sq(tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same', 'NHWC', [2, 2])),
    coreLimitation: 'tfjs-core DepthwiseConv2dNative gradient asserts dilations == 1',
  },
  {
    name: 'batchNorm with moments (training mode)',
    inputShapes: [x4, [3], [3]],
    loss: (x, gamma, beta) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return sq(tf.batchNorm(x, mean, variance, beta, gamma, 1e-5));
    },
  },
  { name: 'relu sigmoid tanh', inputShapes: [[4, 5]], loss: (x) => sq(tf.add(tf.add(tf.relu(x), tf.sigmoid(x)), tf.tanh(x))) },
  { name: 'gelu (erf and tanh approximations)', inputShapes: [[4, 5]], loss: (x) => sq(tf.add(geluErf(x), geluTanh(x))) },
  { name: 'leakyRelu elu relu6', inputShapes: [[4, 5]], loss: (x) => sq(tf.add(tf.add(tf.leakyRelu(x, 0.1), tf.elu(x)), tf.relu6(tf.mul(x, 4)))) },
  { name: 'maxPool 3x3 stride 2 same', inputShapes: [x4], loss: (x) => sq(tf.maxPool(x as tf.Tensor4D, 3, 2, 'same')) },
  { name: 'maxPool 2x2 stride 2 valid', inputShapes: [x4], loss: (x) => sq(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')) },
  { name: 'avgPool 3x3 stride 2 same', inputShapes: [x4], loss: (x) => sq(tf.avgPool(x as tf.Tensor4D, 3, 2, 'same')) },
  { name: 'avgPool global (valid)', inputShapes: [x4], loss: (x) => sq(tf.avgPool(x as tf.Tensor4D, 9, 1, 'valid')) },
  {
    name: 'mean sum max min over axes',
    inputShapes: [[2, 3, 4, 5]],
    loss: (x) => sq(tf.add(tf.add(tf.mean(x, [1, 2]), tf.sum(x, [1, 2])), tf.add(tf.max(x, [1, 2]), tf.min(x, [1, 2])))),
  },
  { name: 'matMul (with transposes)', inputShapes: [[4, 5], [6, 5]], loss: (a, b) => sq(tf.add(tf.matMul(a, b, false, true), tf.transpose(tf.matMul(b, a, false, true)))) },
  {
    name: 'fused matMul + bias + relu (dense layer path)',
    inputShapes: [[4, 5], [5, 6], [6]],
    loss: (a, w, b) => sq(tf.fused.matMul({ a: a as tf.Tensor2D, b: w as tf.Tensor2D, bias: b, activation: 'relu' })),
  },
  {
    name: 'batched matMul attention (softmax(QK^T/sqrt d) V)',
    inputShapes: [[2, 4, 5, 8], [2, 4, 5, 8], [2, 4, 5, 8]],
    loss: (q, k, v) => sq(tf.matMul(tf.softmax(tf.div(tf.matMul(q, k, false, true), Math.sqrt(8))), v)),
  },
  { name: 'softmax logSoftmax', inputShapes: [[4, 7]], loss: (x) => sq(tf.add(tf.softmax(x), tf.logSoftmax(x))) },
  { name: 'layer norm via moments', inputShapes: [[2, 5, 8], [8], [8]], loss: (x, g, b) => sq(layerNorm(x, g, b)) },
  {
    name: 'exp log sqrt rsqrt abs maximum minimum',
    inputShapes: [[4, 5], [4, 5]],
    loss: (a, b) => {
      const positive = tf.add(tf.abs(a), 0.5);
      const terms = [tf.exp(tf.mul(a, 0.1)), tf.log(positive), tf.sqrt(positive), tf.rsqrt(positive), tf.maximum(a, b), tf.minimum(a, b)];
      return sq(tf.addN(terms));
    },
  },
  { name: 'square pow div neg sub', inputShapes: [[4, 5], [4, 5]], loss: (a, b) => sq(tf.sub(tf.div(tf.square(a), tf.add(tf.abs(b), 1)), tf.neg(tf.pow(tf.abs(a), 1.5)))) },
  {
    name: 'concat slice stack unstack',
    inputShapes: [[2, 3, 4], [2, 3, 4]],
    loss: (a, b) => {
      const joined = tf.concat([a, b], 2);
      const parts = tf.unstack(tf.slice(joined, [0, 1, 1], [2, 2, 6]), 1);
      return sq(tf.stack(parts.reverse(), 0));
    },
  },
  { name: 'gather', inputShapes: [[6, 4]], loss: (x) => sq(tf.gather(x, tf.tensor1d([0, 2, 2, 5], 'int32'))) },
  {
    name: 'transpose reshape pad tile',
    inputShapes: [[2, 3, 4]],
    loss: (x) => sq(tf.tile(tf.pad(tf.reshape(tf.transpose(x, [2, 0, 1]), [4, 6]), [[1, 0], [0, 2]]), [2, 1])),
  },
  {
    name: 'oneHot softmax cross-entropy',
    inputShapes: [[4, 7]],
    loss: (logits) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), 7), logits) as tf.Scalar,
  },
  {
    // tfjs-core has no gradient for Greater or Equal (it has one for GreaterEqual): a mask computed from
    // a differentiated tensor must use greaterEqual; masks from labels or constants may use anything.
    name: 'where greaterEqual/equal masks',
    inputShapes: [[4, 5], [4, 5]],
    loss: (a, b) => {
      const masked = tf.where(tf.greaterEqual(a, b), tf.mul(a, 2), b);
      const isClassZero = tf.cast(tf.equal(tf.tensor1d(labels, 'int32'), 0), 'float32');
      const isPastClassTwo = tf.cast(tf.greater(tf.tensor1d(labels, 'int32'), 2), 'float32');
      return sq(tf.mul(masked, tf.expandDims(tf.add(tf.add(isClassZero, isPastClassTwo), 1), 1)));
    },
  },
  {
    name: 'where greater mask of a differentiated tensor',
    inputShapes: [[4, 5], [4, 5]],
    loss: (a, b) => sq(tf.where(tf.greater(a, b), a, b)),
    coreLimitation: 'tfjs-core registers no gradient for Greater (nor Equal, Less); use greaterEqual',
  },
  { name: 'softplus clipByValue', inputShapes: [[4, 5]], loss: (x) => sq(tf.add(tf.softplus(x), tf.clipByValue(x, -0.5, 0.5))) },
  {
    name: 'GCA temporal weighting (2*sigmoid, sqrt(w * mean_t(w) + eps))',
    inputShapes: [[2, 16, 4]],
    loss: (s) => {
      const w = tf.mul(2, tf.sigmoid(s));
      return sq(tf.sqrt(tf.add(tf.mul(w, tf.mean(w, 1, true)), 1e-5)));
    },
  },
];
