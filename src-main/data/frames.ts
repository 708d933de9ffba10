/**
 * Decoding frames to RGB uint8 at the configured size. sharp (libvips) decodes every format; the resize
 * is done in resize.ts. One decode call per frame (see decodeFrames for why frames are not joined).
 *
 * JPEG fast path: where the optional `@julusian/jpeg-turbo` binding loads (libjpeg-turbo, prebuilt), whole
 * baseline JPEGs are decoded by it on the libuv pool instead: ~0.55 ms of CPU per 224x224 frame against
 * ~2 ms in sharp (libvips' per-image set-up), which is what a cold frame cache pays for every frame.
 * Anything it refuses, and any file without an end-of-image marker (truncated: libjpeg-turbo would only
 * warn; the rule is frame-integrity.ts' `hasImageEnd`, shared with the dataset check), goes through sharp,
 * which reports it as an error naming the file.
 */
import { createRequire } from 'node:module';
import { readFile } from 'node:fs';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { isCompleteJpeg } from './frame-integrity';
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

/** A frame that cannot be read or decoded; `file` is its path, `reason` what went wrong. */
export class FrameDecodeError extends Error {
  readonly reason: string;
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    const reason = (cause as Error)?.message ?? String(cause);
    super(`cannot decode frame ${file}: ${reason}`);
    this.name = 'FrameDecodeError';
    this.reason = reason;
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

/**
 * libjpeg's warnings that mean image data is lost (a run of overwritten bytes, a cut file with an end
 * marker appended): libjpeg only warns and fills in grey, so sharp with failOn 'error' returns a damaged
 * frame. "N extraneous bytes before marker" is a "Corrupt JPEG data" warning too, but nothing is lost
 * (bytes between segments are skipped; common from some webcams): tolerated, like other warnings.
 */
const DAMAGE_WARNING = /corrupt jpeg data|premature end of jpeg/i;
const HARMLESS_WARNING = /extraneous bytes before marker/i;
/**
 * sharp's text when libvips' warning itself did not reach it: with several decodes in flight the warning
 * text is sometimes lost (seen here: 7 of 60 decodes of a damaged frame, 6 others in parallel).
 */
const UNNAMED_WARNING = /^warning treated as error due to failOn setting/i;
const UNNAMED_RETRIES = 3;

async function decodeWithSharp(input: string | Uint8Array, failOn: 'warning' | 'error'): Promise<RgbImage> {
  const { data, info } = await sharp(input, { failOn }).raw().toBuffer({ resolveWithObject: true });
  return { data: toRgb(data, info.channels), width: info.width, height: info.height };
}

/**
 * Decodes an image file (or its bytes, named `file` in errors) to packed RGB at its own size. The dataset
 * check decodes with this too, so the check and training agree on what is undecodable.
 *
 * sharp decodes with failOn 'warning' first. A data-loss warning is a FrameDecodeError; another warning
 * is decoded again with failOn 'error' (a second decode, only for such files). A warning whose text was
 * lost is retried a few times, then counted as damage (the frame did warn; skip-bad can drop its clip).
 * Not caught: damage that libvips does not even warn about. Some zero- or random-filled runs in the scan
 * data are like that; the libjpeg-turbo binding refuses them, but it refuses formats it cannot convert
 * (CMYK) with the same message, so sharp decides, and returns wrong pixels.
 */
export async function decodeRgb(input: string | Uint8Array, file = typeof input === 'string' ? input : '(buffer)'): Promise<RgbImage> {
  if (typeof input !== 'string') {
    const fast = await decodeJpegFast(input);
    if (fast) return fast;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await decodeWithSharp(input, 'warning');
    } catch (err) {
      const message = (err as Error)?.message ?? String(err);
      if (DAMAGE_WARNING.test(message) && !HARMLESS_WARNING.test(message)) throw new FrameDecodeError(file, err);
      if (!UNNAMED_WARNING.test(message)) break;
      if (attempt === UNNAMED_RETRIES) throw new FrameDecodeError(file, new Error(`${message.split('\n')[0]} (libvips warned ${attempt} times without saying what)`));
    }
  }
  try {
    return await decodeWithSharp(input, 'error');
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
 * Decodes several frame files to RGB at `size`, in file order; a bad frame rejects with a FrameDecodeError
 * naming its own file.
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
  // One decode per frame, in parallel: libjpeg-turbo on the libuv pool where it loads, else sharp; any frame
  // the fast path does not take goes through sharp on its own (decodeRgb), so a broken file is named.
  // sharp-only decoding used to join a clip's frames into one call (~20% less CPU on 112x112 frames here),
  // but libvips does not reliably report a damaged frame inside a join (a "Corrupt JPEG data" frame in the
  // middle of a clip passed in 6 of 7 trials), and that frame would be trained on as garbage.
  return Promise.all(bytes.map((buf, k) => decodeFrame(buf, size, files[k])));
}
