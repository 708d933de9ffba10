import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from '../../../src-main/engine/checkpoint';
import { Sgd } from '../../../src-main/engine/optimizer';
import { tf } from '../../../src-main/engine/tf';
import { tempDir } from '../../helpers/tmp';

describe('checkpoints', () => {
  const tmp = tempDir();
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(() => tmp.cleanup());

  let n = 0;
  function fixture() {
    n++;
    const w = tf.variable(tf.randomNormal([3, 4], 0, 1, 'float32', 7), true, `w${n}`);
    const b = tf.variable(tf.tensor1d([1, 2, 3, 4]), true, `b${n}`);
    const sgd = new Sgd(new Map([['w', w], ['b', b]]), { momentum: 0.9, weightDecay: 0.01 });
    sgd.step(new Map([['w', tf.onesLike(w)], ['b', tf.onesLike(b)]]), 0.1);
    return { w, b, sgd };
  }

  it('round-trips weights, optimizer state and trainer state exactly', async () => {
    const dir = path.join(tmp.dir, 'run1');
    mkdirSync(dir);
    const { w, b, sgd } = fixture();
    const weights = new Map<string, tf.Tensor>([['w', w], ['b', b], ['steps', tf.tensor1d([5], 'int32')]]);
    await saveCheckpoint(dir, weights, sgd.getState(), { epoch: 3, note: 'x' });
    const back = (await loadCheckpoint(dir))!;
    expect(back.state).toEqual({ epoch: 3, note: 'x' });
    expect(await back.weights.get('w')!.data()).toEqual(await w.data());
    expect(back.weights.get('steps')!.dtype).toBe('int32');
    expect(back.optimizer.steps).toBe(1);
    expect(back.optimizer.momentumBuffers.w!.values).toEqual(sgd.getState().momentumBuffers.w!.values);
    expect(readdirSync(dir)).toEqual(['checkpoint']);
  });

  it('a newer checkpoint replaces the old one atomically', async () => {
    const dir = path.join(tmp.dir, 'run2');
    mkdirSync(dir);
    const { w, sgd } = fixture();
    await saveCheckpoint(dir, new Map([['w', w]]), sgd.getState(), { epoch: 0 });
    await saveCheckpoint(dir, new Map([['w', tf.mul(w, 2)]]), sgd.getState(), { epoch: 1 });
    expect((await loadCheckpoint(dir))!.state.epoch).toBe(1);
    expect(readdirSync(dir)).toEqual(['checkpoint']);
  });

  it('falls back to the previous checkpoint when a crash hit between the two renames', async () => {
    const dir = path.join(tmp.dir, 'run3');
    mkdirSync(dir);
    const { w, sgd } = fixture();
    await saveCheckpoint(dir, new Map([['w', w]]), sgd.getState(), { epoch: 4 });
    renameSync(path.join(dir, 'checkpoint'), path.join(dir, 'checkpoint.old-abc123'));
    expect((await loadCheckpoint(dir))!.state.epoch).toBe(4);
  });

  it('reports a truncated weights file by name instead of loading garbage', async () => {
    const dir = path.join(tmp.dir, 'run4');
    mkdirSync(dir);
    const { w, sgd } = fixture();
    await saveCheckpoint(dir, new Map([['w', w]]), sgd.getState(), { epoch: 0 });
    writeFileSync(path.join(dir, 'checkpoint', 'weights.bin'), Buffer.alloc(8));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/weights\.bin is truncated: 'w'/);
  });

  it('a run without a checkpoint has none', async () => {
    const dir = path.join(tmp.dir, 'run5');
    mkdirSync(dir);
    expect(await loadCheckpoint(dir)).toBeNull();
    expect(existsSync(path.join(dir, 'checkpoint'))).toBe(false);
  });
});
