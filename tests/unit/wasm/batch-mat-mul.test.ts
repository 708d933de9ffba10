/**
 * The wasm BatchMatMul replacement against the cpu backend: transposed, batched, broadcast and tall
 * products as well as small ones (left to the stock kernel), and a matMul gradient, on every kernel path:
 * the native kernels (relaxed SIMD and SIMD128: batch_matmul for per-entry right-hand matrices, the 1x1
 * forward convolution for shared ones) and XNNPACK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { registerWasmTrainingKernels } from '../../../src-main/engine/wasm';
import { computeOn, countNativeCalls, KERNEL_PATHS, randomValues, relativeError, runKernelOn, seededRandom, TOLERANCE, useKernelPath } from './helpers';

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmTrainingKernels();
});

interface MatMulCase {
  name: string;
  aShape: number[];
  bShape: number[];
  transposeA: boolean;
  transposeB: boolean;
  /** The native kernel that takes it when the native kernels are on. */
  native: 'batch_matmul' | 'conv2d_forward' | 'none';
}

const cases: MatMulCase[] = [
  { name: 'dense gradient dW = x^T dy', aShape: [70, 40], bShape: [70, 36], transposeA: true, transposeB: false, native: 'conv2d_forward' },
  { name: 'dense gradient dx = dy W^T', aShape: [70, 36], bShape: [40, 36], transposeA: false, transposeB: true, native: 'conv2d_forward' },
  { name: 'both transposed', aShape: [50, 40], bShape: [36, 50], transposeA: true, transposeB: true, native: 'conv2d_forward' },
  { name: 'tokens x shared weights (tall product)', aShape: [4, 17, 48], bShape: [48, 40], transposeA: false, transposeB: false, native: 'conv2d_forward' },
  { name: 'batched attention scores Q K^T', aShape: [2, 2, 33, 34], bShape: [2, 2, 35, 34], transposeA: false, transposeB: true, native: 'batch_matmul' },
  { name: 'batched attention gradient A^T dO', aShape: [3, 36, 33], bShape: [3, 36, 34], transposeA: true, transposeB: false, native: 'batch_matmul' },
  { name: 'broadcast left matrix over a batch', aShape: [1, 33, 40], bShape: [3, 40, 34], transposeA: false, transposeB: false, native: 'batch_matmul' },
  { name: 'small batched product (stock loop without native kernels)', aShape: [5, 4, 6], bShape: [5, 6, 3], transposeA: false, transposeB: false, native: 'batch_matmul' },
  { name: 'small transposed product (stock loop)', aShape: [6, 4], bShape: [5, 6], transposeA: true, transposeB: true, native: 'none' },
  { name: 'single untransposed product', aShape: [64, 48], bShape: [48, 40], transposeA: false, transposeB: false, native: 'conv2d_forward' },
  { name: 'spatial attention, 49 tokens (odd rows and columns: scalar tail)', aShape: [8, 49, 49], bShape: [8, 49, 32], transposeA: false, transposeB: false, native: 'batch_matmul' },
  { name: 'spatial attention scores, 49 x 49 out', aShape: [8, 49, 32], bShape: [8, 49, 32], transposeA: false, transposeB: true, native: 'batch_matmul' },
];

describe.each(KERNEL_PATHS)('BatchMatMul on wasm, $path', (kernelPath) => {
  beforeAll(() => useKernelPath(kernelPath));
  afterAll(() => useKernelPath(KERNEL_PATHS[0]));

  it.each(cases)('$name matches cpu', async ({ aShape, bShape, transposeA, transposeB, native }) => {
    const random = seededRandom(aShape.length * 1000 + bShape[bShape.length - 1]);
    const inputs = { a: { shape: aShape, values: randomValues(random, aShape) }, b: { shape: bShape, values: randomValues(random, bShape) } };
    let actual: Awaited<ReturnType<typeof runKernelOn>> | undefined;
    const calls = await countNativeCalls(async () => {
      actual = await runKernelOn('wasm', 'BatchMatMul', inputs, { transposeA, transposeB });
    });
    const expected = await runKernelOn('cpu', 'BatchMatMul', inputs, { transposeA, transposeB });
    expect(actual!.shape).toEqual(expected.shape);
    expect(relativeError(actual!.values, expected.values)).toBeLessThanOrEqual(TOLERANCE);
    const used = Object.keys(calls).filter((fn) => fn !== 'conv2d_pack_filter');
    expect(used).toEqual(kernelPath.native && native !== 'none' ? [native] : []);
  });

  it('gives the same dense-layer gradients as cpu', async () => {
    const random = seededRandom(17);
    const x = randomValues(random, [64, 48]);
    const w = randomValues(random, [48, 40]);
    const gradients = () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.matMul(a, b))))([tf.tensor2d(x, [64, 48]), tf.tensor2d(w, [48, 40])]);
    const onWasm = await computeOn('wasm', gradients);
    const onCpu = await computeOn('cpu', gradients);
    onWasm.forEach((g, i) => expect(relativeError(g, onCpu[i])).toBeLessThanOrEqual(TOLERANCE));
  });

  it('is not fooled by a weight reused under another shape (stock XNNPACK cache keyed by data id)', async () => {
    const product = () => {
      const w = tf.tensor2d(Array.from({ length: 24 }, (_, i) => i), [6, 4]);
      tf.matMul(tf.ones([2, 6]), w).dataSync(); // packs w as 6x4
      return [tf.matMul(tf.ones([2, 4]), tf.reshape(w, [4, 6]))]; // same data id, now 4x6
    };
    const [onWasm] = await computeOn('wasm', product);
    const [onCpu] = await computeOn('cpu', product);
    expect(Array.from(onWasm)).toEqual(Array.from(onCpu));
  });

  it('frees its per-batch copies and transposes', async () => {
    await tf.setBackend('wasm');
    const heapBuffers = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const a = tf.randomNormal([4, 40, 36]);
    const b = tf.randomNormal([4, 40, 33]);
    const once = () => tf.tidy(() => tf.matMul(a, b, true, false).dataSync());
    once();
    const before = heapBuffers();
    for (let i = 0; i < 5; i++) once();
    expect(heapBuffers()).toBe(before);
    tf.dispose([a, b]);
  });
});
