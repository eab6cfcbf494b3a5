import { FlowmoCodes, FlowmoTokenizer, LFQ, fromFlowmoConfig, loadFlowmoCheckpoint, rfLoss } from '@patchwork/flowmo-tokenizer';
import type { OfficialDitEntry } from '@patchwork/flowmo-tokenizer';
import { ConfigError, PatchworkError, nchwToNhwc, nhwcToNchw, tf } from '@patchwork/tensor-core';
import type { ParityAdapter, ParityOutput } from '../adapter.js';
import type { ParityCase } from '../case.js';

/** Integer or ±1 outputs that must match exactly. */
const EXACT = new Set(['code_quantized', 'lfq_indices', 'decoder_code_input', 'sample_cfg_applied', 'quantized', 'indices', 'codebook']);
/** Outputs of the multi-step sampling chain, whose error compounds (fixtures README: ~10× tolerance). */
const CHAIN = new Set(['sample_chain', 'reconstruction']);

function output(name: string, value: tf.Tensor): ParityOutput {
  return { value, toleranceScale: EXACT.has(name) ? 0 : CHAIN.has(name) ? 10 : 1 };
}

function need(c: ParityCase, key: string): tf.Tensor {
  const t = c.io[key];
  if (t === undefined) throw new PatchworkError('E_ARGUMENT', `${c.dir}: io.safetensors has no input '${key}'`);
  return t;
}

/**
 * Official kylesargent/FlowMo cases:
 * - `flowmo.models.FlowMo`: the model is built with `fromFlowmoConfig` from the official
 *   `base.yaml` overrides in case.json (`config_overrides_on_base_yaml`) and the DiT size entry it
 *   records (`tiny_dit_zoo_entry`, else the official `dit_b_4`), loaded with the official weights,
 *   and replayed on the recorded NCHW inputs with the recorded noise: latents, codes, indices,
 *   velocity, quantizer losses, `rf_loss` at the recorded constant t, and the full sampling chain;
 * - `flowmo.lookup_free_quantize.LFQ`: the quantiser alone (`[b, d, n]` input), train-mode losses.
 * Only outputs present in io.safetensors are returned.
 */
export const flowmoAdapter: ParityAdapter = {
  name: 'official FlowMo',
  accepts: (c) => c.json.model === 'flowmo' && /(^|\.)(FlowMo|LFQ)$/.test(c.json.reference?.class ?? 'FlowMo'),
  run: (c) => {
    const outputs = (c.json.reference?.class ?? '').endsWith('LFQ') ? runLfq(c) : runFlowmo(c);
    return Object.fromEntries(
      Object.entries(outputs).flatMap(([k, v]): [string, ParityOutput][] => {
        if (c.io[k] !== undefined) return [[k, output(k, v)]];
        v.dispose();
        return [];
      }),
    );
  },
};

