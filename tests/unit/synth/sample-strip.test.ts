import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { EMOTIONS, renderSampleStrip } from '../../../src-main/data/synth';

describe('renderSampleStrip', () => {
  it('renders one row per class and one column per intensity (plus the start frame) per subject, as PNG', async () => {
    const png = await renderSampleStrip({ frameSize: 32, subjects: [0], intensities: [0.2, 0.9] });
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(info.height).toBe(22 + EMOTIONS.length * (32 + 4));
    expect(info.width).toBe(96 + 3 * (32 + 4));
    // Surprise tiles move away from the neutral start tile, more at high than at low intensity.
    const tile = (row: number, column: number) => {
      const out: number[] = [];
      for (let y = 0; y < 32; y++) {
        const start = ((22 + row * 36 + y) * info.width + 96 + column * 36) * info.channels;
        out.push(...data.subarray(start, start + 32 * info.channels));
      }
      return out;
    };
    const surprise = EMOTIONS.indexOf('Surprise');
    const start = tile(surprise, 0);
    const change = (column: number) => {
      const other = tile(surprise, column);
      return start.reduce((s, v, i) => s + Math.abs(v - other[i]), 0) / start.length;
    };
    expect(change(2)).toBeGreaterThan(1);
    expect(change(1)).toBeLessThan(change(2) / 2);
    expect(new Set(start).size).toBeGreaterThan(20); // a face, not a blank tile
  });
});
