/**
 * Parameter counts and FLOPs against formulas written out here independently of the model code, and against
 * published numbers: torchvision's ResNet18 (11,689,512 parameters with its 1000-way fc, i.e. 11,176,512
 * without; 1.81 G multiply-adds at 224x224) and Former-DFER's paper (18 M parameters).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { describeModel } from '../../../src-main/engine/models';
import { ParamStore, Scope } from '../../../src-main/engine/models/params';
import { ResNet18Trunk } from '../../../src-main/engine/models/resnet18';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Parameter formulas.
const conv = (k: number, cin: number, cout: number) => k * k * cin * cout;
const bn = (c: number) => 2 * c;
const block = (cin: number, cout: number, stride: number) =>
  conv(3, cin, cout) + bn(cout) + conv(3, cout, cout) + bn(cout) + (stride !== 1 || cin !== cout ? conv(1, cin, cout) + bn(cout) : 0);
/** Pre-norm block: 2 LayerNorms, bias-free QKV, output projection with bias, 2-layer MLP with biases. */
const transformerBlock = (d: number, heads: number, headDim: number, mlp: number) => {
  const inner = heads * headDim;
  return 2 * d + d * 3 * inner + inner * d + d + 2 * d + d * mlp + mlp + mlp * d + d;
};

// FLOP formulas: 2 x multiply-accumulates.
const convFlops = (out: number, k: number, cin: number, cout: number) => 2 * out * out * k * k * cin * cout;
const transformerFlops = (tokens: number, d: number, heads: number, headDim: number, mlp: number) => {
  const inner = heads * headDim;
  return 2 * (tokens * d * 3 * inner + 2 * tokens * tokens * inner + tokens * inner * d + 2 * tokens * d * mlp);
};

describe('ResNet18 trunk', () => {
  const trunk = new ResNet18Trunk(new Scope(new ParamStore(0, false)));
  const store = new ParamStore(0, false);
  new ResNet18Trunk(new Scope(store));

  it('has torchvision resnet18 minus fc: 11,176,512 parameters', () => {
    expect(store.count('trainable')).toBe(11_176_512);
    expect(store.count('trainable')).toBe(
      conv(7, 3, 64) + bn(64) + 2 * block(64, 64, 1) + block(64, 128, 2) + block(128, 128, 1) +
        block(128, 256, 2) + block(256, 256, 1) + block(256, 512, 2) + block(512, 512, 1),
    );
  });

  it('does 1.81 G multiply-adds per 224x224 image, as published, and maps 112 -> 28 -> 7 -> 4', () => {
    const macs = trunk.flopsByPart(224).reduce((a, b) => a + b, 0) / 2;
    expect(macs / 1.814e9).toBeCloseTo(1, 2);
    expect(trunk.featureSizes(112)).toEqual([28, 28, 14, 7, 4]);
  });
});

describe('describeModel at 112x112x16, 7 classes', () => {
  const opts = { seed: 0 };

  it('small', () => {
    const params =
      conv(3, 3, 16) + conv(3, 16, 32) + conv(3, 32, 64) + conv(3, 64, 128) + bn(16) + bn(32) + bn(64) + bn(128) +
      16 * 128 + transformerBlock(128, 4, 32, 256) + 128 * 7 + 7;
    const perFrame = convFlops(56, 3, 3, 16) + convFlops(28, 3, 16, 32) + convFlops(14, 3, 32, 64) + convFlops(7, 3, 64, 128);
    const flops = 16 * perFrame + transformerFlops(16, 128, 4, 32, 256) + 2 * 128 * 7;
    expect(describeModel('small', opts)).toEqual({ params, flopsPerClip: flops });
  });

  it('former-dfer: ResNet18 + spatial transformer (49 tokens) + temporal transformer with CLS; ~18 M as published', () => {
    const params =
      11_176_512 + 49 * 256 + transformerBlock(256, 8, 32, 512) + 512 + 17 * 512 + 3 * transformerBlock(512, 8, 64, 1024) + 512 * 7 + 7;
    const store = new ParamStore(0, false);
    const trunkFlops = new ResNet18Trunk(new Scope(store)).flopsByPart(112).reduce((a, b) => a + b, 0);
    const flops = 16 * (trunkFlops + transformerFlops(49, 256, 8, 32, 512)) + 3 * transformerFlops(17, 512, 8, 64, 1024) + 2 * 512 * 7;
    const info = describeModel('former-dfer', opts);
    expect(info).toEqual({ params, flopsPerClip: flops });
    expect(info.params / 18e6).toBeCloseTo(1, 2);
  });

  it('ial-gca: the official architecture, counted layer by layer', () => {
    const gca = (c: number, map: number) => map * map * c + c * (c / 16) * 2 + c * 2 * c + 2 * c * 7;
    const params =
      conv(3, 3, 64) + bn(64) + conv(3, 64, 64) + bn(64) +
      block(64, 64, 1) +
      block(64, 128, 2) + gca(128, 14) +
      block(128, 256, 2) + gca(256, 7) +
      block(256, 256, 2) + 2 * block(256, 256, 1) +
      conv(3, 256, 256) + bn(256) + 16 * 256 + 2 * transformerBlock(256, 4, 32, 256) +
      15 * 4096 + 2 * transformerBlock(4096, 4, 32, 512) + 4096 * 7 + 7;
    const perFrame =
      convFlops(56, 3, 3, 64) + convFlops(56, 3, 64, 64) +
      2 * convFlops(28, 3, 64, 64) +
      convFlops(14, 3, 64, 128) + convFlops(14, 3, 128, 128) + convFlops(14, 1, 64, 128) + 2 * (14 * 14 * 128 + 2 * 128 * 8) +
      convFlops(7, 3, 128, 256) + convFlops(7, 3, 256, 256) + convFlops(7, 1, 128, 256) + 2 * (7 * 7 * 256 + 2 * 256 * 16);
    const aux = 2 * (128 * 256 + 256 * 7) + 2 * (256 * 512 + 512 * 7);
    const perFramePair =
      convFlops(4, 3, 256, 256) * 6 + convFlops(4, 1, 256, 256) + convFlops(4, 3, 256, 256) + 2 * transformerFlops(16, 256, 4, 32, 256);
    const flops = 16 * perFrame + aux + 15 * perFramePair + 2 * transformerFlops(15, 4096, 4, 32, 512) + 2 * 4096 * 7;
    expect(describeModel('ial-gca', opts)).toEqual({ params, flopsPerClip: flops });
  });

  it('allocates no tensor', () => {
    const before = tf.memory().numTensors;
    describeModel('ial-gca', opts);
    describeModel('former-dfer', opts);
    expect(tf.memory().numTensors).toBe(before);
  });
});
