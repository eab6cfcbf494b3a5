import fs from 'node:fs/promises';
import path from 'node:path';
import { FormatError, PatchworkError } from '@patchwork/tensor-core';
import sharp from 'sharp';
import type { RawImage } from '../types.js';

/** Formats {@link encodeImage} writes (decoding also accepts anything libvips reads, e.g. GIF, TIFF). */
export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** Options for {@link decodeImage}. */
export interface DecodeOptions {
  /** 3 = RGB (default; grey is replicated), 1 = grey (luma). Alpha is dropped, as PIL's `convert('RGB')` does. */
  channels?: 1 | 3;
  /** Name used in errors (a file path). */
  source?: string;
}

/**
 * Decode PNG, JPEG, WebP (or anything libvips reads) to 8-bit HWC pixels with sharp.
 * EXIF orientation is ignored (as PIL and torchvision do). Corrupt or truncated data raise a
 * {@link FormatError} naming `source`.
 */
export async function decodeImage(bytes: Uint8Array, { channels = 3, source = 'image data' }: DecodeOptions = {}): Promise<RawImage> {
  try {
    // failOn 'truncated' turns libvips' "premature end of file" warnings into errors instead of half-grey images.
    let pipeline = sharp(bytes, { failOn: 'truncated' }).removeAlpha();
    pipeline = channels === 1 ? pipeline.grayscale() : pipeline.toColourspace('srgb');
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== channels) throw new Error(`decoder produced ${info.channels} channels, expected ${channels}`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), height: info.height, width: info.width, channels };
  } catch (err) {
    throw new FormatError(`${source}: cannot decode image (${(err as Error).message})`, { cause: err });
  }
}

/** Options for {@link encodeImage}. */
export interface EncodeOptions {
  /** JPEG/WebP quality 1–100; default 90. */
  quality?: number;
  /** Lossless WebP. */
  lossless?: boolean;
}

/** Encode 8-bit HWC pixels as PNG, JPEG or WebP. */
export async function encodeImage(image: RawImage, format: ImageFormat, { quality = 90, lossless = false }: EncodeOptions = {}): Promise<Uint8Array> {
  const { data, height, width, channels } = image;
  if (data.length !== height * width * channels) {
    throw new PatchworkError('E_ARGUMENT', `encodeImage: ${data.length} bytes do not make a ${height}×${width}×${channels} image`);
  }
  const input = sharp(data, { raw: { width, height, channels } });
  const out = format === 'png' ? input.png() : format === 'jpeg' ? input.jpeg({ quality }) : input.webp({ quality, lossless });
  return new Uint8Array(await out.toBuffer());
}

/** Read and decode an image file; errors name the file. */
export async function readImage(file: string, options: Omit<DecodeOptions, 'source'> = {}): Promise<RawImage> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    throw new PatchworkError('E_FILE', `${file}: cannot read (${(err as Error).message})`, { cause: err });
  }
  return decodeImage(bytes, { ...options, source: file });
}

const FORMAT_BY_EXTENSION: Record<string, ImageFormat> = { '.png': 'png', '.jpg': 'jpeg', '.jpeg': 'jpeg', '.webp': 'webp' };

/** Encode and write an image; the format follows the extension (.png, .jpg/.jpeg, .webp). */
export async function writeImage(file: string, image: RawImage, options: EncodeOptions = {}): Promise<void> {
  const format = FORMAT_BY_EXTENSION[path.extname(file).toLowerCase()];
  if (format === undefined) throw new PatchworkError('E_ARGUMENT', `writeImage: ${file}: extension must be one of ${Object.keys(FORMAT_BY_EXTENSION).join(', ')}`);
  await fs.writeFile(file, await encodeImage(image, format, options));
}