function runLfq(c: ParityCase): Record<string, tf.Tensor> {
  const ctor = c.json.constructor;
  if (typeof ctor !== 'object' || ctor === null) throw new ConfigError(`${c.dir}: case.json constructor is not an object of LFQ kwargs`);
  const k = ctor as Record<string, unknown>;
  const size = k['codebook_size'];
  const bits = Math.log2(typeof size === 'number' ? size : Number.NaN);
  const problems: string[] = [];
  if (!Number.isInteger(bits)) problems.push(`codebook_size=${JSON.stringify(size)} (a power of two is needed)`);
  if ((k['dim'] ?? bits) !== bits) problems.push(`dim=${JSON.stringify(k['dim'])} ≠ log2(codebook_size) (LFQ projections are not implemented)`);
  if ((k['num_codebooks'] ?? 1) !== 1) problems.push(`num_codebooks=${JSON.stringify(k['num_codebooks'])} (only 1, as FlowMo uses)`);
  if ((k['token_factorization'] ?? false) !== false) problems.push('token_factorization=true (FlowMo uses false)');
  for (const w of ['sample_minimization_weight', 'batch_maximization_weight']) if ((k[w] ?? 1) !== 1) problems.push(`${w}=${JSON.stringify(k[w])} (only 1)`);
  const known = new Set(['codebook_size', 'dim', 'num_codebooks', 'token_factorization', 'sample_minimization_weight', 'batch_maximization_weight', 'factorized_bits']);
  for (const key of Object.keys(k)) if (!known.has(key)) problems.push(`${key}: not an LFQ argument`);
  if (problems.length > 0) throw new ConfigError(`${c.dir}: unsupported LFQ config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  const lfq = new LFQ(bits);
  try {
    return tf.tidy(() => {
      // The official LFQ takes [b, d, n] (channels first); ours is channels-last.
      const x = tf.transpose(need(c, 'x'), [0, 2, 1]);
      const losses = lfq.losses(x);
      return {
        quantized: tf.transpose(lfq.quantize(x), [0, 2, 1]),
        indices: lfq.indices(x),
        codebook: tf.clone(lfq.codebook),
        per_sample_entropy: tf.reshape(losses.perSampleEntropy, [1]),
        codebook_entropy: tf.reshape(losses.codebookEntropy, [1]),
        entropy_aux_loss: tf.reshape(losses.entropyAuxLoss, [1]),
        commitment: tf.reshape(losses.commitment, [1]),
      };
    });
  } finally {
    lfq.dispose();
  }
}

/** The constant t of the recorded `rf_loss` call (`opt.schedule = "debug_<t>"`), from the overrides or the output notes. */
function rfLossTime(c: ParityCase, schedule: unknown): number {
  if (typeof schedule === 'number') return schedule;
  const m = /debug_([0-9.]+)/.exec(JSON.stringify(c.json['outputs'] ?? ''));
  if (m === null) throw new ConfigError(`${c.dir}: rf_loss outputs need the constant timestep of the recorded call (opt.schedule "debug_<t>"); none found in case.json`);
  return Number(m[1]);
}

function runFlowmo(c: ParityCase): Record<string, tf.Tensor> {
  const overrides = c.json['config_overrides_on_base_yaml'] ?? {};
  if (typeof overrides !== 'object' || overrides === null) throw new ConfigError(`${c.dir}: config_overrides_on_base_yaml is not an object`);
  const dit = c.json['tiny_dit_zoo_entry'] as OfficialDitEntry | undefined;
  const { config, sampling, training } = fromFlowmoConfig(overrides as Record<string, unknown>, dit === undefined ? {} : { dit: pickDit(dit) });
  const model = new FlowmoTokenizer(config).eval();
  try {
    loadFlowmoCheckpoint(model, c.weights);
    return tf.tidy(() => {
      const out: Record<string, tf.Tensor> = {};
      const img = nchwToNhwc(need(c, 'img'));
      const prequant = model.encodeLatent(img);
      out['code_prequant'] = prequant;
      const { quantized } = model.quantize(prequant, { losses: false });
      out['code_quantized'] = quantized;
      out['lfq_indices'] = tf.tensor1d(model.tokenIndices(FlowmoCodes.fromLfq(prequant)) as Int32Array, 'int32');
      const codeInput = model.decoderCode(quantized);
      out['decoder_code_input'] = codeInput;
      if (c.io['v_pred'] !== undefined) out['v_pred'] = nhwcToNchw(model.velocity(nchwToNhwc(need(c, 'x_t')), codeInput, need(c, 't')));

      // Train-mode quantizer losses (the model has no dropout or batch norm; mode only switches the LFQ losses on).
      const train = model.quantize(prequant, { losses: true });
      out['quantizer_loss_train'] = tf.reshape(train.loss, [1]);
      const b = train.breakdown!;
      Object.assign(out, {
        lfq_per_sample_entropy: tf.reshape(b.perSampleEntropy, [1]),
        lfq_codebook_entropy: tf.reshape(b.codebookEntropy, [1]),
        lfq_entropy_aux_loss: tf.reshape(b.entropyAuxLoss, [1]),
        lfq_commitment: tf.reshape(b.commitment, [1]),
      });

      if (c.io['rf_loss_total'] !== undefined || c.io['rf_loss_diffusion'] !== undefined) {
        if (training.perceptualWeight !== 0) throw new ConfigError(`${c.dir}: rf_loss with opt.lpips_weight ${training.perceptualWeight} needs LPIPS-VGG, which is not available for parity`);
        const t = tf.fill([img.shape[0]!], rfLossTime(c, training.noiseSchedule));
        const rf = rfLoss(model, { images: img, t, z1: nchwToNhwc(need(c, 'z1_noise_for_rf_loss')) });
        out['rf_loss_diffusion'] = tf.reshape(rf.diffusion, [1]);
        out['rf_loss_total'] = tf.reshape(rf.total, [1]);
      }

      if (c.io['z0_sampling_noise'] !== undefined) {
        const s = model.sample(quantized, { ...sampling, noise: nchwToNhwc(need(c, 'z0_sampling_noise')), keepChain: true });
        out['sample_ts'] = tf.tensor1d(s.ts);
        out['sample_dts'] = tf.tensor1d(s.dts);
        out['sample_cfg_applied'] = tf.tensor1d(s.cfgApplied.map(Number), 'int32');
        out['sample_chain'] = tf.stack(s.chain.map((z) => nhwcToNchw(z)));
        out['reconstruction'] = nhwcToNchw(s.image);
      }
      return out;
    });
  } finally {
    model.dispose();
  }
}

/** The official DIT_ZOO fields of a recorded entry (case.json adds a `note`). */
function pickDit(e: OfficialDitEntry): OfficialDitEntry {
  const { hidden_size, mlp_ratio, num_heads, axes_dim, theta, qkv_bias } = e;
  return { hidden_size, mlp_ratio, num_heads, axes_dim, theta, qkv_bias };
}
