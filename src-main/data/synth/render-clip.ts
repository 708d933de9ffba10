/**
 * Everything about one clip (subject, scene, expression style and timeline) and the renderer that turns it
 * into 8-bit RGB frames.
 */
import { developFrame, focusBlurInPlace, lightField } from './camera';
import type { ClipPlan } from './dataset-plan';
import type { Emotion } from './dfew-classes';
import {
  CLASS_PROTOTYPES,
  faceStateAt,
  restingActionUnits,
  sampleExpressionStyle,
  sampleTimeline,
  type ActionUnits,
  type ClipTimeline,
  type FaceState,
} from './expression';
import { sampleIdentity, type FaceIdentity } from './face/identity';
import type { HeadTransform } from './face/painter';
import { drawBodyLayer, drawFace } from './face/render-face';
import { forkRng, hashLabel } from '../rng';
import { MaskPool, RgbCanvas } from './raster/canvas';
import { cleanScene, oscillate, sampleScene, type ClipScene } from './scene';

export interface ClipContent {
  emotion: Emotion;
  intensity: number;
  frames: number;
  identity: FaceIdentity;
  scene: ClipScene;
  style: ActionUnits;
  timeline: ClipTimeline;
  /** Seeds the per-frame randomness (camera shake, sensor noise). */
  seed: number;
}

/**
 * Framing of a face-aligned crop, as DFEW's clips are: the face (cheek to cheek about 2 face units) fills
 * about 80% of the frame width, from the hairline to the chin, with the point between the eyes and the
 * mouth at the frame centre. Frames framed like a webcam picture (head and shoulders) left the expression
 * a few pixels wide at the 48-64 px a CPU model sees.
 */
export const FACE_CROP = {
  /** Frame widths per face unit (x the subject's and the scene's scale). */
  unitsToFrame: 0.4,
  /** Vertical position of the face origin (between the eyes, above the nose), fraction of the frame. */
  originY: 0.38,
} as const;

export function subjectIdentity(datasetSeed: number, subject: number): FaceIdentity {
  return sampleIdentity(forkRng(datasetSeed, 'subject', subject));
}

/** The full content of a planned clip: a pure function of the plan and its subject's identity. */
export function clipContentFor(plan: ClipPlan, identity: FaceIdentity): ClipContent {
  const rng = forkRng(plan.clipSeed, 'content');
  return {
    emotion: plan.emotion,
    intensity: plan.intensity,
    frames: plan.frames,
    identity,
    scene: sampleScene(forkRng(plan.clipSeed, 'scene'), identity.skin),
    style: sampleExpressionStyle(plan.emotion, rng),
    timeline: sampleTimeline(plan.frames, plan.emotion, plan.intensity, rng),
    seed: plan.clipSeed,
  };
}

/**
 * A clip with every nuisance switched off (frontal, clean camera, no blinks or talking) and the class
 * prototype's own style: what the sample strip shows, and what tests use to isolate the expression signal.
 */
export function cleanClipContent(emotion: Emotion, intensity: number, identity: FaceIdentity, frames = 16, seed = 1): ClipContent {
  const rng = forkRng(seed, 'clean', emotion);
  const timeline = sampleTimeline(frames, emotion, intensity, rng);
  const onsetStart = 1;
  const apexFrame = Math.max(2, Math.round(frames * 0.6));
  return {
    emotion,
    intensity,
    frames,
    identity,
    scene: cleanScene(),
    style: { ...restingActionUnits(), ...CLASS_PROTOTYPES[emotion] },
    timeline: {
      ...timeline,
      onsetStart,
      apexFrame,
      offsetStart: null,
      blinks: [],
      talk: null,
      browFlick: null,
      gaze: { x: 0, y: 0, driftX: 0, driftY: 0 },
      asymmetry: 0,
    },
    seed,
  };
}

export class ClipRenderer {
  private readonly background: RgbCanvas;
  private readonly canvas: RgbCanvas;
  private readonly light: Float32Array;
  private readonly masks: MaskPool;
  private readonly blurScratch: Float32Array;
  private readonly shake: Float32Array;

  constructor(
    readonly content: ClipContent,
    readonly frameSize: number,
  ) {
    const { scene } = content;
    const size = frameSize;
    this.background = new RgbCanvas(size, size);
    this.background.linearGradient(scene.background.from, scene.background.to, scene.background.angle);
    for (const b of scene.background.blobs) {
      this.background.softEllipse(b.x * size, b.y * size, b.r * size, b.r * size, 0, b.color, b.opacity);
    }
    drawBodyLayer(this.background, content.identity, this.headTransform(0, false), scene.clothing);
    this.canvas = new RgbCanvas(size, size);
    this.light = lightField(scene, size);
    this.masks = new MaskPool(size, size);
    this.blurScratch = new Float32Array(size * 3 * 2);
    const rng = forkRng(content.seed, 'shake');
    this.shake = Float32Array.from({ length: content.frames * 2 }, () => rng.normal(0, scene.shake));
  }

  /** Focus blur of this clip in pixels at its frame size. */
  get blurSigmaPx(): number {
    return (this.content.scene.blurSigma112 * this.frameSize) / 112;
  }

  /** Where the head is at a frame; `withShake` false gives the steady pose (used for the body). */
  headTransform(frame: number, withShake = true): HeadTransform {
    const { scene, identity } = this.content;
    const size = this.frameSize;
    const shakeX = withShake ? this.shake[2 * frame] : 0;
    const shakeY = withShake ? this.shake[2 * frame + 1] : 0;
    return {
      yaw: scene.yaw + oscillate(scene.yawDrift, frame),
      pitch: scene.pitch + oscillate(scene.pitchDrift, frame),
      roll: scene.roll + oscillate(scene.rollDrift, frame),
      scale: FACE_CROP.unitsToFrame * size * identity.sizeInFrame * scene.scale * (1 + oscillate(scene.zoomDrift, frame)),
      centerX: size * (0.5 + scene.offsetX + oscillate(scene.swayX, frame) + shakeX),
      centerY: size * (FACE_CROP.originY + scene.offsetY + oscillate(scene.swayY, frame) + shakeY),
    };
  }

  faceState(frame: number): FaceState {
    const c = this.content;
    return faceStateAt(c.style, c.intensity, c.timeline, frame);
  }

  /** Renders frame `frame` (0-based) as packed 8-bit RGB, into `out` if given. */
  renderFrame(frame: number, out: Uint8Array = new Uint8Array(this.frameSize * this.frameSize * 3)): Uint8Array {
    const { scene, identity, frames } = this.content;
    this.canvas.copyFrom(this.background);
    const occluder = scene.occlusion;
    drawFace(this.canvas, {
      identity,
      state: this.faceState(frame),
      transform: this.headTransform(frame),
      masks: this.masks,
      occlusion: occluder ? { occluder, progress: Math.min(1, frame / Math.max(1, 0.4 * (frames - 1))) } : null,
    });
    focusBlurInPlace(this.canvas.data, this.frameSize, this.blurSigmaPx, this.blurScratch);
    developFrame(this.canvas.data, this.frameSize, scene, this.light, hashLabel(this.content.seed, 'noise', frame), out);
    return out;
  }
}
