import fs from 'node:fs';
import path from 'node:path';
import { FlowmoTokenizer, flowmoPreset, loadFlowmoCheckpoint, parseFlowmoConfig } from '@patchwork/flowmo-tokenizer';
import { Rng } from '@patchwork/tensor-core';
import { loadCheckpoint } from '@patchwork/tensor-core/node';
import type { SamplerSweepConfig } from './config.js';
import { loadFashion, loadPhotos } from './data.js';
import type { ImageSource } from './data.js';
import { evaluateReconstruction } from './evaluate.js';
import type { EvalMetrics } from './evaluate.js';
import { RandomConvFeatures } from './features.js';

/** One sampler setting and its scores. */
export interface SweepRow extends EvalMetrics {
  steps: number;
  rho: number;
}

/** What {@link runSamplerSweep} measured, and where it wrote it. */
export interface SweepResult {
  checkpoint: string;
  step: number;
  stage: string;
  rows: SweepRow[];
  jsonPath: string;
  markdownPath: string;
}

/**
 * Reconstruct the evaluation images with the run's latest EMA weights under every (steps, ρ) of the
 * grid — the same codes, guidance and stored noise for every setting, so the rows differ only in the
 * timestep schedule — and write `report/sampler-sweep.{json,md}`. The paper's claim is that the
 * shifted schedule (ρ = 4) beats the linear one (ρ = 1) at equal step counts.
 */
export async function runSamplerSweep(cfg: SamplerSweepConfig): Promise<SweepResult> {
  const modelConfig = parseFlowmoConfig(flowmoPreset(cfg.preset));
  const size = modelConfig.imageSize;
  const ck = loadCheckpoint(path.join(cfg.runDir, 'checkpoints'), { expectModel: { name: 'flowmo-tokenizer', config: modelConfig } });
  let model: FlowmoTokenizer | null = null;
  let features: RandomConvFeatures | null = null;
  let source: ImageSource | null = null;
  try {
    model = new FlowmoTokenizer(modelConfig, { rng: new Rng(0) }).eval();
    features = new RandomConvFeatures(cfg.seed + 1);
    source = cfg.data === 'photos' ? await loadPhotos(cfg.photoDir, size, cfg.evalImages, cfg.seed) : loadFashion(size, cfg.evalImages, cfg.seed);
    loadFlowmoCheckpoint(model, ck.weights, { prefer: 'ema' });
    const rows: SweepRow[] = [];
    for (const steps of cfg.sweepSteps) {
      for (const rho of cfg.sweepRhos) {
        const { metrics, reconstructions } = evaluateReconstruction(model, source.evalImages, features, { steps, rho, cfg: cfg.cfg, batchSize: cfg.batchSize, seed: cfg.seed });
        reconstructions.dispose();
        rows.push({ steps, rho, ...metrics });
      }
    }
    const stage = String((ck.extra as { stage?: string } | undefined)?.stage ?? 'unknown');
    const dir = path.join(cfg.runDir, 'report');
    fs.mkdirSync(dir, { recursive: true });
    const jsonPath = path.join(dir, 'sampler-sweep.json');
    const markdownPath = path.join(dir, 'sampler-sweep.md');
    const result = { checkpoint: ck.path, step: ck.step, stage, rows, jsonPath, markdownPath };
    fs.writeFileSync(jsonPath, `${JSON.stringify({ checkpoint: ck.path, step: ck.step, stage, data: source.name, evalImages: source.evalImages.shape[0], cfg: cfg.cfg, rows }, null, 2)}\n`);
    fs.writeFileSync(markdownPath, sweepMarkdown(result, source.name));
    return result;
  } finally {
    source?.dispose();
    features?.dispose();
    model?.dispose();
    ck.dispose();
  }
}

/** The sweep as a Markdown table, one row per (steps, ρ). */
export function sweepMarkdown(r: Pick<SweepResult, 'checkpoint' | 'step' | 'stage' | 'rows'>, data: string): string {
  const lines = r.rows.map((m) => `| ${m.steps} | ${m.rho} | ${m.psnr.toFixed(2)} | ${m.ssim.toFixed(4)} | ${m.perceptual.toFixed(4)} | ${m.fd.toFixed(4)} | ${m.seconds.toFixed(1)} |`);
  return [
    '# FlowMo sampler sweep',
    '',
    `EMA weights of \`${path.basename(r.checkpoint)}\` (step ${r.step}, stage ${r.stage}), ${data}.`,
    '',
    '| steps | ρ | PSNR (dB) ↑ | SSIM ↑ | perceptual ↓ | FD ↓ | seconds |',
    '|---|---|---|---|---|---|---|',
    ...lines,
    '',
  ].join('\n');
}
