/** Multi-head self-attention and transformer blocks against a plain-array reimplementation. */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { ParamStore, Scope } from '../../../src-main/engine/models/params';
import { SeededForwardContexts } from '../../../src-main/engine/models/forward-context';
import { MultiHeadSelfAttention } from '../../../src-main/engine/models/layers/attention';
import { TransformerBlock } from '../../../src-main/engine/models/layers/transformer';

const ctx = new SeededForwardContexts(1).create(false);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Matrix = number[][];
const matmul = (a: Matrix, b: Matrix): Matrix => a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
const toMatrix = (t: tf.Tensor, cols: number): Matrix => {
  const flat = Array.from(t.dataSync());
  return Array.from({ length: flat.length / cols }, (_, i) => flat.slice(i * cols, (i + 1) * cols));
};
const softmaxRows = (m: Matrix): Matrix =>
  m.map((row) => {
    const top = Math.max(...row);
    const e = row.map((v) => Math.exp(v - top));
    const sum = e.reduce((s, v) => s + v, 0);
    return e.map((v) => v / sum);
  });

/** Attention of one sequence, written from the definition with nested arrays. */
function referenceAttention(x: Matrix, wQkv: Matrix, wOut: Matrix, bOut: number[], heads: number, headDim: number): Matrix {
  const inner = heads * headDim;
  const qkv = matmul(x, wQkv);
  const headOutputs: Matrix[] = [];
  for (let h = 0; h < heads; h++) {
    const pick = (offset: number) => qkv.map((row) => row.slice(offset + h * headDim, offset + (h + 1) * headDim));
    const q = pick(0);
    const k = pick(inner);
    const v = pick(2 * inner);
    const scores = q.map((qi) => k.map((kj) => qi.reduce((s, val, d) => s + val * kj[d], 0) / Math.sqrt(headDim)));
    headOutputs.push(matmul(softmaxRows(scores), v));
  }
  const merged = x.map((_, i) => headOutputs.flatMap((out) => out[i]));
  return matmul(merged, wOut).map((row) => row.map((v, j) => v + bOut[j]));
}

describe('MultiHeadSelfAttention', () => {
  it('matches scaled dot-product attention per head, heads concatenated, then projected', () => {
    const store = new ParamStore(11);
    const dim = 6;
    const heads = 2;
    const headDim = 4;
    const attention = new MultiHeadSelfAttention(new Scope(store).child('attn'), { dim, heads, headDim });
    const x = tf.randomNormal([2, 5, dim], 0, 1, 'float32', 3) as tf.Tensor3D;
    const out = attention.apply(x, ctx);
    expect(out.shape).toEqual([2, 5, dim]);
    const wQkv = toMatrix(attention.toQkv.weight.value, 3 * heads * headDim);
    const wOut = toMatrix(attention.toOut.weight.value, dim);
    const bOut = Array.from(attention.toOut.bias!.value.dataSync());
    const xs = toMatrix(x, dim);
    const outs = toMatrix(out, dim);
    for (let b = 0; b < 2; b++) {
      const expected = referenceAttention(xs.slice(b * 5, b * 5 + 5), wQkv, wOut, bOut, heads, headDim);
      expected.forEach((row, i) => row.forEach((v, j) => expect(outs[b * 5 + i][j]).toBeCloseTo(v, 4)));
    }
    expect(attention.flops(5)).toBe(2 * (5 * dim * 24 + 2 * 5 * 5 * 8 + 5 * 8 * dim));
    store.dispose();
  });
});

describe('TransformerBlock', () => {
  it('pre-norm is x + attn(LN(x)), then + MLP(LN(.)); post-norm normalises after each residual', () => {
    for (const norm of ['pre', 'post'] as const) {
      const store = new ParamStore(4);
      const block = new TransformerBlock(new Scope(store).child('b'), { dim: 8, depth: 1, heads: 2, headDim: 4, mlpDim: 16, norm });
      // Non-trivial LayerNorm affine parameters, so that a misplaced norm would show.
      block.norm1.weight.value.assign(tf.randomUniform([8], 0.5, 1.5, 'float32', 1));
      block.norm2.bias.value.assign(tf.randomUniform([8], -0.5, 0.5, 'float32', 2));
      const x = tf.randomNormal([1, 3, 8], 0, 1, 'float32', 5) as tf.Tensor3D;
      const mlp = (h: tf.Tensor3D) => block.fc2.apply(tf.tidy(() => {
        const a = block.fc1.apply(h);
        return tf.mul(tf.mul(a, 0.5), tf.add(tf.tanh(tf.mul(tf.add(a, tf.mul(tf.pow(a, 3), 0.044715)), Math.sqrt(2 / Math.PI))), 1));
      }) as tf.Tensor3D);
      let expected: tf.Tensor;
      if (norm === 'pre') {
        const h = tf.add(x, block.attn.apply(block.norm1.apply(x), ctx)) as tf.Tensor3D;
        expected = tf.add(h, mlp(block.norm2.apply(h)));
      } else {
        const h = block.norm1.apply(tf.add(x, block.attn.apply(x, ctx)) as tf.Tensor3D);
        expected = block.norm2.apply(tf.add(h, mlp(h)) as tf.Tensor3D);
      }
      const actual = block.apply(x, ctx);
      Array.from(actual.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected.dataSync()[i], 5));
      store.dispose();
    }
  });
});
