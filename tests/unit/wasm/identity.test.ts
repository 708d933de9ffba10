/**
 * The wasm Identity shares its input's data instead of copying it (engine/wasm/identity.ts): tf.clone and
 * every tensor a custom gradient saves then cost nothing. Sharing must keep tfjs's semantics: the clone is
 * its own tensor, each can be disposed in either order, and the memory is freed once both are.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { registerWasmTrainingKernels } from '../../../src-main/engine/wasm';

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmTrainingKernels();
});

const dataIds = () => tf.backend().numDataIds();

describe('Identity on wasm', () => {
  it('clones without a copy, and either tensor outlives the other', () => {
    const before = dataIds();
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = tf.clone(a);
    expect(dataIds()).toBe(before + 1); // one buffer for both
    expect(b.id).not.toBe(a.id);
    expect(b.shape).toEqual([2, 3]);
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    const c = tf.clone(b);
    b.dispose();
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    c.dispose();
    expect(dataIds()).toBe(before);
  });

  it('int32 and bool clones share too; strings still copy through the stock kernel', () => {
    const i = tf.tensor1d([7, -3], 'int32');
    const j = tf.clone(i);
    expect(j.dtype).toBe('int32');
    expect(Array.from(j.dataSync())).toEqual([7, -3]);
    tf.dispose([i, j]);
    const s = tf.tensor1d(['a', 'b'], 'string');
    const t = tf.clone(s);
    s.dispose();
    expect(t.dataSync()).toEqual(['a', 'b']);
    t.dispose();
  });

  it('a custom gradient that saves its input still gets the right gradient, with no tensor or buffer left over', () => {
    const before = { tensors: tf.memory().numTensors, ids: dataIds() };
    const square = tf.customGrad((x, save) => {
      (save as (t: tf.Tensor[]) => void)([x as tf.Tensor]);
      return { value: tf.square(x as tf.Tensor), gradFunc: (dy, saved) => [tf.mul(dy as tf.Tensor, tf.mul(2, (saved as tf.Tensor[])[0]!))] };
    });
    const x = tf.tensor1d([1, -2, 3]);
    const grad = tf.grad((v: tf.Tensor) => tf.sum(square(v) as tf.Tensor))(x);
    expect(Array.from(grad.dataSync())).toEqual([2, -4, 6]);
    tf.dispose([x, grad]);
    expect(tf.memory().numTensors).toBe(before.tensors);
    expect(dataIds()).toBe(before.ids);
  });
});
