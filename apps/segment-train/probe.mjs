import { initBackend, tf, Rng } from '@patchwork/tensor-core';
import { AdamW, Conv2d, BatchNorm2d, Module, trainStep, polySchedule } from '@patchwork/layers';
import { SegmentationModel, FCNHead, UPerHead } from '@patchwork/segmentation-heads';
import { SegmentationMetric } from '@patchwork/metrics';
import { loadData, trainPipeline, trainBatches, testBatch, testPipeline } from './dist/data.js';
import { parseSegmentConfig } from './dist/config.js';
import { buildSegmenter } from './dist/models.js';
await initBackend();
const [kind, steps, lr, extra] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), process.argv[5]];
const data = await loadData({ data: process.env.DATA ?? 'shapes', layout: 'ade20k', imageSize: 64, trainSize: 2000, testSize: 96, seed: 0 });
const rng = new Rng(0);
let model, optimizer;
if (kind === 'cnn') {
  class Convs extends Module { constructor() { super(); this.c = [[3,32,1],[32,64,2],[64,64,2],[64,128,2],[128,128,1]].map(([i,o,s], k) => [this.addModule('conv'+k, new Conv2d(i,o,3,{stride:s,padding:1,rng})), this.addModule('bn'+k, new BatchNorm2d(o))]); } }
  const m = new Convs();
  const bb = { module: m, levels: [{channels:64,stride:4},{channels:128,stride:8}], forwardFeatures: (x) => tf.tidy(() => { const outs=[]; let h=x; m.c.forEach(([c,b],k)=>{ h=tf.relu(b.forward(c.forward(h))); if(k===2) outs.push(h);}); outs.push(h); return outs; }) };
  model = new SegmentationModel({ backbone: bb, decodeHead: new UPerHead({ inChannels:[64,128], channels: 32, numClasses: data.classNames.length, poolScales:[1,2,3,6] }, { rng }) });
  optimizer = new AdamW(model, { lr });
} else {
  const cfg = parseSegmentConfig({ model: kind, lr, ...(extra ? JSON.parse(extra) : {}) });
  ({ model, optimizer } = buildSegmenter(cfg, data.classNames.length));
}
const sched = polySchedule({ lr, total: steps, warmup: 20, warmupRatio: 1e-6 });
const it = trainBatches(data.train, trainPipeline(64, true), 8, 0, 0);
let acc = 0; const t0 = performance.now();
for (let s = 1; s <= steps; s++) {
  const b = it.next().value; optimizer.setLr(sched(s - 1));
  acc += trainStep({ module: model, optimizer, lossFn: () => model.loss(b.images, b.labels) }); tf.dispose([b.images, b.labels]);
  if (s % 50 === 0) { console.log(s, (acc / 50).toFixed(3), ((performance.now()-t0)/s).toFixed(0)+'ms/step'); acc = 0; }
}
model.eval();
const m = new SegmentationMetric({ numClasses: data.classNames.length });
for (let i = 0; i < 96; i += 16) { const b = testBatch(data.test, testPipeline(64), i, 16); const p = model.predict(b.images); m.update(p, b.labels); tf.dispose([b.images, b.labels, p]); }
const s = m.compute(); console.log('mIoU', (100*s.mIoU).toFixed(1), 'aAcc', (100*s.aAcc).toFixed(1), Array.from(s.iou).map(v => (100*v).toFixed(0)).join(' '));
process.exit(0);
