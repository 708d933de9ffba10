/**
 * Decoding frames to RGB uint8 at the configured size. sharp (libvips) decodes every format; the resize
 * is done in resize.ts. A clip's frames are decoded in one sharp call when they share a size (joined into
 * one tall image, then cut apart), because sharp's per-call set-up runs on the main thread and cost more
 * than the decode itself on 224x224 frames (measured ~0.6 ms per call here).
 *
 * JPEG fast path: where the optional `@julusian/jpeg-turbo` binding loads (libjpeg-turbo, prebuilt), whole
 * baseline JPEGs are decoded by it on the libuv pool instead: ~0.55 ms of CPU per 224x224 frame against
 * ~2 ms in sharp (libvips' per-image set-up), which is what a cold frame cache pays for every frame.
 * Anything it refuses, and any file without an end-of-image marker (truncated: libjpeg-turbo would only
 * warn), goes through sharp, which reports it as an error naming the file.
 */
import { createRequire } from 'node:module';
import { readFile } from 'node:fs';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { resizeRgb } from './resize';

interface JpegTurbo {
  FORMAT_RGB: number;
  decompress(data: Uint8Array, options: { format: number }): Promise<{ data: Uint8Array; width: number; height: number }>;
}

let jpegTurbo: JpegTurbo | null | undefined;
let jpegTurboEnabled = process.env.DFER_JPEG_TURBO !== '0';

/** The libjpeg-turbo binding, or null where it is not installed or cannot load (sharp decodes then). */
function loadJpegTurbo(): JpegTurbo | null {
  if (!jpegTurboEnabled) return null;
  if (jpegTurbo === undefined) {
    try {
      jpegTurbo = createRequire(import.meta.url)('@julusian/jpeg-turbo') as JpegTurbo;
    } catch {
      jpegTurbo = null;
    }
  }
  return jpegTurbo;
}

/** Which JPEG decoder is in use, for reports and tests. */
export function jpegDecoder(): 'libjpeg-turbo' | 'sharp' {
  return loadJpegTurbo() ? 'libjpeg-turbo' : 'sharp';
}

/** Tests compare both decoders; DFER_JPEG_TURBO=0 starts with the fast path off. */
export function setJpegTurboEnabled(on: boolean): void {
  jpegTurboEnabled = on;
}

/** A complete JPEG: SOI at the start and EOI at the end (trailing padding bytes allowed). */
function isCompleteJpeg(buf: Uint8Array): boolean {
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return false;
  for (let i = buf.length - 1; i >= Math.max(1, buf.length - 64); i--) {
    if (buf[i] === 0xd9 && buf[i - 1] === 0xff) return true;
  }
  return false;
}

/** RGB via libjpeg-turbo when it applies, else null (the caller uses sharp). */
async function decodeJpegFast(buf: Uint8Array): Promise<RgbImage | null> {
  const turbo = loadJpegTurbo();
  if (turbo == null || !isCompleteJpeg(buf)) return null;
  try {
    const out = await turbo.decompress(buf, { format: turbo.FORMAT_RGB });
    if (out.data.length !== out.width * out.height * 3) return null;
    return { data: out.data, width: out.width, height: out.height };
  } catch {
    return null; // sharp decides, and names the file if it is broken
  }
}

export interface FrameSize {
  width: number;
  height: number;
}

