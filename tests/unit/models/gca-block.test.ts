/** IAL's GCA block against a plain-array recomputation of its formula. */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { ParamStore, Scope } from '../../../src-main/engine/models/params';
import { SeededForwardContexts } from '../../../src-main/engine/models/forward-context';
import { GcaBlock } from '../../../src-main/engine/models/gca-block';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

describe('GcaBlock', () => {
  it('rescales the residual branch by sqrt(s * mean_over_frames(s) + 1e-5) with s = 2 sigmoid(SE(global conv))', () => {
    const store = new ParamStore(21);
    const batch = 2;
    const frames = 3;
    const channels = 16; // the smallest width with a squeeze ratio of 16
    const block = new GcaBlock(new Scope(store).child('layer2.0'), {
      inChannels: 8,
      outChannels: channels,
      stride: 2,
      mapSize: 3,
      frames,
      numClasses: 5,
    });
    const ctx = new SeededForwardContexts(1).create(false);
    const x = tf.randomNormal([batch * frames, 6, 6, 8], 0, 1, 'float32', 8) as tf.Tensor4D;
    const { features, auxLogits } = block.apply(x, batch, ctx);
    expect(features.shape).toEqual([batch * frames, 3, 3, channels]);
    expect(auxLogits.shape).toEqual([batch, 5]);

    const branch = block.block.residualBranch(x, ctx).arraySync() as number[][][][];
    const shortcut = block.block.shortcut(x, ctx).arraySync() as number[][][][];
    const kernel = block.globalConv.value.arraySync() as number[][][][]; // [3, 3, C, 1]
    const w1 = block.squeeze.weight.value.arraySync() as number[][][][]; // [1, 1, C, 1]
    const w2 = block.excite.weight.value.arraySync() as number[][][][]; // [1, 1, 1, C]
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);

    const g = range(batch * frames).map((n) =>
      range(channels).map((c) => range(3).reduce((s, i) => s + range(3).reduce((t, j) => t + branch[n][i][j][c] * kernel[i][j][c][0], 0), 0)),
    );
    const s = g.map((gn) => {
      const hidden = Math.max(0, gn.reduce((sum, v, c) => sum + v * w1[0][0][c][0], 0));
      return range(channels).map((c) => 2 * sigmoid(hidden * w2[0][0][0][c]));
    });
    const expected = features.arraySync() as number[][][][];
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < frames; t++) {
        const n = b * frames + t;
        for (let c = 0; c < channels; c++) {
          const clipMean = range(frames).reduce((sum, u) => sum + s[b * frames + u][c], 0) / frames;
          const weight = Math.sqrt(s[n][c] * clipMean + 1e-5);
          for (let i = 0; i < 3; i++) {
            for (let j = 0; j < 3; j++) {
              expect(expected[n][i][j][c]).toBeCloseTo(Math.max(0, branch[n][i][j][c] * weight + shortcut[n][i][j][c]), 4);
            }
          }
        }
      }
    }

    // Auxiliary head: frame-averaged global-conv output through two bias-free linear maps.
    const a0 = block.auxHidden.weight.value.arraySync() as number[][];
    const a1 = block.auxOut.weight.value.arraySync() as number[][];
    const aux = auxLogits.arraySync() as number[][];
    for (let b = 0; b < batch; b++) {
      const pooled = range(channels).map((c) => range(frames).reduce((sum, t) => sum + g[b * frames + t][c], 0) / frames);
      const hidden = range(2 * channels).map((k) => pooled.reduce((sum, v, c) => sum + v * a0[c][k], 0));
      range(5).forEach((k) => expect(aux[b][k]).toBeCloseTo(hidden.reduce((sum, v, m) => sum + v * a1[m][k], 0), 3));
    }
    store.dispose();
  });
});
