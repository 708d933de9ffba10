/**
 * From per-frame face detections to the square crops a clip is made of: gaps filled from neighbouring
 * frames, the box smoothed over time (a detector's box jitters a few pixels from frame to frame, which
 * would make the face shake inside the crop), padded, squared and kept inside the frame.
 *
 * Pure TypeScript without DOM or Node: the Clips view (webcam) and the Node import of videos and frame
 * folders (src-main/services/clip-import.ts) crop through this same module, so a clip looks the same
 * whichever way it came in.
 */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FrameSize {
  width: number;
  height: number;
}

/** The size crops are resized to: the paper's 112x112 input. */
export const DEFAULT_CROP_SIZE = 112;
/** Margin added on each side of the face box, as a fraction of the box's larger side. */
export const DEFAULT_PADDING = 0.25;
/** Frames in the centred moving average that smooths the box over time. */
export const DEFAULT_SMOOTHING = 5;
/** A clip whose detector found a face in fewer than this share of its frames is flagged. */
export const FACE_FRAME_SHARE = 0.5;
/**
 * face-api's tiny face detector as both the view and the Node import run it: input resolution (a multiple
 * of 32; 320 finds faces down to ~40 px in a 640 px frame) and the minimum score of a detection.
 */
export const DETECTOR_INPUT_SIZE = 320;
export const DETECTOR_SCORE_THRESHOLD = 0.4;

export interface CropOptions {
  padding?: number;
  /** Window of the moving average, in frames (1 = no smoothing). */
  smoothing?: number;
}

export interface CropPlan {
  /** One square crop per frame, whole pixels, inside the frame. */
  crops: Box[];
  /** Frames with a detection of their own. */
  found: number;
  /** A face was found in fewer than half of the frames: the crops may not show a face. */
  flagged: boolean;
  /** No face in any frame: the crops are the frame's centre square. */
  centred: boolean;
}

/** Face-box centre and size (its larger side): what gets interpolated and smoothed. */
interface Track {
  cx: number;
  cy: number;
  size: number;
}

const toTrack = (b: Box): Track => ({ cx: b.x + b.width / 2, cy: b.y + b.height / 2, size: Math.max(b.width, b.height) });

/** Whether a clip with `found` of `total` frames showing a face is flagged. */
export function faceMissingInMost(found: number, total: number): boolean {
  return total > 0 && found < total * FACE_FRAME_SHARE;
}

/**
 * The square around a face of `size` centred at (cx, cy), padded, whole pixels, shrunk to fit the frame
 * and shifted (not cut) to lie inside it, so the face keeps its place in the crop near an edge.
 */
function squareAt(t: Track, frame: FrameSize, padding: number): Box {
  const limit = Math.min(frame.width, frame.height);
  const side = Math.max(1, Math.min(limit, Math.round(t.size * (1 + 2 * padding))));
  const x = Math.min(Math.max(0, Math.round(t.cx - side / 2)), frame.width - side);
  const y = Math.min(Math.max(0, Math.round(t.cy - side / 2)), frame.height - side);
  return { x, y, width: side, height: side };
}

/** The padded square crop around one face box. */
export function squareAround(box: Box, frame: FrameSize, padding = DEFAULT_PADDING): Box {
  return squareAt(toTrack(box), frame, padding);
}

/**
 * Every frame gets a box: a missing detection is interpolated linearly between the nearest detections
 * before and after it, and held at the start and the end. Null when no frame has one.
 */
export function fillGaps(boxes: readonly (Box | null)[]): Box[] | null {
  const known = boxes.flatMap((b, i) => (b ? [i] : []));
  if (known.length === 0) return null;
  return boxes.map((b, i) => {
    if (b) return b;
    const after = known.find((k) => k > i);
    const before = known.findLast((k) => k < i);
    if (before === undefined) return boxes[after!]!;
    if (after === undefined) return boxes[before]!;
    const a = boxes[before]!;
    const z = boxes[after]!;
    const t = (i - before) / (after - before);
    const mix = (p: number, q: number) => p + (q - p) * t;
    return { x: mix(a.x, z.x), y: mix(a.y, z.y), width: mix(a.width, z.width), height: mix(a.height, z.height) };
  });
}