export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export class FrameDecodeError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`cannot decode frame ${file}: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'FrameDecodeError';
  }
}

export function normaliseSize(size: number | FrameSize | undefined): FrameSize {
  const s = size ?? 112;
  const out = typeof s === 'number' ? { width: s, height: s } : s;
  if (!Number.isInteger(out.width) || !Number.isInteger(out.height) || out.width < 1 || out.height < 1 || out.width > 4096 || out.height > 4096) {
    throw new Error(`frame size must be whole pixels in 1..4096, got ${out.width}x${out.height}`);
  }
  return out;
}

/** Decodes an image file (or its bytes, named `file` in errors) to packed RGB at its own size. */
export async function decodeRgb(input: string | Uint8Array, file = typeof input === 'string' ? input : '(buffer)'): Promise<RgbImage> {
  if (typeof input !== 'string') {
    const fast = await decodeJpegFast(input);
    if (fast) return fast;
  }
  try {
    const { data, info } = await sharp(input, { failOn: 'error' }).raw().toBuffer({ resolveWithObject: true });
    return { data: toRgb(data, info.channels), width: info.width, height: info.height };
  } catch (err) {
    throw new FrameDecodeError(file, err);
  }
}

/** Grey, grey+alpha and RGBA become RGB (alpha is dropped: frames are never composited). */
function toRgb(data: Uint8Array, channels: number): Uint8Array {
  if (channels === 3) return data;
  const pixels = data.length / channels;
  const out = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const s = p * channels;
    const grey = channels < 3;
    out[p * 3] = data[s];
    out[p * 3 + 1] = grey ? data[s] : data[s + 1];
    out[p * 3 + 2] = grey ? data[s] : data[s + 2];
  }
  return out;
}

/** Decodes and resizes one frame: RGB uint8, `size.height * size.width * 3`, row-major. */
export async function decodeFrame(input: string | Uint8Array, size: FrameSize, file?: string): Promise<Uint8Array> {
  return resizeRgb(await decodeRgb(input, file), size);
}

/** Width and height from a JPEG SOF or PNG IHDR header, without decoding; undefined when not found. */
export function imageDimensions(buf: Uint8Array): { width: number; height: number } | undefined {
  if (buf.length > 24 && buf[0] === 0x89 && buf[1] === 0x50) {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    return { width: dv.getUint32(16), height: dv.getUint32(20) };
  }
  if (buf[0] !== 0xff || buf[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 9 < buf.length) {
    if (buf[i] !== 0xff) return undefined;
    const marker = buf[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    const length = (buf[i + 2] << 8) | buf[i + 3];
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (buf[i + 5] << 8) | buf[i + 6], width: (buf[i + 7] << 8) | buf[i + 8] };
    }
    i += 2 + length;
  }
  return undefined;
}

/**
 * The callback readFile, promisified: one stat and one read on the pool, measured at a third of the CPU of
 * fs.promises.readFile on 18 kB frames here (0.05 against 0.14-0.20 ms), which a cold epoch pays per frame.
 */
const readFileBytes = promisify(readFile);

/**
 * Decodes several frame files to RGB at `size`, in file order. Frames of one size go through a single
 * sharp call (stacked vertically); otherwise, or if that call fails, one call per frame, so a bad frame
 * is reported by its own file name.
 */
export async function decodeFrames(files: readonly string[], size: FrameSize): Promise<Uint8Array[]> {
  if (files.length === 0) return [];
  const bytes = await Promise.all(
    files.map((f) =>
      readFileBytes(f).catch((err: Error) => {
        throw new FrameDecodeError(f, err);
      }),
    ),
  );
  if (loadJpegTurbo()) {
    // One libjpeg-turbo decode per frame, in parallel on the libuv pool; any frame it does not take goes
    // through sharp on its own (decodeRgb), so a broken file is still named.
    return Promise.all(bytes.map((buf, k) => decodeFrame(buf, size, files[k])));
  }
  const dims = bytes.map(imageDimensions);
  const first = dims[0];
  const uniform = files.length > 1 && first && dims.every((d) => d && d.width === first.width && d.height === first.height);
  if (uniform) {
    try {
      const { data, info } = await sharp(bytes, { failOn: 'error', join: { across: 1 } }).raw().toBuffer({ resolveWithObject: true });
      if (info.width === first.width && info.height === first.height * files.length) {
        const rgb = toRgb(data, info.channels);
        const frameBytes = first.width * first.height * 3;
        return files.map((_, k) => resizeRgb({ data: rgb.subarray(k * frameBytes, (k + 1) * frameBytes), width: first.width, height: first.height }, size));
      }
    } catch {
      // Fall through: decoding one by one names the file that is broken.
    }
  }
  return Promise.all(bytes.map((buf, k) => decodeFrame(buf, size, files[k])));
}
