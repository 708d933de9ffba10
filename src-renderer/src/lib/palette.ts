/**
 * The one palette. Classes keep the same colour in every chart (a confusion matrix, a recall bar, a
 * prediction bar); series (runs, loss terms) use their own list. Colour-blind-safe (Okabe-Ito based).
 */
const CLASS_COLOURS = ['#E69F00', '#0072B2', '#999999', '#D55E00', '#56B4E9', '#009E73', '#CC79A7', '#F0E442', '#000000', '#8C564B', '#7F3C8D'];

/** DFEW's order (Happy, Sad, Neutral, Angry, Surprise, Disgust, Fear) gets the first seven, by index. */
export function classColour(index: number): string {
  return CLASS_COLOURS[index % CLASS_COLOURS.length]!;
}

const SERIES_COLOURS = ['#2f5bd3', '#d1495b', '#00798c', '#edae49', '#66a182', '#8e6c8a', '#30638e', '#c44536'];

export function seriesColour(index: number): string {
  return SERIES_COLOURS[index % SERIES_COLOURS.length]!;
}

/** Heatmap cell colour for a value in [0, 1] (white to the accent blue). */
export function heat(value: number): string {
  const v = Math.max(0, Math.min(1, value));
  const r = Math.round(255 - v * (255 - 47));
  const g = Math.round(255 - v * (255 - 91));
  const b = Math.round(255 - v * (255 - 211));
  return `rgb(${r}, ${g}, ${b})`;
}

export function textOn(value: number): string {
  return value > 0.55 ? '#ffffff' : '#1d2330';
}
