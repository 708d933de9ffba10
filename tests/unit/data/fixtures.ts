/**
 * Small real datasets on disk for the data tests: real JPEGs (written with sharp) in each exact layout,
 * in a temp folder per test. Frames are tiny (16x16) so the suite stays fast on two cores.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach } from 'vitest';
import { tempDir as sharedTempDir } from '../../helpers/tmp';

/** The shared temp-folder helper (tests/helpers/tmp.ts), with the data tests' prefix. */
export const tempDir = (prefix = 'dfer-data-'): ReturnType<typeof sharedTempDir> => sharedTempDir(prefix);

/** Registers an afterEach that removes the last folder made, and returns `root()`: a fresh temp folder for the running test. */
export function tempRootPerTest(): () => string {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());
  return () => {
    const t = tempDir();
    cleanup = t.cleanup;
    return t.dir;
  };
}

const jpegCache = new Map<string, Buffer>();

/** A JPEG of one flat colour, or (pattern) a left/right split that shows flips. */
export async function jpegBytes(opts: { width?: number; height?: number; rgb?: [number, number, number]; pattern?: 'flat' | 'split' } = {}): Promise<Buffer> {
  const width = opts.width ?? 16;
  const height = opts.height ?? 16;
  const [r, g, b] = opts.rgb ?? [128, 64, 32];
  const pattern = opts.pattern ?? 'flat';
  const key = `${width}x${height}:${r},${g},${b}:${pattern}`;
  const hit = jpegCache.get(key);
  if (hit) return hit;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const dark = pattern === 'split' && x >= width / 2;
      raw[o] = dark ? 0 : r;
      raw[o + 1] = dark ? 0 : g;
      raw[o + 2] = dark ? 0 : b;
    }
  const buf = await sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer();
  jpegCache.set(key, buf);
  return buf;
}

export async function writeFile(file: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, data);
}

/** Writes `count` frames into `dir` named by `name(i)` (1-based i). */
export async function writeFrames(dir: string, count: number, name: (i: number) => string = (i) => `${i}.jpg`, rgb?: [number, number, number]): Promise<string[]> {
  const bytes = await jpegBytes({ rgb });
  const files: string[] = [];
  await fs.mkdir(dir, { recursive: true });
  for (let i = 1; i <= count; i++) {
    const file = path.join(dir, name(i));
    await fs.writeFile(file, bytes);
    files.push(file);
  }
  return files;
}

export const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';
export const bom = '\uFEFF';

export interface DfewFixtureClip {
  id: number;
  label: number; // DFEW 1..7
  frames: number;
  testFold: number;
}

/**
 * DFEW layout: Clip/clip_224x224/<00001>/..., EmoLabel_DataSplit/{train,test}(single-labeled)/set_k.csv.
 * Each clip is in the test set of its `testFold` and the train set of the other four folds.
 */
export async function makeDfew(
  root: string,
  clips: DfewFixtureClip[],
  opts: { nested?: boolean; crlfBom?: boolean; unpaddedIds?: boolean; frameName?: (i: number) => string } = {},
): Promise<void> {
  const framesRoot = path.join(root, 'Clip', 'clip_224x224', ...(opts.nested ? ['clip_224x224'] : []));
  for (const c of clips) await writeFrames(path.join(framesRoot, String(c.id).padStart(5, '0')), c.frames, opts.frameName);
  for (let fold = 1; fold <= 5; fold++) {
    for (const part of ['train', 'test'] as const) {
      const rows = clips
        .filter((c) => (part === 'test' ? c.testFold === fold : c.testFold !== fold))
        .map((c) => `${opts.unpaddedIds ? c.id : String(c.id).padStart(5, '0')},${c.label}`);
      const lines = ['video_name,label', ...rows];
      const text = opts.crlfBom ? bom + crlf(lines) : lines.join('\n') + '\n';
      await writeFile(path.join(root, 'EmoLabel_DataSplit', `${part}(single-labeled)`, `set_${fold}.csv`), text);
    }
  }
}

/** One clip per DFEW class, spread over the five folds (class k tests in fold (k % 5) + 1). */
export function oneClipPerClass(frames = 20): DfewFixtureClip[] {
  return Array.from({ length: 7 }, (_, k) => ({ id: k + 1, label: k + 1, frames, testFold: (k % 5) + 1 }));
}
