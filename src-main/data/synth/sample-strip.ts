/**
 * The sample frame strip: for each class, one subject's apex frame at low, mid and high intensity (and the
 * neutral first frame), in one PNG. It is how a person checks that the expressions read as expressions,
 * and it is the picture in the docs (docs/images/synth-strip.png).
 */
import sharp, { type OverlayOptions } from 'sharp';
import { writeFileAtomic } from '../../workspace/atomic';
import { EMOTIONS } from './dfew-classes';
import { ClipRenderer, cleanClipContent, subjectIdentity } from './render-clip';

export interface SampleStripOptions {
  frameSize?: number;
  /** Data set seed and subject whose face is shown. */
  seed?: number;
  subjects?: number[];
  /** Intensities shown, one column each (after the neutral first frame). */
  intensities?: number[];
}

const LABEL_WIDTH = 96;
const HEADER_HEIGHT = 22;
const GAP = 4;

/** Renders the strip and returns it as PNG bytes. */
export async function renderSampleStrip(options: SampleStripOptions = {}): Promise<Buffer> {
  const size = options.frameSize ?? 112;
  const seed = options.seed ?? 1;
  // Two contrasting default subjects (light and deep skin tone), so the strip shows both read well.
  const subjects = options.subjects ?? [1, 7];
  const intensities = options.intensities ?? [0.2, 0.5, 0.95];
  const perSubject = 1 + intensities.length;
  const columns = perSubject * subjects.length;
  const width = LABEL_WIDTH + columns * (size + GAP) + (subjects.length - 1) * GAP * 3;
  const height = HEADER_HEIGHT + EMOTIONS.length * (size + GAP);
  const tiles: OverlayOptions[] = [];
  const columnX = (subjectIndex: number, k: number) => LABEL_WIDTH + (subjectIndex * perSubject + k) * (size + GAP) + subjectIndex * GAP * 3;

  EMOTIONS.forEach((emotion, row) => {
    subjects.forEach((subject, si) => {
      const identity = subjectIdentity(seed, subject);
      const columnsOfRow: Array<{ intensity: number; frame: 'first' | 'apex' }> = [
        { intensity: intensities[intensities.length - 1], frame: 'first' },
        ...intensities.map((intensity) => ({ intensity, frame: 'apex' as const })),
      ];
      columnsOfRow.forEach(({ intensity, frame }, k) => {
        const content = cleanClipContent(emotion, intensity, identity, 16, seed);
        const renderer = new ClipRenderer(content, size);
        const pixels = renderer.renderFrame(frame === 'first' ? 0 : content.timeline.apexFrame);
        tiles.push({
          input: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength),
          raw: { width: size, height: size, channels: 3 },
          left: columnX(si, k),
          top: HEADER_HEIGHT + row * (size + GAP),
        });
      });
    });
  });

  const text: string[] = [];
  EMOTIONS.forEach((emotion, row) => {
    const y = HEADER_HEIGHT + row * (size + GAP) + size / 2 + 5;
    text.push(`<text x="8" y="${y}" font-size="14">${emotion}</text>`);
  });
  subjects.forEach((_, si) => {
    const heads = ['start', ...intensities.map((i) => `i=${i}`)];
    heads.forEach((head, k) => {
      text.push(`<text x="${columnX(si, k) + size / 2}" y="15" font-size="12" text-anchor="middle">${head}</text>`);
    });
  });
  const labels = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><g font-family="sans-serif" fill="#222">${text.join('')}</g></svg>`,
  );
  tiles.push({ input: labels, left: 0, top: 0 });

  return sharp({ create: { width, height, channels: 3, background: { r: 245, g: 245, b: 242 } } })
    .composite(tiles)
    .png()
    .toBuffer();
}

/** Renders the strip and writes it (atomically) to `filePath`, e.g. docs/images/synth-strip.png. */
export async function writeSampleStrip(filePath: string, options: SampleStripOptions = {}): Promise<void> {
  await writeFileAtomic(filePath, await renderSampleStrip(options));
}
