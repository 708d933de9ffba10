/**
 * The JPEG fast path of the frame decoder (libjpeg-turbo through @julusian/jpeg-turbo): it is used where it
 * loads, gives the same pixels as sharp (both are libjpeg-turbo underneath, so equal within rounding of the
 * chroma upsampling), and never hides a broken file: truncated JPEGs and other formats go through sharp,
 * which names the file.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames, decodeRgb, FrameDecodeError, jpegDecoder, setJpegTurboEnabled } from '../../../src-main/data/frames';
import { tempDir } from '../../helpers/tmp';

const { dir, cleanup } = tempDir('dfer-jpeg-');
let jpeg: Buffer;
let png: Buffer;

beforeAll(async () => {
  const raw = Buffer.alloc(96 * 80 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 37 + ((i / 240) | 0) * 11) & 255;
  jpeg = await sharp(raw, { raw: { width: 96, height: 80, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
  png = await sharp(raw, { raw: { width: 96, height: 80, channels: 3 } }).png().toBuffer();
});
afterAll(cleanup);
afterEach(() => setJpegTurboEnabled(true));

describe('JPEG fast path', () => {
  it('is in use here (the optional binding ships prebuilt for linux-x64)', () => {
    expect(jpegDecoder()).toBe('libjpeg-turbo');
    setJpegTurboEnabled(false);
    expect(jpegDecoder()).toBe('sharp');
  });

  it('decodes the same pixels as sharp', async () => {
    const fast = await decodeRgb(new Uint8Array(jpeg));
    setJpegTurboEnabled(false);
    const slow = await decodeRgb(new Uint8Array(jpeg));
    expect([fast.width, fast.height]).toEqual([96, 80]);
    expect([slow.width, slow.height]).toEqual([96, 80]);
    let maxDiff = 0;
    let sum = 0;
    for (let i = 0; i < fast.data.length; i++) {
      const d = Math.abs(fast.data[i]! - slow.data[i]!);
      maxDiff = Math.max(maxDiff, d);
      sum += d;
    }
    // Two libjpeg-turbo configurations (chroma upsampling, IDCT rounding) differ by a level or two on this
    // worst-case high-frequency pattern; a wrong decode (channel order, stride, size) is off by tens.
    expect(maxDiff).toBeLessThanOrEqual(12);
    expect(sum / fast.data.length).toBeLessThan(1.5);
  });

  it('a clip of frames decodes to the configured size on both paths alike', async () => {
    const files = [0, 1, 2].map((k) => path.join(dir, `f${k}.jpg`));
    files.forEach((f) => writeFileSync(f, jpeg));
    const fast = await decodeFrames(files, { width: 48, height: 40 });
    setJpegTurboEnabled(false);
    const slow = await decodeFrames(files, { width: 48, height: 40 });
    expect(fast.map((f) => f.length)).toEqual([48 * 40 * 3, 48 * 40 * 3, 48 * 40 * 3]);
    fast.forEach((frame, k) => {
      let sum = 0;
      frame.forEach((v, i) => (sum += Math.abs(v - slow[k]![i]!)));
      expect(sum / frame.length).toBeLessThan(1.5);
    });
  });

  it('a truncated JPEG is an error naming its file, not a half-grey frame', async () => {
    const good = path.join(dir, 'good.jpg');
    const cut = path.join(dir, 'cut.jpg');
    writeFileSync(good, jpeg);
    writeFileSync(cut, jpeg.subarray(0, Math.floor(jpeg.length * 0.6)));
    await expect(decodeFrames([good, cut], { width: 48, height: 40 })).rejects.toThrow(FrameDecodeError);
    await expect(decodeFrames([good, cut], { width: 48, height: 40 })).rejects.toThrow(/cut\.jpg/);
  });

  it('other formats still go through sharp', async () => {
    const image = await decodeRgb(new Uint8Array(png));
    expect([image.width, image.height]).toEqual([96, 80]);
  });
});