/**
 * Smooths centre and size over `window` frames with a local straight-line fit (a first-order
 * Savitzky-Golay filter): in the middle of a clip this is the centred moving average; at its ends, where
 * the window is cut, the line still follows a face that moves steadily instead of lagging behind it.
 */
function smoothTracks(tracks: readonly Track[], window: number): Track[] {
  const half = Math.max(0, Math.floor(window / 2));
  const keys = ['cx', 'cy', 'size'] as const;
  return tracks.map((_, i) => {
    const from = Math.max(0, i - half);
    const to = Math.min(tracks.length - 1, i + half);
    const n = to - from + 1;
    let meanK = 0;
    for (let k = from; k <= to; k++) meanK += (k - i) / n;
    let varK = 0;
    for (let k = from; k <= to; k++) varK += (k - i - meanK) ** 2;
    const out = { cx: 0, cy: 0, size: 0 };
    for (const key of keys) {
      let mean = 0;
      for (let k = from; k <= to; k++) mean += tracks[k]![key] / n;
      let cov = 0;
      for (let k = from; k <= to; k++) cov += (k - i - meanK) * (tracks[k]![key] - mean);
      const slope = varK > 0 ? cov / varK : 0;
      // The fitted line at frame i (offset 0).
      out[key] = mean - slope * meanK;
    }
    return out;
  });
}

/** The face boxes smoothed over time (centre and size), as boxes of the smoothed size. */
export function smoothBoxes(boxes: readonly Box[], window = DEFAULT_SMOOTHING): Box[] {
  return smoothTracks(boxes.map(toTrack), window).map((t) => ({ x: t.cx - t.size / 2, y: t.cy - t.size / 2, width: t.size, height: t.size }));
}

/** From one detection (or null) per frame to one square crop per frame. */
export function planCrops(detections: readonly (Box | null)[], frame: FrameSize, opts: CropOptions = {}): CropPlan {
  const padding = opts.padding ?? DEFAULT_PADDING;
  const found = detections.filter((d) => d !== null).length;
  const filled = fillGaps(detections);
  if (!filled) {
    const side = Math.min(frame.width, frame.height);
    const centre: Box = { x: Math.floor((frame.width - side) / 2), y: Math.floor((frame.height - side) / 2), width: side, height: side };
    return { crops: detections.map(() => ({ ...centre })), found: 0, flagged: detections.length > 0, centred: true };
  }
  const tracks = smoothTracks(filled.map(toTrack), opts.smoothing ?? DEFAULT_SMOOTHING);
  return { crops: tracks.map((t) => squareAt(t, frame, padding)), found, flagged: faceMissingInMost(found, detections.length), centred: false };
}

/**
 * Live smoothing for the camera preview's face box: exponential, holding the last box for a few
 * missed detections so the box does not blink.
 */
export class BoxSmoother {
  private current: Track | null = null;
  private missed = 0;
  constructor(
    private readonly alpha = 0.5,
    private readonly hold = 3,
  ) {}

  push(box: Box | null): Box | null {
    if (!box) {
      this.missed += 1;
      if (this.missed > this.hold) this.current = null;
    } else {
      this.missed = 0;
      const t = toTrack(box);
      const c = this.current;
      const a = this.alpha;
      this.current = c ? { cx: c.cx + a * (t.cx - c.cx), cy: c.cy + a * (t.cy - c.cy), size: c.size + a * (t.size - c.size) } : t;
    }
    const c = this.current;
    return c ? { x: c.cx - c.size / 2, y: c.cy - c.size / 2, width: c.size, height: c.size } : null;
  }
}
