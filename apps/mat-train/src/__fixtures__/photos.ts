import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodePng } from '@patchwork/train';

/** A temp folder of `count` smooth synthetic RGB "photos" (gradients and a disc), `size`² px, so tests need no system data. */
export function photoFolder(count: number, size = 96, offset = 0): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mat-train-photos-'));
  for (let k = offset; k < offset + count; k++) {
    const data = new Uint8Array(size * size * 3);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const disc = (x - size / 3 - 7 * k) ** 2 + (y - size / 2) ** 2 < (size / 5) ** 2 ? 80 : 0;
        const i = (y * size + x) * 3;
        data[i] = Math.floor(x * 2 * (96 / size) + disc) % 256;
        data[i + 1] = Math.floor(y * 2 * (96 / size) + 40 * k) % 256;
        data[i + 2] = 255 - disc * 2;
      }
    }
    fs.writeFileSync(path.join(dir, `photo${k}.png`), encodePng({ width: size, height: size, channels: 3, data }));
  }
  return dir;
}
