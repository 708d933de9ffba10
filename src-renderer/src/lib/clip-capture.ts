/**
 * Recording a take from the camera and turning it into a clip: frames captured at a fixed rate (JPEG, at
 * most 640 px wide) while MediaRecorder keeps a WebM for playback; afterwards, offline, a face is detected
 * in every frame and each frame is cropped (face-crop.ts: gaps filled, smoothed, padded, square) and
 * resized to the clip size.
 */
import { planCrops, type CropPlan, type FrameSize } from '../../../src-shared/face-crop';
import type { Detection, FaceDetector } from './face-detect';

/** Frames wider than this are scaled down at capture: a face crop never needs more. */
const MAX_CAPTURE_WIDTH = 640;
/** WebM bitrate: enough to recognise the take, small enough for the API's request limit. */
const WEBM_BITS_PER_SECOND = 1_000_000;

export interface CapturedTake {
  /** Full camera frames (JPEG), in time order. */
  frames: Blob[];
  frameSize: FrameSize;
  fps: number;
  webm: Blob | null;
}

export interface ProcessedTake {
  /** The face crops, JPEG, `size`x`size`. */
  crops: Blob[];
  size: number;
  detections: (Detection | null)[];
  plan: CropPlan;
  frameSize: FrameSize;
}

function canvasToJpeg(canvas: HTMLCanvasElement, quality: number): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the browser could not encode a frame as JPEG'))), 'image/jpeg', quality));
}

/** Captures frames at `fps` from a playing <video> of the camera, and the stream as WebM, until stopped. */
export class TakeRecorder {
  private readonly canvas = document.createElement('canvas');
  private readonly pending: Promise<Blob>[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private recorder: MediaRecorder | null = null;
  private readonly chunks: Blob[] = [];
  readonly frameSize: FrameSize;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly stream: MediaStream,
    readonly fps: number,
    /** A fixed-duration take: fps x seconds frames exactly, whatever the timer's jitter. */
    private readonly maxFrames = Infinity,
  ) {
    const scale = Math.min(1, MAX_CAPTURE_WIDTH / video.videoWidth);
    this.frameSize = { width: Math.round(video.videoWidth * scale), height: Math.round(video.videoHeight * scale) };
    this.canvas.width = this.frameSize.width;
    this.canvas.height = this.frameSize.height;
  }

  get framesCaptured(): number {
    return this.pending.length;
  }

  start(): void {
    const ctx = this.canvas.getContext('2d')!;
    const grab = () => {
      if (this.pending.length >= this.maxFrames) return;
      ctx.drawImage(this.video, 0, 0, this.frameSize.width, this.frameSize.height);
      this.pending.push(canvasToJpeg(this.canvas, 0.95));
    };
    grab();
    this.timer = setInterval(grab, 1000 / this.fps);
    if (typeof MediaRecorder !== 'undefined') {
      const mimeType = ['video/webm;codecs=vp8', 'video/webm'].find((t) => MediaRecorder.isTypeSupported(t));
      if (mimeType) {
        this.recorder = new MediaRecorder(this.stream, { mimeType, videoBitsPerSecond: WEBM_BITS_PER_SECOND });
        this.recorder.ondataavailable = (e) => {
          if (e.data.size > 0) this.chunks.push(e.data);
        };
        this.recorder.start();
      }
    }
  }

  async stop(): Promise<CapturedTake> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    let webm: Blob | null = null;
    const recorder = this.recorder;
    if (recorder && recorder.state !== 'inactive') {
      await new Promise<void>((resolve) => {
        recorder.onstop = () => resolve();
        recorder.stop();
      });
      webm = this.chunks.length ? new Blob(this.chunks, { type: 'video/webm' }) : null;
    }
    return { frames: await Promise.all(this.pending), frameSize: this.frameSize, fps: this.fps, webm };
  }
}

/** Detects the face in every frame, plans the crops and cuts them out at `size`x`size`. */
export async function processTake(take: CapturedTake, detector: FaceDetector, size: number, onProgress?: (done: number, total: number) => void): Promise<ProcessedTake> {
  const frame = document.createElement('canvas');
  frame.width = take.frameSize.width;
  frame.height = take.frameSize.height;
  const fctx = frame.getContext('2d')!;
  const bitmaps: ImageBitmap[] = [];
  const detections: (Detection | null)[] = [];
  try {
    for (const [i, blob] of take.frames.entries()) {
      const bitmap = await createImageBitmap(blob);
      bitmaps.push(bitmap);
      fctx.drawImage(bitmap, 0, 0, frame.width, frame.height);
      detections.push(await detector.detect(frame));
      onProgress?.(i + 1, take.frames.length * 2);
    }
    const plan = planCrops(
      detections.map((d) => d?.box ?? null),
      take.frameSize,
    );
    const out = document.createElement('canvas');
    out.width = size;
    out.height = size;
    const octx = out.getContext('2d')!;
    octx.imageSmoothingEnabled = true;
    octx.imageSmoothingQuality = 'high';
    const crops: Blob[] = [];
    for (const [i, c] of plan.crops.entries()) {
      octx.drawImage(bitmaps[i]!, c.x, c.y, c.width, c.height, 0, 0, size, size);
      crops.push(await canvasToJpeg(out, 0.92));
      onProgress?.(take.frames.length + i + 1, take.frames.length * 2);
    }
    return { crops, size, detections, plan, frameSize: take.frameSize };
  } finally {
    bitmaps.forEach((b) => b.close());
  }
}

/** A blob's bytes as base64 (no data: prefix), as the clips API takes them. */
export async function blobToBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

/** Detector boxes as the clip store records them: whole pixels inside the frame, 1-based frame numbers. */
export function faceBoxesForSave(detections: readonly (Detection | null)[], frameSize: FrameSize) {
  return detections.flatMap((d, i) => {
    if (!d) return [];
    const x = Math.max(0, Math.round(d.box.x));
    const y = Math.max(0, Math.round(d.box.y));
    const width = Math.max(1, Math.min(frameSize.width - x, Math.round(d.box.width)));
    const height = Math.max(1, Math.min(frameSize.height - y, Math.round(d.box.height)));
    return [{ frame: i + 1, x, y, width, height, score: Math.min(1, Math.max(0, Math.round(d.score * 1000) / 1000)) }];
  });
}
