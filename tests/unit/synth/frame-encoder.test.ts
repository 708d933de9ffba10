import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { EncodeQueue, encodeJpegFile, type EncodeJob } from '../../../src-main/data/synth/frame-encoder';
import { tempDir } from '../../helpers/tmp';

/** A fake encoder whose jobs finish when the test says so, in any order. */
function controllableEncoder() {
  const pending: Array<{ job: EncodeJob; finish: () => void }> = [];
  const encode = (job: EncodeJob) => new Promise<Uint8Array>((resolve) => pending.push({ job, finish: () => resolve(job.pixels) }));
  return { pending, encode };
}

/**
 * One turn of the event loop (not a timed wait): every promise already settled has run its callbacks. Used to
 * show that something did not happen yet, and to let a finished job's callbacks run before the next step.
 */
const tick = () => new Promise((r) => setTimeout(r, 0));
const job = (pixels: Uint8Array = new Uint8Array(3), file = 'x'): EncodeJob => ({ pixels, size: 1, quality: 90, path: file });

describe('EncodeQueue', () => {
  it('keeps at most `limit` jobs in flight', async () => {
    const { pending, encode } = controllableEncoder();
    const queue = new EncodeQueue(2, encode);
    await queue.add(job());
    await queue.add(job());
    let thirdStarted = false;
    const third = queue.add(job()).then(() => (thirdStarted = true));
    await tick();
    expect(thirdStarted).toBe(false);
    pending[1].finish();
    await third;
    expect(pending).toHaveLength(3);
  });

  it('recycles a pixel buffer only after its job has finished, whatever the finishing order', async () => {
    const { pending, encode } = controllableEncoder();
    const queue = new EncodeQueue(3, encode);
    const a = queue.acquirePixelBuffer(3);
    await queue.add(job(a));
    const b = queue.acquirePixelBuffer(3);
    await queue.add(job(b));
    expect(b).not.toBe(a);
    pending[1].finish(); // b's job finishes first
    await tick();
    const c = queue.acquirePixelBuffer(3);
    expect(c).toBe(b); // recycled
    await queue.add(job(c));
    expect(queue.acquirePixelBuffer(3)).not.toBe(a); // a is still being read
    pending[0].finish();
    await tick();
    expect(queue.acquirePixelBuffer(3)).toBe(a);
  });

  it('rethrows the first encode failure from drain', async () => {
    const queue = new EncodeQueue(2, () => Promise.reject(new Error('disk full')));
    await queue.add(job());
    await expect(queue.drain()).rejects.toThrow('disk full');
  });
});

describe('encodeJpegFile', () => {
  const { dir, cleanup } = tempDir('dfer-jpeg-');
  afterAll(cleanup);

  it('writes a JPEG of the raw pixels and hands the buffer back', async () => {
    const pixels = new Uint8Array(16 * 16 * 3).fill(200);
    const file = path.join(dir, 'grey.jpg');
    expect(await encodeJpegFile({ pixels, size: 16, quality: 90, path: file })).toBe(pixels);
    const { data, info } = await sharp(readFileSync(file)).raw().toBuffer({ resolveWithObject: true });
    expect([info.format, info.width, info.height]).toEqual(['raw', 16, 16]);
    expect(Math.abs(data[0] - 200)).toBeLessThanOrEqual(2);
  });
});
