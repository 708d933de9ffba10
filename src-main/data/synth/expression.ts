/**
 * The expression model: action-unit-like parameters, what each of the 7 classes activates, and how a clip
 * moves from neutral through onset to its apex at its own intensity.
 *
 * Intensity scales every action unit linearly, so as intensity goes to 0 every class collapses onto the
 * neutral face (the paper's premise). Subjects' resting faces (identity.ts: brow slant, mouth curve) and
 * non-emotional motion (blinks, talking, brow flicks) are of the same size as a low-intensity expression,
 * which is what makes low-intensity clips genuinely confusable rather than just small.
 */
import type { Emotion } from './dfew-classes';
import type { Rng } from '../rng';

/** Activations 0..1 (FACS action unit in brackets). */
export interface ActionUnits {
  browInnerRaise: number; // AU1
  browOuterRaise: number; // AU2
  browLower: number; // AU4 (also draws the brows together)
  upperLidRaise: number; // AU5 (widens the eyes, shows white above the iris)
  lidTighten: number; // AU7 (lower lid up, eye narrows)
  upperLidDroop: number; // relaxed, heavy upper lids (sadness)
  cheekRaise: number; // AU6
  noseWrinkle: number; // AU9
  upperLipRaise: number; // AU10
  lipCornerUp: number; // AU12
  lipCornerDown: number; // AU15
  lipStretch: number; // AU20 (corners pulled sideways)
  lipPress: number; // AU23/24 (thin, pressed lips)
  lipFunnel: number; // AU22-like rounding (the "O" of surprise)
  chinRaise: number; // AU17
  lipPart: number; // AU25
  jawDrop: number; // AU26/27
}

export const ACTION_UNIT_NAMES = [
  'browInnerRaise', 'browOuterRaise', 'browLower', 'upperLidRaise', 'lidTighten', 'upperLidDroop', 'cheekRaise',
  'noseWrinkle', 'upperLipRaise', 'lipCornerUp', 'lipCornerDown', 'lipStretch', 'lipPress', 'lipFunnel',
  'chinRaise', 'lipPart', 'jawDrop',
] as const satisfies ReadonlyArray<keyof ActionUnits>;

/** Everything the face renderer needs for one frame besides the identity and the head pose. */
export interface FaceState extends ActionUnits {
  /** Eye closure 0 (open) .. 1 (closed). */
  blink: number;
  /** Gaze offset in units of iris radius. */
  gazeX: number;
  gazeY: number;
  /** Left/right imbalance: the subject's left side gets (1 + asymmetry), the right (1 - asymmetry). */
  asymmetry: number;
}

export function restingActionUnits(): ActionUnits {
  return {
    browInnerRaise: 0, browOuterRaise: 0, browLower: 0, upperLidRaise: 0, lidTighten: 0, upperLidDroop: 0,
    cheekRaise: 0, noseWrinkle: 0, upperLipRaise: 0, lipCornerUp: 0, lipCornerDown: 0, lipStretch: 0,
    lipPress: 0, lipFunnel: 0, chinRaise: 0, lipPart: 0, jawDrop: 0,
  };
}

/**
 * Apex configuration of each class at intensity 1 (after EMFACS prototypes). Fear and Surprise share brow
 * raising and lid widening and differ by the stretched mouth and the drawn-together brows of fear; Disgust
 * and Angry share brow lowering and lid tightening and differ by the nose wrinkle / raised upper lip versus
 * pressed lips; Sad shares the inner brow raise with Fear.
 */
