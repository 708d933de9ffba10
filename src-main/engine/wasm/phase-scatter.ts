/**
 * The last step of a sub-pixel input gradient: phase (rh, rw)'s conv output holds, at position (u, v),
 * the gradient of input pixel (u*sH + rh, v*sW + rw). One JS pass per phase writes it there, dropping
 * positions past the input's edge and, for depthwise convs with a channel multiplier M, summing the M
 * gradients that flow back into each input channel.
 */
import type { InputGradAxisPlan } from './conv-backprop-geometry';

export interface PhaseLocation {
  rowPhase: number;
  colPhase: number;
  rows: InputGradAxisPlan;
  cols: InputGradAxisPlan;
}

/**
 * @param dx [B, IH, IW, C], written only at this phase's pixels
 * @param phaseOut [B, UH, UW, C*multiplier], channel c*multiplier + m
 */
export function scatterPhase(
  dx: Float32Array,
  dxShape: number[],
  phaseOut: Float32Array,
  location: PhaseLocation,
  multiplier: number,
): void {
  const [batch, inHeight, inWidth, channels] = dxShape;
  const { rowPhase, colPhase, rows, cols } = location;
  const phaseChannels = channels * multiplier;
  const outHeight = rows.phaseOutSize;
  const outWidth = cols.phaseOutSize;
  for (let b = 0; b < batch; b++) {
    for (let u = 0; u < outHeight; u++) {
      const row = u * rows.phases + rowPhase;
      if (row >= inHeight) break;
      let source = ((b * outHeight + u) * outWidth) * phaseChannels;
      for (let v = 0; v < outWidth; v++, source += phaseChannels) {
        const col = v * cols.phases + colPhase;
        if (col >= inWidth) break;
        const target = ((b * inHeight + row) * inWidth + col) * channels;
        if (multiplier === 1) {
          for (let c = 0; c < channels; c++) dx[target + c] = phaseOut[source + c];
        } else {
          for (let c = 0; c < channels; c++) {
            let sum = 0;
            for (let m = 0; m < multiplier; m++) sum += phaseOut[source + c * multiplier + m];
            dx[target + c] = sum;
          }
        }
      }
    }
  }
}
