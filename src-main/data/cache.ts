/**
 * Decoded-frame cache: frames already resized to the training size, stored as raw uint8 RGB so epochs
 * after the first read bytes instead of decoding JPEGs.
 *
 *   <cacheDir>/frames/v1-<fingerprint>-<W>x<H>/manifest.json   what this folder is (root, size, time)
 *   <cacheDir>/frames/v1-<fingerprint>-<W>x<H>/<clip key>.rgb   one file per clip (format below)
 *
 * The fingerprint hashes every frame's absolute path, size and mtime, so a changed dataset (a frame
 * added, replaced or touched) or another size gets a new folder and stale frames are never served.
 * Everything here is disposable: a missing, truncated or foreign file is a miss and is rebuilt; deleting
 * the whole folder is always safe. Writes go through writeFileAtomic (temp file + rename), so a reader
 * never sees half a file (they skip the fsync: see write()).
 *
 * Clip file: "DFC1" | u32 width | u32 height | u32 clip frame count | u32 n | n x u32 frame index
 * (ascending) | n frames of width*height*3 bytes, in the same order.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../workspace/atomic';
import { mapLimit } from './frame-files';
import type { FrameSize } from './frames';
import type { ClipRecord, DatasetIndex } from './types';

const MAGIC = 0x31434644; // "DFC1" little-endian
const HEADER_BYTES = 20;
/** First read of an entry: the header and, for clips up to ~16k frames, the whole index table. */
const HEAD_READ_BYTES = 64 * 1024;
/** Bump when decoding or resampling changes, so old caches are not mixed with new frames. */
const CACHE_VERSION = 'v1';

/** Hash of every frame's path, size and mtime (stat'ed with limited concurrency). */
export async function fingerprintClips(clips: readonly ClipRecord[], extra = ''): Promise<string> {
  const hash = createHash('sha256').update(`${CACHE_VERSION}\n${extra}\n`);
  const perClip = await mapLimit(clips, 16, async (clip) => {
    const stats = await Promise.all(
      clip.framePaths.map((f) =>
        fs.stat(f).then(
          (s) => `${s.size}:${Math.round(s.mtimeMs)}`,
          () => 'missing',
        ),
      ),
    );
    return `${clip.id}\n${clip.framePaths.map((f, i) => `${f}|${stats[i]}`).join('\n')}\n`;
  });
  for (const part of perClip) hash.update(part);
  return hash.digest('hex').slice(0, 20);
}

/** The fingerprint of a whole dataset: share it between folds so they share one cache. */
export function fingerprintDataset(index: DatasetIndex): Promise<string> {
  return fingerprintClips(index.clips, `${index.kind}\n${index.root}`);
}

export interface CachedClip {
  /** Frame index -> RGB bytes, for the requested indices that were stored. */
  frames: Map<number, Uint8Array>;
  /** Every frame index the entry holds (requested or not). */
  stored: number[];
}

export class FrameCache {
  private constructor(
    readonly dir: string,
    readonly size: FrameSize,
  ) {}

