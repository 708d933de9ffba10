import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

describe('checkpoint encoding (tf.io.encodeWeights / decodeWeights)', () => {
  const tmp = tempDir();
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(() => tmp.cleanup());

  /** Values chosen to catch any conversion: subnormals, -0, extremes, and int32 beyond float32's exact range. */
  const awkward = new Float32Array([0, -0, 1e-45, -1e-45, 3.4028234663852886e38, -1.1754943508222875e-38, Math.PI, 1 / 3]);
  const bigInts = new Int32Array([2 ** 31 - 1, -(2 ** 31), 16777217, -16777217]);
  const bits = (a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; length: number }) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

  it('round-trips every bit of float32 and int32 weights and of momentum buffers, keeping names in order', async () => {
    const dir = path.join(tmp.dir, 'bits');
    mkdirSync(dir);
    const weights = new Map<string, tf.Tensor>([
      ['layer1.0.conv1.weight', tf.tensor(awkward, [2, 4])],
      ['10', tf.tensor(bigInts, [4], 'int32')],
      ['2', tf.tensor1d([7])],
    ]);
    const momentum = { 'layer1.0.conv1.weight': { shape: [2, 4], values: awkward.slice().reverse() } };
    await saveCheckpoint(dir, weights, { kind: 'sgd', config: { momentum: 0.9, weightDecay: 0 } as never, steps: 12, momentumBuffers: momentum }, { epoch: 4 });
    const back = (await loadCheckpoint(dir))!;
    expect([...back.weights.keys()]).toEqual(['layer1.0.conv1.weight', '10', '2']);
    expect(bits((await back.weights.get('layer1.0.conv1.weight')!.data()) as Float32Array)).toEqual(bits(awkward));
    expect(Array.from(await back.weights.get('10')!.data())).toEqual(Array.from(bigInts));
    expect(back.weights.get('10')!.dtype).toBe('int32');
    expect(bits(back.optimizer.momentumBuffers['layer1.0.conv1.weight']!.values)).toEqual(bits(momentum['layer1.0.conv1.weight'].values));
    expect(back.optimizer.steps).toBe(12);
    // The files are tfjs's own encoding: tf.io.decodeWeights on them alone gives the same tensors.
    const manifest = JSON.parse(readFileSync(path.join(dir, 'checkpoint', 'weights.json'), 'utf8'));
    expect(manifest.format).toBe(2);
    const bin = readFileSync(path.join(dir, 'checkpoint', 'weights.bin'));
    const decoded = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length), manifest.specs);
    expect(bits(decoded['layer1.0.conv1.weight']!.dataSync() as Float32Array)).toEqual(bits(awkward));
    for (const t of [...back.weights.values(), ...weights.values(), ...Object.values(decoded)]) t.dispose();
  });

  /** A checkpoint folder in the format-1 layout, written here by hand: explicit offsets, the same bytes. */
  function writeFormat1(dir: string, offsetShift = 0) {
    const cp = path.join(dir, 'checkpoint');
    mkdirSync(cp, { recursive: true });
    const w = Buffer.concat([Buffer.from(awkward.buffer), Buffer.from(bigInts.buffer)]);
    writeFileSync(path.join(cp, 'weights.bin'), w);
    writeFileSync(
      path.join(cp, 'weights.json'),
      JSON.stringify({
        format: 1,
        tensors: [
          { name: 'w', shape: [8], dtype: 'float32', offset: 0, length: 8 },
          { name: 'n', shape: [2, 2], dtype: 'int32', offset: 32 + offsetShift, length: 4 },
        ],
      }),
    );
    const m = new Float32Array([0.5, -0.25, 1e-40, 2, 3, 4, 5, 6]);
    writeFileSync(path.join(cp, 'optimizer.bin'), Buffer.from(m.buffer));
    writeFileSync(
      path.join(cp, 'optimizer.json'),
      JSON.stringify({ format: 1, kind: 'sgd', config: { momentum: 0.9 }, steps: 3, tensors: [{ name: 'w', shape: [8], dtype: 'float32', offset: 0, length: 8 }] }),
    );
    writeFileSync(path.join(cp, 'state.json'), JSON.stringify({ epoch: 2 }));
    return m;
  }

  it('still loads a checkpoint written in the format-1 layout, bit for bit', async () => {
    const dir = path.join(tmp.dir, 'legacy');
    mkdirSync(dir);
    const m = writeFormat1(dir);
    const back = (await loadCheckpoint(dir))!;
    expect(back.state.epoch).toBe(2);
    expect(bits((await back.weights.get('w')!.data()) as Float32Array)).toEqual(bits(awkward));
    expect(Array.from(await back.weights.get('n')!.data())).toEqual(Array.from(bigInts));
    expect(back.weights.get('n')!.shape).toEqual([2, 2]);
    expect(bits(back.optimizer.momentumBuffers.w!.values)).toEqual(bits(m));
    for (const t of back.weights.values()) t.dispose();
  });

  it('refuses, by file and tensor, a format-1 manifest whose offsets tf.io cannot follow, and an unknown format', async () => {
    const dir = path.join(tmp.dir, 'legacy-gap');
    mkdirSync(dir);
    writeFormat1(dir, 4);
    await expect(loadCheckpoint(dir)).rejects.toThrow(/weights\.json: format-1 entry 'n' is not where tf\.io expects it/);
    const other = path.join(tmp.dir, 'future');
    mkdirSync(other);
    writeFormat1(other);
    writeFileSync(path.join(other, 'checkpoint', 'weights.json'), JSON.stringify({ format: 9, specs: [] }));
    await expect(loadCheckpoint(other)).rejects.toThrow(/weights\.json: unknown checkpoint manifest format 9/);
  });
});
