/**
 * Is a frame file a whole, decodable image? Checked by content, not by name: JPEG start/end markers
 * (a truncated download or copy loses the end marker), the PNG signature and IEND chunk, then optionally
 * a real decode by sharp, which also catches corrupt data between the markers.
 */
import { promises as fs } from 'node:fs';
import sharp from 'sharp';

export interface FrameProblem {
  code: 'bad-jpeg' | 'undecodable-frame' | 'unreadable-file';
  message: string;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_IEND = [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

function startsWith(buf: Uint8Array, bytes: number[], at = 0): boolean {
  return buf.length >= at + bytes.length && bytes.every((b, i) => buf[at + i] === b);
}

/** Marker-level check of an image's bytes; undefined when it looks whole. */
export function inspectImageBytes(buf: Uint8Array): FrameProblem | undefined {
  if (buf.length === 0) return { code: 'bad-jpeg', message: 'empty file' };
  if (buf[0] === 0xff && buf[1] === 0xd8) {
    if (buf[2] !== 0xff) return { code: 'bad-jpeg', message: 'JPEG start marker not followed by a segment' };
    // Some encoders pad the file after the end marker with zeros; those do not make it truncated.
    let end = buf.length;
    while (end > 2 && buf[end - 1] === 0x00) end--;
    if (!(buf[end - 2] === 0xff && buf[end - 1] === 0xd9)) return { code: 'bad-jpeg', message: 'JPEG end marker (FFD9) missing: the file is truncated' };
    return undefined;
  }
  if (startsWith(buf, PNG_SIGNATURE)) {
    if (!startsWith(buf, PNG_IEND, buf.length - PNG_IEND.length)) return { code: 'bad-jpeg', message: 'PNG IEND chunk missing: the file is truncated' };
    return undefined;
  }
  return { code: 'bad-jpeg', message: 'not a JPEG (no FFD8 start marker) nor a PNG' };
}

/** Reads the file, checks markers and (when `decode`) decodes it fully. Never throws. */
export async function inspectFrameFile(file: string, decode: boolean): Promise<FrameProblem | undefined> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (err) {
    return { code: 'unreadable-file', message: `cannot read: ${(err as Error).message}` };
  }
  const markers = inspectImageBytes(buf);
  if (markers) return markers;
  if (!decode) return undefined;
  try {
    // failOn 'error' rejects corrupt entropy-coded data but tolerates harmless encoder warnings.
    const { info } = await sharp(buf, { failOn: 'error' }).raw().toBuffer({ resolveWithObject: true });
    if (info.width < 1 || info.height < 1) return { code: 'undecodable-frame', message: 'decoded to an empty image' };
  } catch (err) {
    return { code: 'undecodable-frame', message: `decoder refused it: ${(err as Error).message}` };
  }
  return undefined;
}