export const CLASS_PROTOTYPES: Readonly<Record<Emotion, Partial<ActionUnits>>> = {
  Happy: { cheekRaise: 0.9, lipCornerUp: 1, lipPart: 0.6, lidTighten: 0.2 },
  Sad: { browInnerRaise: 0.95, browLower: 0.45, upperLidDroop: 0.45, lipCornerDown: 0.9, chinRaise: 0.6 },
  Neutral: {},
  Angry: { browLower: 1, upperLidRaise: 0.35, lidTighten: 0.6, lipPress: 0.9, chinRaise: 0.35, noseWrinkle: 0.1 },
  Surprise: { browInnerRaise: 1, browOuterRaise: 1, upperLidRaise: 0.9, jawDrop: 0.85, lipPart: 1, lipFunnel: 0.45 },
  Disgust: {
    noseWrinkle: 1, upperLipRaise: 0.9, browLower: 0.55, lidTighten: 0.5, cheekRaise: 0.35, lipCornerDown: 0.35,
    lipPart: 0.25, chinRaise: 0.3,
  },
  Fear: {
    browInnerRaise: 0.9, browOuterRaise: 0.5, browLower: 0.45, upperLidRaise: 1, lidTighten: 0.2, lipStretch: 1,
    jawDrop: 0.35, lipPart: 0.6,
  },
};

/**
 * A clip's own version of its class prototype: people express the same emotion differently (open or closed
 * smile, more brow or more mouth). Each unit is scaled by a random factor; a few optional components vary more.
 */
export function sampleExpressionStyle(emotion: Emotion, rng: Rng): ActionUnits {
  const style = restingActionUnits();
  for (const [unit, value] of Object.entries(CLASS_PROTOTYPES[emotion]) as Array<[keyof ActionUnits, number]>) {
    style[unit] = Math.min(1, value * rng.normalClamped(1, 0.15, 0.6, 1.35));
  }
  if (emotion === 'Happy') style.lipPart = rng.uniform(0.3, 1); // closed-mouth or toothy smiles
  if (emotion === 'Surprise') style.jawDrop = rng.uniform(0.5, 1);
  if (emotion === 'Disgust' && rng.chance(0.5)) {
    // Nose-led or lip-led disgust.
    style.noseWrinkle *= rng.uniform(0.5, 0.8);
    style.upperLipRaise = Math.min(1, style.upperLipRaise * 1.15);
  }
  if (emotion === 'Angry' && rng.chance(0.3)) {
    // Shouting anger: lips apart instead of pressed.
    style.lipPress *= 0.3;
    style.lipPart = rng.uniform(0.3, 0.7);
    style.jawDrop = rng.uniform(0.1, 0.3);
  }
  return style;
}

export interface TalkMotion {
  amplitude: number;
  /** Cycles per frame. */
  frequency: number;
  phase: number;
}

/** When things happen inside a clip. Frame 0 is always neutral (activation 0). */
export interface ClipTimeline {
  frames: number;
  /** Last frame at activation 0. */
  onsetStart: number;
  /** First frame at full activation. */
  apexFrame: number;
  /** Frame where a partial release starts, or null if the apex is held to the end. */
  offsetStart: number | null;
  /** Activation reached at the last frame when there is a release. */
  offsetLevel: number;
  /** Frames where a blink is at its deepest. */
  blinks: number[];
  talk: TalkMotion | null;
  /** Neutral clips: a small brow flick (non-emotional), centred on this frame, of this height. */
  browFlick: { frame: number; height: number } | null;
  gaze: { x: number; y: number; driftX: number; driftY: number };
  asymmetry: number;
}

