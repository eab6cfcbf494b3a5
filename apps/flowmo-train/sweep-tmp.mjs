import { initBackend, tf, Rng } from '@patchwork/tensor-core';
import { FlowmoTokenizer, flowmoPreset, Stage1aTrainer, lpipsDistance } from '@patchwork/flowmo-tokenizer';
import { psnr } from '@patchwork/metrics';
import { loadFashion, loadPhotos } from './dist/data.js';
import { RandomConvFeatures } from './dist/features.js';
await initBackend({ threads: 1 });
const [data, lr, steps, extra] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), JSON.parse(process.argv[5] ?? '{}')];
const src = data === 'fashion' ? loadFashion(32, 32, 0) : await loadPhotos('/usr/lib/python3/dist-packages/skimage/data', 32, 32, 0);
const model = new FlowmoTokenizer({ ...flowmoPreset('flowmo_small_img32'), ...(extra.model ?? {}) }, { rng: new Rng(0) });
const f = new RandomConvFeatures(1);
const tr = new Stage1aTrainer(model, { lr, perceptual: lpipsDistance(f.extract), emaDecay: 0.999, emaWarmup: true, ...(extra.trainer ?? {}) });
const x = src.evalImages;
const evalNow = () => {
  const m = new FlowmoTokenizer(model.config).eval(); tr.ema.copyTo(m);
  const one = tf.tidy(() => { const q = m.quantize(m.encodeLatent(x), { losses: false }).quantized; const z = new Rng(1).normal(x.shape); const v = m.velocity(z, m.decoderCode(q), tf.fill([x.shape[0]], 1)); return tf.clipByValue(tf.sub(z, v), -1, 1); });
  const rec = m.reconstruct(x, { steps: 10 });
  const r = [psnr(x, one, { dataRange: 2 }).toFixed(2), psnr(x, rec, { dataRange: 2 }).toFixed(2)];
  tf.dispose([one, rec]); m.dispose(); return r;
};
const t0 = performance.now(); let ls = [];
for (let s = 0; s < steps; s++) { const b = src.trainBatch(s, 16); ls.push(tr.trainStep(b).loss); b.dispose(); if ((s + 1) % 100 === 0) console.log(data, lr, JSON.stringify(extra), s + 1, 'loss', (ls.slice(-20).reduce((a, b) => a + b) / 20).toFixed(3), 'onestep/recon10 PSNR', evalNow().join(' / '), ((performance.now() - t0) / (s + 1)).toFixed(0), 'ms/step'); }
process.exit(0);
