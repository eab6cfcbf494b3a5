/** A decoded 8-bit image, HWC row-major (`data.length === height * width * channels`). */
export interface RawImage {
  data: Uint8Array;
  height: number;
  width: number;
  /** 1 = grey, 3 = RGB. */
  channels: 1 | 3;
}

/**
 * A per-pixel label map, HW row-major. Values are class indices; {@link IGNORE_INDEX} (255)
 * marks pixels that losses and metrics skip (mmsegmentation's convention).
 */
export interface LabelMap {
  data: Uint8Array;
  height: number;
  width: number;
}

/** Label value that segmentation losses and metrics skip. */
export const IGNORE_INDEX = 255;

/**
 * Random-access collection of examples. `get` may be async (files decoded on demand) so a
 * loader can overlap decoding with compute.
 */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T | Promise<T>;
}

/** One image with its class index. */
export interface ClassificationExample {
  image: RawImage;
  label: number;
}

/** One image with its per-pixel labels (same height and width). */
export interface SegmentationExample {
  image: RawImage;
  label: LabelMap;
}
