/**
 * Is a frame file a whole, decodable image? Checked by content, not by name: JPEG start/end markers
 * (a truncated download or copy loses the end marker), the PNG signature and IEND chunk, then optionally
 * a real decode (check.ts `inspectFrameFile`, with the loader's decoder), which also catches corrupt data
 * between the markers.
 *
 * The end-of-image rule (`hasImageEnd`) is the one definition used everywhere: by the full-file check
 * here, by the cheap tail-only pass over every frame (`inspectFrameEnd`: open, read the last bytes,
 * close) and by the frame decoder's libjpeg-turbo fast path (frames.ts).
 */
import { close, fstat, open, read } from 'node:fs';
import { promisify } from 'node:util';

export interface FrameProblem {
  code: 'bad-jpeg' | 'undecodable-frame' | 'unreadable-file';
  message: string;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_IEND = [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

/**
 * Bytes read from the end of a file by the tail pass. A JPEG's EOI marker (FF D9) must lie within the
 * last `IMAGE_TAIL_BYTES` bytes (a little trailing junk after EOI is tolerated: decoders stop at EOI),
 * or be followed only by 0x00 padding (some encoders pad to a block size; the tail pass then reads
 * further back, up to `MAX_ZERO_PADDING`).
 */
export const IMAGE_TAIL_BYTES = 16;
const MAX_ZERO_PADDING = 64 * 1024;

const JPEG_END_MISSING = 'JPEG end marker (FFD9) missing: the file is truncated';
const PNG_END_MISSING = 'PNG IEND chunk missing: the file is truncated';

function startsWith(buf: Uint8Array, bytes: number[], at = 0): boolean {
  return at >= 0 && buf.length >= at + bytes.length && bytes.every((b, i) => buf[at + i] === b);
}

/**
 * Does an image end where it should? `suffix` is the file's last bytes (or the whole file). JPEG: FF D9
 * within the last IMAGE_TAIL_BYTES, or as the last bytes before trailing 0x00 padding. PNG: the IEND
 * chunk as the last 8 bytes. 'need-more' when `suffix` is all zero padding and does not reach back to
 * the marker (only possible when it is not the whole file).
 */
export function hasImageEnd(suffix: Uint8Array): 'yes' | 'no' | 'need-more' {
  const n = suffix.length;
  if (startsWith(suffix, PNG_IEND, n - PNG_IEND.length)) return 'yes';
  for (let i = n - 2; i >= Math.max(0, n - IMAGE_TAIL_BYTES); i--) if (suffix[i] === 0xff && suffix[i + 1] === 0xd9) return 'yes';
  let end = n;
  while (end > 0 && suffix[end - 1] === 0x00) end--;
  if (end === n) return 'no'; // no padding, and no marker in the window
  if (end < 2) return 'need-more';
  return suffix[end - 2] === 0xff && suffix[end - 1] === 0xd9 ? 'yes' : 'no';
}

/** A whole JPEG the fast decoder may take: SOI at the start, EOI at the end (by `hasImageEnd`). */
export function isCompleteJpeg(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xd8 && hasImageEnd(buf) === 'yes';
}

/** Marker-level check of an image's bytes; undefined when it looks whole. */
export function inspectImageBytes(buf: Uint8Array): FrameProblem | undefined {
  if (buf.length === 0) return { code: 'bad-jpeg', message: 'empty file' };
  if (buf[0] === 0xff && buf[1] === 0xd8) {
    if (buf[2] !== 0xff) return { code: 'bad-jpeg', message: 'JPEG start marker not followed by a segment' };
    if (hasImageEnd(buf) !== 'yes' || startsWith(buf, PNG_IEND, buf.length - PNG_IEND.length)) return { code: 'bad-jpeg', message: JPEG_END_MISSING };
    return undefined;
  }
  if (startsWith(buf, PNG_SIGNATURE)) {
    if (!startsWith(buf, PNG_IEND, buf.length - PNG_IEND.length)) return { code: 'bad-jpeg', message: PNG_END_MISSING };
    return undefined;
  }
  return { code: 'bad-jpeg', message: 'not a JPEG (no FFD8 start marker) nor a PNG' };
}

// The callback API, promisified: one libuv pool job each, without FileHandle's extra bookkeeping.
const openFd = promisify(open);
const fstatFd = promisify(fstat);
const readFd = promisify(read);
const closeFd = promisify(close);

/**
 * The cheap check of one frame: open it, read its last IMAGE_TAIL_BYTES bytes (further back only when
 * they are all zero padding), close it, and apply `hasImageEnd`. Catches truncated copies/downloads and
 * most non-images; corrupt data between intact markers needs `inspectFrameFile` with a decode. Never throws.
 */
export async function inspectFrameEnd(file: string): Promise<FrameProblem | undefined> {
  let fd: number;
  try {
    fd = await openFd(file, 'r');
  } catch (err) {
    return { code: 'unreadable-file', message: `cannot read: ${(err as Error).message}` };
  }
  try {
    const { size } = await fstatFd(fd);
    if (size === 0) return { code: 'bad-jpeg', message: 'empty file' };
    let want = Math.min(size, IMAGE_TAIL_BYTES);
    for (;;) {
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await readFd(fd, buf, 0, want, size - want);
      const verdict = hasImageEnd(buf.subarray(0, bytesRead));
      if (verdict === 'yes') return undefined;
      if (verdict === 'no' || want >= Math.min(size, MAX_ZERO_PADDING)) {
        return { code: 'bad-jpeg', message: /\.png$/i.test(file) ? PNG_END_MISSING : JPEG_END_MISSING };
      }
      want = Math.min(size, MAX_ZERO_PADDING);
    }
  } catch (err) {
    return { code: 'unreadable-file', message: `cannot read: ${(err as Error).message}` };
  } finally {
    await closeFd(fd).catch(() => undefined);
  }
}
