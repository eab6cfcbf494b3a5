// Writes the Fashion-MNIST subset bundled in @patchwork/datasets: the first N images of each
// Debian split, as gzip IDX files. Run: node tooling/scripts/make-fashion-subset.mjs [train=2000] [test=500]
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const src = '/usr/share/datasets/fashion-mnist';
const out = path.join(path.dirname(new URL(import.meta.url).pathname), '../../packages/datasets/data/fashion-mnist');
const counts = { train: Number(process.argv[2] ?? 2000), t10k: Number(process.argv[3] ?? 500) };

for (const [split, n] of Object.entries(counts)) {
  for (const kind of ['images-idx3-ubyte', 'labels-idx1-ubyte']) {
    const buf = zlib.gunzipSync(fs.readFileSync(path.join(src, `${split}-${kind}.gz`)));
    const rank = buf[3];
    const header = Buffer.from(buf.subarray(0, 4 + 4 * rank));
    header.writeUInt32BE(n, 4);
    const per = kind.startsWith('images') ? 28 * 28 : 1;
    const body = buf.subarray(4 + 4 * rank, 4 + 4 * rank + n * per);
    fs.writeFileSync(path.join(out, `${split}-${kind}.gz`), zlib.gzipSync(Buffer.concat([header, body]), { level: 9 }));
  }
}
console.log(`wrote ${JSON.stringify(counts)} to ${out}`);
