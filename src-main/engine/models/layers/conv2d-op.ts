/**
 * tf.conv2d with a filter gradient the pure-JS `cpu` backend can afford.
 *
 * Why: tfjs-backend-cpu 4.22's Conv2DBackpropFilter reads every element through TensorBuffer.get (index
 * arithmetic and argument arrays per multiply-add), which measured ~30x slower than the forward convolution
 * here: one forward+backward of Former-DFER on 2 clips x 4 frames x 32x32 took 228 s, almost all of it in
 * that kernel. On `cpu`, this op therefore computes the filter gradient itself, with plain loops over the
 * raw arrays (below). The input gradient uses the backend's own Conv2DBackpropInput (which is not slow).
 * Other backends (wasm, with the project's registered gradient kernels; tfjs-node) use plain tf.conv2d.
 * A faster cpu Conv2DBackpropFilter kernel registered by the engine would make this file unnecessary.
 */
import { tf } from '../../tf';

export function conv2dOp(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, padding: number): tf.Tensor4D {
  if (tf.getBackend() !== 'cpu') return tf.conv2d(x, filter, stride, padding);
  const op = tf.customGrad((input, weights, save) => {
    const xs = input as tf.Tensor4D;
    const ws = weights as tf.Tensor4D;
    // customGrad types every argument as Tensor | save function; the third is the save function.
    (save as (tensors: tf.Tensor[]) => void)([xs, ws]);
    return {
      value: tf.conv2d(xs, ws, stride, padding),
      gradFunc: (dy, saved) => {
        const [savedX, savedW] = saved as [tf.Tensor4D, tf.Tensor4D];
        const dy4 = dy as tf.Tensor4D;
        return [
          tf.conv2dTranspose(dy4, savedW, savedX.shape, stride, padding),
          filterGradient(savedX, dy4, savedW.shape, stride, padding),
        ];
      },
    };
  });
  return op(x, filter) as tf.Tensor4D;
}

/**
 * dW[i, j, c, o] = sum over n, y, x of xPadded[n, y*s + i, x*s + j, c] * dy[n, y, x, o], accumulated as one
 * outer product (input pixel's channels x output pixel's gradient) per output position and kernel tap. Both
 * inner loops run over contiguous channels of plain Float32Arrays, which is what makes it fast in JS. The
 * cpu backend keeps tensor values in memory, so dataSync() here is a reference, not a copy.
 */
function filterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  stride: number,
  padding: number,
): tf.Tensor4D {
  const [kernelHeight, kernelWidth, inChannels, outChannels] = filterShape;
  const [batch, inHeight, inWidth] = x.shape;
  const [, outHeight, outWidth] = dy.shape;
  const input = x.dataSync() as Float32Array;
  const gradOut = dy.dataSync() as Float32Array;
  const gradFilter = new Float32Array(kernelHeight * kernelWidth * inChannels * outChannels);
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const dyOffset = ((n * outHeight + oy) * outWidth + ox) * outChannels;
        for (let i = 0; i < kernelHeight; i++) {
          const iy = oy * stride + i - padding;
          if (iy < 0 || iy >= inHeight) continue; // a zero of the padding: contributes nothing
          for (let j = 0; j < kernelWidth; j++) {
            const ix = ox * stride + j - padding;
            if (ix < 0 || ix >= inWidth) continue;
            const xOffset = ((n * inHeight + iy) * inWidth + ix) * inChannels;
            const tapOffset = (i * kernelWidth + j) * inChannels * outChannels;
            for (let c = 0; c < inChannels; c++) {
              const value = input[xOffset + c];
              if (value === 0) continue; // post-ReLU inputs are often zero
              const rowOffset = tapOffset + c * outChannels;
              for (let o = 0; o < outChannels; o++) gradFilter[rowOffset + o] += value * gradOut[dyOffset + o];
            }
          }
        }
      }
    }
  }
  return tf.tensor4d(gradFilter, filterShape);
}
