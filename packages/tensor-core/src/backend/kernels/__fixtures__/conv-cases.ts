// Odd-shaped convolution cases shared by the conv gradient tests: strides 1/2, same/valid/explicit
// padding, batch > 1, 7×5 inputs, rectangular and 1×1 filters, channel multipliers > 1.

type Shape4 = [number, number, number, number];
type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

/** A conv2d configuration: input and filter shapes, strides and padding. */
export interface ConvCase {
  x: Shape4;
  filter: Shape4;
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | ExplicitPad;
}

export const CONV_CASES: ConvCase[] = [
  { x: [2, 7, 5, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 7, 5, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { x: [3, 7, 5, 2], filter: [3, 2, 2, 5], strides: 2, pad: 'valid' },
  { x: [1, 8, 8, 2], filter: [4, 4, 2, 3], strides: 2, pad: 'same' },
  { x: [2, 7, 5, 3], filter: [1, 1, 3, 6], strides: [2, 1], pad: 'valid' },
  { x: [2, 7, 5, 3], filter: [3, 3, 3, 4], strides: [2, 1], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [2, 7, 5, 3], filter: [3, 2, 3, 4], strides: 1, pad: [[0, 0], [2, 0], [1, 3], [0, 0]] },
  { x: [2, 7, 5, 3], filter: [1, 1, 3, 6], strides: 1, pad: 'valid' },
  { x: [2, 8, 6, 3], filter: [3, 3, 3, 4], strides: 2, pad: 1 },
];

/** Depthwise filters are [fh, fw, inChannels, channelMultiplier]. */
export const DEPTHWISE_CASES: ConvCase[] = [
  { x: [2, 7, 5, 3], filter: [3, 3, 3, 1], strides: 1, pad: 'same' },
  { x: [2, 7, 5, 3], filter: [3, 3, 3, 2], strides: 2, pad: 'same' },
  { x: [3, 7, 5, 4], filter: [3, 2, 4, 3], strides: 2, pad: 'valid' },
  { x: [1, 8, 8, 2], filter: [5, 5, 2, 1], strides: 1, pad: 'valid' },
  { x: [2, 7, 5, 3], filter: [3, 3, 3, 2], strides: 2, pad: [[0, 0], [3, 1], [0, 2], [0, 0]] },
  { x: [2, 8, 6, 3], filter: [3, 3, 3, 1], strides: 2, pad: 1 },
];

/** Test title for a case. */
export function caseLabel(c: ConvCase): string {
  return `x=[${c.x}] filter=[${c.filter}] strides=${JSON.stringify(c.strides)} pad=${JSON.stringify(c.pad)}`;
}
