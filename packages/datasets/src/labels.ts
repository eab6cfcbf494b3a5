import { FormatError } from '@patchwork/tensor-core';
import { IGNORE_INDEX } from './types.js';
import type { LabelMap, RawImage } from './types.js';

/**
 * mmsegmentation's `reduce_zero_label` (ADE20K): label 0 ("other") becomes {@link IGNORE_INDEX}
 * and every other label moves down by one, so 1..150 become 0..149 and 255 stays 255.
 * Returns a new array.
 */
export function reduceZeroLabel(labels: Uint8Array): Uint8Array {
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    out[i] = v === 0 || v === IGNORE_INDEX ? IGNORE_INDEX : v - 1;
  }
  return out;
}

/** Check that an image and its label map cover the same pixels; `source` names the files in the error. */
export function checkSameSize(image: RawImage, label: LabelMap, source: string): void {
  if (image.height !== label.height || image.width !== label.width) {
    throw new FormatError(`${source}: image is ${image.height}×${image.width} but its label map is ${label.height}×${label.width}`);
  }
}
