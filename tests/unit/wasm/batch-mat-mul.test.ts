/**
 * The wasm BatchMatMul replacement against the cpu backend: transposed, batched, broadcast and tall
 * products (the XNNPACK paths) as well as small ones (left to the stock kernel), and a matMul gradient.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { registerWasmTrainingKernels } from '../../../src-main/engine/wasm';
import { computeOn, randomValues, relativeError, runKernelOn, seededRandom, TOLERANCE } from './helpers';

beforeAll(() => {
  registerWasmTrainingKernels();
});

interface MatMulCase {
  name: string;
  aShape: number[];
  bShape: number[];
  transposeA: boolean;
  transposeB: boolean;
}

const cases: MatMulCase[] = [
  { name: 'dense gradient dW = x^T dy', aShape: [70, 40], bShape: [70, 36], transposeA: true, transposeB: false },
  { name: 'dense gradient dx = dy W^T', aShape: [70, 36], bShape: [40, 36], transposeA: false, transposeB: true },
  { name: 'both transposed', aShape: [50, 40], bShape: [36, 50], transposeA: true, transposeB: true },
  { name: 'tokens x shared weights (tall product)', aShape: [4, 17, 48], bShape: [48, 40], transposeA: false, transposeB: false },
  { name: 'batched attention scores Q K^T', aShape: [2, 2, 33, 34], bShape: [2, 2, 35, 34], transposeA: false, transposeB: true },
  { name: 'batched attention gradient A^T dO', aShape: [3, 36, 33], bShape: [3, 36, 34], transposeA: true, transposeB: false },
  { name: 'broadcast left matrix over a batch', aShape: [1, 33, 40], bShape: [3, 40, 34], transposeA: false, transposeB: false },
  { name: 'small batched product (stock loop)', aShape: [5, 4, 6], bShape: [5, 6, 3], transposeA: false, transposeB: false },
  { name: 'small transposed product (stock loop)', aShape: [6, 4], bShape: [5, 6], transposeA: true, transposeB: true },
  { name: 'single untransposed product (stock XNNPACK)', aShape: [64, 48], bShape: [48, 40], transposeA: false, transposeB: false },
];

describe('BatchMatMul on wasm', () => {
  it.each(cases)('$name matches cpu', async ({ aShape, bShape, transposeA, transposeB }) => {
    const random = seededRandom(aShape.length * 1000 + bShape[bShape.length - 1]);
    const inputs = { a: { shape: aShape, values: randomValues(random, aShape) }, b: { shape: bShape, values: randomValues(random, bShape) } };
    const actual = await runKernelOn('wasm', 'BatchMatMul', inputs, { transposeA, transposeB });
    const expected = await runKernelOn('cpu', 'BatchMatMul', inputs, { transposeA, transposeB });
    expect(actual.shape).toEqual(expected.shape);
    expect(relativeError(actual.values, expected.values)).toBeLessThanOrEqual(TOLERANCE);
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
