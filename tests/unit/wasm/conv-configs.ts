/**
 * Convolution configurations for the kernel tests: hand-picked ones (the shapes the model zoo uses,
 * scaled down) plus seeded random ones over sizes, strides, paddings, dilations and batch sizes.
 */
import { tf } from '../../../src-main/engine/tf';
import { pick, randomInt, seededRandom } from './helpers';

export type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];
export type Pad = 'same' | 'valid' | number | ExplicitPad;

export interface ConvConfig {
  name: string;
  xShape: [number, number, number, number];
  /** [KH, KW, Ci, Co] for conv2d, [KH, KW, C, multiplier] for depthwise. */
  filterShape: [number, number, number, number];
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
  /** With a numeric pad, 'ceil' can add an output row that reads past the padded input. */
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function outputShape(config: ConvConfig, depthwise: boolean): number[] {
  const info = tf.backend_util.computeConv2DInfo(config.xShape, config.filterShape, config.strides, config.dilations, config.pad, config.dimRoundingMode, depthwise);
  return info.outShape;
}

function isUsable(config: ConvConfig, depthwise: boolean): boolean {
  const [, outHeight, outWidth] = outputShape(config, depthwise);
  return outHeight >= 1 && outWidth >= 1;
}

function fixedConfigs(depthwise: boolean): ConvConfig[] {
  const c = (name: string, xShape: ConvConfig['xShape'], k: [number, number], out: number, strides: number, pad: Pad): ConvConfig => ({
    name,
    xShape,
    filterShape: [k[0], k[1], xShape[3], out],
    strides: [strides, strides],
    dilations: [1, 1],
    pad,
  });
  const m = depthwise ? 1 : 8;
  return [
    c('3x3 s2 same, even size (bench stem)', [2, 16, 16, 3], [3, 3], depthwise ? 1 : 8, 2, 'same'),
    c('3x3 s2 same, odd size', [2, 15, 13, 4], [3, 3], m, 2, 'same'),
    c('3x3 s1 same', [3, 10, 10, 5], [3, 3], m, 1, 'same'),
    c('3x3 s2 valid, unused trailing row', [2, 12, 12, 4], [3, 3], m, 2, 'valid'),
    c('1x1 s2 downsample', [2, 10, 10, 6], [1, 1], m, 2, 'same'),
    c('7x7 s2 same (ResNet stem)', [1, 20, 20, 3], [7, 7], depthwise ? 2 : 8, 2, 'same'),
    c('global kernel, valid (IAL-GCA)', [4, 7, 7, 6], [7, 7], depthwise ? 1 : 5, 1, 'valid'),
    c('global kernel, multiplier/channels 2', [3, 5, 5, 4], [5, 5], 2, 1, 'valid'),
    c('batch 1, 1 channel', [1, 9, 9, 1], [3, 3], depthwise ? 1 : 1, 1, 'same'),
    c('explicit padding larger than the kernel', [2, 6, 6, 3], [3, 3], m, 2, [[0, 0], [4, 1], [0, 5], [0, 0]]),
    {
      name: '3x3 dilation 2 same',
      xShape: [2, 11, 9, 3],
      filterShape: [3, 3, 3, depthwise ? 1 : 4],
      strides: [1, 1],
      dilations: [2, 2],
      pad: 'same',
    },
    {
      name: 'asymmetric kernel, strides and dilation',
      xShape: [2, 13, 11, 3],
      filterShape: [3, 2, 3, depthwise ? 2 : 4],
      strides: [1, 1],
      dilations: [3, 2],
      pad: [[0, 0], [1, 2], [0, 1], [0, 0]],
    },
    { ...c('numeric pad, ceil rounding', [2, 10, 9, 3], [3, 3], m, 2, 1), dimRoundingMode: 'ceil' },
    { ...c('numeric pad, round rounding', [2, 8, 11, 3], [2, 2], m, 3, 1), dimRoundingMode: 'round' },
    {
      name: 'unequal strides',
      xShape: [2, 12, 11, 3],
      filterShape: [3, 4, 3, depthwise ? 1 : 4],
      strides: [2, 3],
      dilations: [1, 1],
      pad: 'same',
    },
  ];
}

function randomConfig(random: () => number, depthwise: boolean, index: number): ConvConfig {
  const filterShape: ConvConfig['filterShape'] = [
    randomInt(random, 1, 5),
    randomInt(random, 1, 5),
    // Input channels include multiples of 4 and 8: the native input-gradient kernel's tiles.
    depthwise ? randomInt(random, 1, 5) : pick(random, [1, 2, 3, 4, 5, 8, 12, 16]),
    // Output channels include multiples of 4 and 8: the native filter-gradient kernel's 4- and 8-wide tiles.
    depthwise ? randomInt(random, 1, 3) : pick(random, [1, 2, 3, 4, 5, 6, 8, 12, 16]),
  ];
  const xShape: ConvConfig['xShape'] = [randomInt(random, 1, 3), randomInt(random, 1, 14), randomInt(random, 1, 14), filterShape[2]];
  const dilated = random() < 0.3;
  const strides: [number, number] = dilated ? [1, 1] : [randomInt(random, 1, 3), randomInt(random, 1, 3)];
  const dilations: [number, number] = dilated ? [randomInt(random, 1, 3), randomInt(random, 1, 3)] : [1, 1];
  const side = () => randomInt(random, 0, filterShape[0] + 1);
  const pad = pick(random, ['same', 'valid', 'explicit', 'number'] as const);
  const resolvedPad: Pad =
    pad === 'explicit' ? [[0, 0], [side(), side()], [side(), side()], [0, 0]] : pad === 'number' ? randomInt(random, 0, 2) : pad;
  return { name: `random #${index}`, xShape, filterShape, strides, dilations, pad: resolvedPad };
}

/** The fixed configurations followed by `randomCount` usable random ones (deterministic per seed). */
export function convConfigs(depthwise: boolean, randomCount: number, seed: number): ConvConfig[] {
  const random = seededRandom(seed);
  const configs = fixedConfigs(depthwise).filter((config) => isUsable(config, depthwise));
  for (let index = 0; configs.length < randomCount + fixedConfigs(depthwise).length; index++) {
    const config = randomConfig(random, depthwise, index);
    if (isUsable(config, depthwise)) configs.push(config);
  }
  return configs;
}

/** A dilated filter written out as an ordinary (undilated) one with zeros between the taps. */
export function zeroInsertFilter(values: Float32Array, shape: number[], dilations: [number, number]): { values: Float32Array; shape: number[] } {
  const [kh, kw, ci, co] = shape;
  const [dh, dw] = dilations;
  const effectiveShape = [(kh - 1) * dh + 1, (kw - 1) * dw + 1, ci, co];
  const out = new Float32Array(effectiveShape.reduce((a, b) => a * b, 1));
  const block = ci * co;
  for (let h = 0; h < kh; h++)
    for (let w = 0; w < kw; w++) out.set(values.subarray((h * kw + w) * block, (h * kw + w + 1) * block), (h * dh * effectiveShape[1] + w * dw) * block);
  return { values: out, shape: effectiveShape };
}

/** The taps of an effective-size filter gradient that belong to the dilated filter. */
export function takeDilatedTaps(values: Float32Array, effectiveShape: number[], shape: number[], dilations: [number, number]): Float32Array {
  const [kh, kw, ci, co] = shape;
  const [dh, dw] = dilations;
  const block = ci * co;
  const out = new Float32Array(kh * kw * block);
  for (let h = 0; h < kh; h++)
    for (let w = 0; w < kw; w++) {
      const from = (h * dh * effectiveShape[1] + w * dw) * block;
      out.set(values.subarray(from, from + block), (h * kw + w) * block);
    }
  return out;
}
