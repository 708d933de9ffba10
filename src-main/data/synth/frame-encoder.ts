/**
 * Encodes rendered frames to JPEG files with sharp, a bounded number at a time. Encoding runs on libuv's
 * thread pool, so it overlaps with drawing the next frames on the JavaScript thread: on a 2-core machine
 * that is the parallelism that pays (one core draws, the other encodes). Measured alternatives that lost:
 * a JPEG worker thread (more total CPU, slower overall) and more than 2 encodes in flight (lock contention
 * inside libvips stalls the drawing thread).
 */
import sharp from 'sharp';

export interface EncodeJob {
  pixels: Uint8Array;
  size: number;
  quality: number;
  path: string;
}

/** An encoder; resolves with the pixel buffer once it is no longer read. */
export type Encode = (job: EncodeJob) => Promise<Uint8Array>;

export const encodeJpegFile: Encode = async (job) => {
  await sharp(job.pixels, { raw: { width: job.size, height: job.size, channels: 3 } })
    .jpeg({ quality: job.quality, chromaSubsampling: '4:2:0' })
    .toFile(job.path);
  return job.pixels;
};

/**
 * Runs encode jobs with at most `limit` in flight, and recycles pixel buffers: a buffer goes back to the
 * free list only when its job has finished, so it is never overwritten while being read.
 */
export class EncodeQueue {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly free: Uint8Array[] = [];
  private failure: unknown = null;

  constructor(
    private readonly limit: number,
    private readonly encode: Encode = encodeJpegFile,
  ) {}

  /** A buffer to render the next frame into (a recycled one when available). */
  acquirePixelBuffer(byteLength: number): Uint8Array {
    while (this.free.length > 0) {
      const buffer = this.free.pop()!;
      if (buffer.byteLength === byteLength) return buffer;
    }
    return new Uint8Array(byteLength);
  }

  /**
   * Starts the job once the window has room. Resolves when it has started (not finished) with `written`,
   * which settles when the file is on disk. (Wrapped in an object: returning the promise itself would make
   * `await add()` wait for the encode.) The job's pixel buffer belongs to the queue from now on.
   */
  async add(job: EncodeJob): Promise<{ written: Promise<void> }> {
    while (this.inFlight.size >= this.limit) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const written = this.encode(job).then(
      (pixels) => {
        this.free.push(pixels);
      },
      (err: unknown) => {
        this.failure ??= err;
      },
    );
    this.inFlight.add(written);
    void written.finally(() => this.inFlight.delete(written));
    return { written };
  }

  /** Waits for every queued job; rethrows the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