  static async open(cacheDir: string, fingerprint: string, size: FrameSize, root = ''): Promise<FrameCache> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(fingerprint)) throw new Error(`cache fingerprint must be 1-64 letters, digits, "_" or "-", got "${fingerprint}"`);
    const dir = path.join(cacheDir, 'frames', `${CACHE_VERSION}-${fingerprint}-${size.width}x${size.height}`);
    const manifest = path.join(dir, 'manifest.json');
    const exists = await fs.stat(manifest).then(
      () => true,
      () => false,
    );
    if (!exists) await writeJsonAtomic(manifest, { format: CACHE_VERSION, fingerprint, root, width: size.width, height: size.height, createdAt: new Date().toISOString() });
    return new FrameCache(dir, size);
  }

  fileFor(clipId: string): string {
    return path.join(this.dir, `${createHash('sha1').update(clipId).digest('hex').slice(0, 24)}.rgb`);
  }

  private get frameBytes(): number {
    return this.size.width * this.size.height * 3;
  }

  /**
   * Reads the requested frames the clip's entry has; a missing or damaged entry reads as empty. Two reads
   * whatever the frame count (header + index table, then the span of slots that covers the requested
   * frames), because each file operation is a thread-pool round trip and those dominated warm epochs.
   */
  async read(clip: ClipRecord, indices: readonly number[]): Promise<CachedClip> {
    const empty: CachedClip = { frames: new Map(), stored: [] };
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(this.fileFor(clip.id), 'r');
    } catch {
      return empty;
    }
    try {
      let head = Buffer.alloc(HEAD_READ_BYTES);
      let { bytesRead } = await fh.read(head, 0, head.length, 0);
      if (bytesRead < HEADER_BYTES || head.readUInt32LE(0) !== MAGIC) return empty;
      const n = head.readUInt32LE(16);
      if (head.readUInt32LE(4) !== this.size.width || head.readUInt32LE(8) !== this.size.height || head.readUInt32LE(12) !== clip.framePaths.length) return empty;
      const dataStart = HEADER_BYTES + 4 * n;
      if (dataStart > head.length) {
        head = Buffer.alloc(dataStart);
        ({ bytesRead } = await fh.read(head, 0, dataStart, 0));
      }
      if (bytesRead < dataStart) return empty;
      const stored = Array.from({ length: n }, (_, k) => head.readUInt32LE(HEADER_BYTES + 4 * k));
      const slot = new Map(stored.map((frame, k) => [frame, k]));
      const wanted = [...new Set(indices)].filter((f) => slot.has(f));
      const frames = new Map<number, Uint8Array>();
      if (wanted.length === 0) return { frames, stored };
      const slots = wanted.map((f) => slot.get(f)!);
      const first = Math.min(...slots);
      const span = Buffer.alloc((Math.max(...slots) - first + 1) * this.frameBytes);
      const read = await fh.read(span, 0, span.length, dataStart + first * this.frameBytes);
      if (read.bytesRead < span.length) return empty; // truncated entry
      wanted.forEach((f, k) => frames.set(f, span.subarray((slots[k] - first) * this.frameBytes, (slots[k] - first + 1) * this.frameBytes)));
      return { frames, stored };
    } catch {
      return empty;
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  /** Writes the clip's entry with `frames` merged into what it already holds. */
  async write(clip: ClipRecord, frames: Map<number, Uint8Array>, alreadyStored: readonly number[] = []): Promise<void> {
    const merged = new Map(frames);
    const missing = alreadyStored.filter((i) => !merged.has(i));
    if (missing.length) {
      const old = await this.read(clip, missing);
      for (const [i, buf] of old.frames) merged.set(i, buf);
    }
    const order = [...merged.keys()].sort((a, b) => a - b);
    const dataStart = HEADER_BYTES + 4 * order.length;
    const out = Buffer.alloc(dataStart + order.length * this.frameBytes);
    out.writeUInt32LE(MAGIC, 0);
    out.writeUInt32LE(this.size.width, 4);
    out.writeUInt32LE(this.size.height, 8);
    out.writeUInt32LE(clip.framePaths.length, 12);
    out.writeUInt32LE(order.length, 16);
    order.forEach((frame, k) => {
      out.writeUInt32LE(frame, HEADER_BYTES + 4 * k);
      const bytes = merged.get(frame)!;
      if (bytes.length !== this.frameBytes) throw new Error(`frame ${frame} of clip ${clip.id} has ${bytes.length} bytes, expected ${this.frameBytes}`);
      out.set(bytes, dataStart + k * this.frameBytes);
    });
    // No fsync: an entry is disposable and validated when read (a lost or short one is a miss), and an
    // fsync per clip held a thread-pool thread for the disk's latency while decodes queued behind it.
    await writeFileAtomic(this.fileFor(clip.id), out, { sync: false });
  }
}

/**
 * Deletes cache folders made for `root` under another fingerprint (the dataset changed since), keeping
 * `keepFingerprint`. Returns the folders removed. Folders whose manifest is unreadable are left alone.
 */
export async function pruneStaleFrameCaches(cacheDir: string, root: string, keepFingerprint: string): Promise<string[]> {
  const base = path.join(cacheDir, 'frames');
  const entries = await fs.readdir(base).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of entries) {
    const dir = path.join(base, name);
    try {
      const manifest = JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8')) as { root?: string; fingerprint?: string };
      if (manifest.root === root && manifest.fingerprint !== keepFingerprint) {
        await fs.rm(dir, { recursive: true, force: true });
        removed.push(dir);
      }
    } catch {
      // Not ours or unreadable: leave it.
    }
  }
  return removed;
}