export function sampleTimeline(frames: number, emotion: Emotion, intensity: number, rng: Rng): ClipTimeline {
  // DFEW clips are cut around the expression: the apex is reached early enough to hold for most of the clip.
  const onsetStart = rng.intBetween(0, Math.max(1, Math.round(frames * 0.2)));
  const onsetLength = rng.intBetween(Math.max(2, Math.round(frames * 0.15)), Math.max(3, Math.round(frames * 0.35)));
  const apexFrame = Math.min(frames - 1, onsetStart + onsetLength);
  const canRelease = frames - 1 - apexFrame >= 4;
  const offsetStart = canRelease && rng.chance(0.25) ? rng.intBetween(apexFrame + 2, frames - 2) : null;
  const blinks: number[] = [];
  for (let f = 2; f < frames - 1; f++) {
    if (rng.chance(1 / 45)) {
      blinks.push(f);
      f += 6;
    }
  }
  const neutral = emotion === 'Neutral';
  // For Neutral clips the "intensity" is the amplitude of their non-emotional motion.
  const talks = rng.chance(neutral ? 0.5 : 0.3);
  const talk = talks
    ? {
        amplitude: neutral ? 0.05 + 0.3 * intensity : rng.uniform(0.05, 0.25),
        frequency: rng.uniform(0.12, 0.3),
        phase: rng.uniform(0, 2 * Math.PI),
      }
    : null;
  const browFlick = neutral && rng.chance(0.5) ? { frame: rng.intBetween(1, frames - 1), height: 0.18 * intensity } : null;
  const gazeScale = neutral ? 0.3 + 0.4 * intensity : 0.3;
  return {
    frames,
    onsetStart,
    apexFrame,
    offsetStart,
    offsetLevel: rng.uniform(0.55, 0.85),
    blinks,
    talk,
    browFlick,
    gaze: {
      x: rng.normalClamped(0, 0.25, -0.5, 0.5),
      y: rng.normalClamped(0, 0.15, -0.3, 0.3),
      driftX: rng.normal(0, gazeScale) / frames,
      driftY: rng.normal(0, gazeScale * 0.5) / frames,
    },
    asymmetry: rng.normalClamped(0, 0.1, -0.25, 0.25),
  };
}

function smoothstep(t: number): number {
  const c = Math.min(1, Math.max(0, t));
  return c * c * (3 - 2 * c);
}

/** Expression activation 0..1 at a frame: neutral, eased onset, apex, optional partial release. */
export function activationAt(timeline: ClipTimeline, frame: number): number {
  const { onsetStart, apexFrame, offsetStart, offsetLevel, frames } = timeline;
  if (frame <= onsetStart) return 0;
  if (frame < apexFrame) return smoothstep((frame - onsetStart) / (apexFrame - onsetStart));
  if (offsetStart === null || frame <= offsetStart) return 1;
  const t = (frame - offsetStart) / Math.max(1, frames - 1 - offsetStart);
  return 1 - (1 - offsetLevel) * smoothstep(t);
}

/** The face at one frame: style x intensity x activation, plus blinks, talking and gaze. */
export function faceStateAt(style: ActionUnits, intensity: number, timeline: ClipTimeline, frame: number): FaceState {
  const k = intensity * activationAt(timeline, frame);
  const state = restingActionUnits() as FaceState;
  for (const unit of ACTION_UNIT_NAMES) state[unit] = style[unit] * k;
  let blink = 0;
  for (const b of timeline.blinks) {
    const d = Math.abs(frame - b);
    if (d === 0) blink = 1;
    else if (d === 1) blink = Math.max(blink, 0.55);
  }
  state.blink = blink;
  if (timeline.talk) {
    const { amplitude, frequency, phase } = timeline.talk;
    const opening = amplitude * (0.5 + 0.5 * Math.sin(2 * Math.PI * frequency * frame + phase));
    state.lipPart = Math.min(1, state.lipPart + opening);
    state.jawDrop = Math.min(1, state.jawDrop + opening * 0.25);
  }
  if (timeline.browFlick) {
    const d = (frame - timeline.browFlick.frame) / 2.5;
    const bump = timeline.browFlick.height * Math.exp(-d * d);
    state.browInnerRaise = Math.min(1, state.browInnerRaise + bump);
    state.browOuterRaise = Math.min(1, state.browOuterRaise + bump);
  }
  state.gazeX = timeline.gaze.x + timeline.gaze.driftX * frame;
  state.gazeY = timeline.gaze.y + timeline.gaze.driftY * frame;
  state.asymmetry = timeline.asymmetry;
  return state;
}
