import fs from 'node:fs';
import { tf } from '@patchwork/tensor-core';

interface Pair {
  shape: [number, number, number];
  a: string;
  b: string;
}

// Inputs written by reference/image_quality_reference.py (public-domain skimage photos).
const fixture = JSON.parse(fs.readFileSync(new URL('./quality-images.json', import.meta.url), 'utf8')) as Record<'astronaut' | 'camera', Pair>;

/** Decode a fixture pair to float32 HWC tensors with values 0–255. */
export function loadPair(name: 'astronaut' | 'camera'): [tf.Tensor3D, tf.Tensor3D] {
  const p = fixture[name];
  const t = (b64: string): tf.Tensor3D => tf.tensor3d(Float32Array.from(Buffer.from(b64, 'base64')), p.shape);
  return [t(p.a), t(p.b)];
}

/** The integer pattern of the reference script's `synthetic()`: 24×32×3. */
export function syntheticPair(): [tf.Tensor3D, tf.Tensor3D] {
  const a = new Float32Array(24 * 32 * 3);
  const b = new Float32Array(a.length);
  for (let y = 0; y < 24; y++) {
    for (let x = 0; x < 32; x++) {
      for (let c = 0; c < 3; c++) {
        const i = (y * 32 + x) * 3 + c;
        a[i] = (7 * x + 13 * y + 29 * c + ((x * y) % 17)) % 256;
        b[i] = Math.min(255, Math.max(0, a[i]! + ((31 * x + 17 * y + 11 * c) % 41) - 20));
      }
    }
  }
  return [tf.tensor3d(a, [24, 32, 3]), tf.tensor3d(b, [24, 32, 3])];
}
