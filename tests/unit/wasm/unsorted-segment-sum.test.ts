/** The wasm UnsortedSegmentSum kernel (tf.gather's gradient) against the cpu backend's. */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { registerWasmTrainingKernels } from '../../../src-main/engine/wasm';
import { computeOn, randomInt, randomValues, relativeError, runKernelOn, seededRandom, TOLERANCE } from './helpers';

beforeAll(() => {
  registerWasmTrainingKernels();
});

describe('UnsortedSegmentSum on wasm', () => {
  const random = seededRandom(9);
  const cases = Array.from({ length: 12 }, (_, i) => {
    const rows = randomInt(random, 1, 12);
    const inner = [randomInt(random, 1, 4), randomInt(random, 1, 5)].slice(0, 1 + (i % 2));
    const numSegments = randomInt(random, 1, 8);
    // Out-of-range ids (negative or >= numSegments) must be dropped, as in TensorFlow.
    const ids = Int32Array.from({ length: rows }, () => randomInt(random, -1, numSegments));
    return { name: `${rows} rows of [${inner}] into ${numSegments} segments`, xShape: [rows, ...inner], ids, numSegments };
  });

  it.each(cases)('$name matches cpu (float32)', async ({ xShape, ids, numSegments }) => {
    const inputs = {
      x: { shape: xShape, values: randomValues(random, xShape) },
      segmentIds: { shape: [ids.length], values: ids, dtype: 'int32' as const },
    };
    const actual = await runKernelOn('wasm', 'UnsortedSegmentSum', inputs, { numSegments });
    const expected = await runKernelOn('cpu', 'UnsortedSegmentSum', inputs, { numSegments });
    expect(actual.shape).toEqual(expected.shape);
    expect(relativeError(actual.values, expected.values)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('sums int32 rows exactly', async () => {
    const inputs = {
      x: { shape: [4, 2], values: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), dtype: 'int32' as const },
      segmentIds: { shape: [4], values: Int32Array.from([1, 0, 1, 5]), dtype: 'int32' as const },
    };
    const actual = await runKernelOn('wasm', 'UnsortedSegmentSum', inputs, { numSegments: 3 });
    const expected = await runKernelOn('cpu', 'UnsortedSegmentSum', inputs, { numSegments: 3 });
    expect(Array.from(actual.values)).toEqual(Array.from(expected.values));
  });

  it('makes tf.gather differentiable on wasm, matching cpu', async () => {
    const table = randomValues(random, [6, 5]);
    const indices = [0, 2, 2, 5, 1];
    const gradient = () => {
      const weights = tf.tensor2d(table, [6, 5]);
      return [tf.grad((w: tf.Tensor) => tf.sum(tf.square(tf.gather(w, tf.tensor1d(indices, 'int32')))))(weights)];
    };
    const [onWasm] = await computeOn('wasm', gradient);
    const [onCpu] = await computeOn('cpu', gradient);
    expect(relativeError(onWasm, onCpu)).toBeLessThanOrEqual(TOLERANCE);
  });
});
