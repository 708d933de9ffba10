/**
 * Draws one face (head, features, accessories) onto a canvas that already holds the background, in
 * back-to-front order.
 */
import type { MaskPool, RgbCanvas, Rgb } from '../raster/canvas';
import type { FaceState } from '../expression';
import type { Occlusion } from '../scene';
import { drawGlasses, drawOcclusion } from './accessories';
import { drawCheeks, drawEyesAndBrows } from './eyes';
import { drawBackHair, drawBeard, drawBody, drawEars, drawFaceBase, drawFrontHair, drawNeck } from './head';
import type { FaceIdentity } from './identity';
import { drawMouth, drawNasolabialFolds, mouthGeometry } from './mouth';
import { drawNose, noseTipY } from './nose';
import { FacePainter, type HeadTransform } from './painter';

export interface FaceDrawing {
  identity: FaceIdentity;
  state: FaceState;
  transform: HeadTransform;
  occlusion?: { occluder: Occlusion; progress: number } | null;
  /** Masks to reuse across frames (optional). */
  masks?: MaskPool;
}

/** Draws the body (shoulders, clothing): once per clip, into the clip's background. */
export function drawBodyLayer(canvas: RgbCanvas, identity: FaceIdentity, transform: HeadTransform, clothing: Rgb): void {
  drawBody(new FacePainter(canvas, transform, identity.faceWidth), clothing);
}

/** Draws the head over a canvas that already holds the background and the body. */
export function drawFace(canvas: RgbCanvas, d: FaceDrawing): void {
  const { identity: id, state: s } = d;
  d.masks?.reset();
  const p = new FacePainter(canvas, d.transform, id.faceWidth, d.masks);
  drawBackHair(p, id);
  drawNeck(p, id.skin);
  drawEars(p, id);
  drawFaceBase(p, id, s.jawDrop);
  drawCheeks(p, id, s);
  drawBeard(p, id, s.jawDrop, mouthGeometry(id, s).cornerX);
  const mouth = drawMouth(p, id, s);
  drawNasolabialFolds(p, id, s, mouth, noseTipY(id));
  drawNose(p, id, s);
  drawEyesAndBrows(p, id, s);
  drawFrontHair(p, id);
  if (id.glasses) drawGlasses(p, id);
  if (d.occlusion) drawOcclusion(p, d.occlusion.occluder, d.occlusion.progress);
}
