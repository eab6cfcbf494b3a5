import { PatchworkError, nchwToNhwc, nhwcToNchw, tf } from '@patchwork/tensor-core';
import {
  basicLayerFromOfficial,
  conv2dLayerPartialFromOfficial,
  decStyleBlockFromOfficial,
  firstStageFromOfficial,
  loadOfficialStateDict,
  mappingNetFromOfficial,
  swinBlockFromOfficial,
  windowAttentionFromOfficial,
} from '@patchwork/mat-inpaint';
import type { Module } from '@patchwork/layers';
import type { ParityAdapter, ParityOutput } from '../adapter.js';
import type { ParityCase } from '../case.js';

type Outputs = Record<string, ParityOutput>;

/** Official class name → how to build it from the case's kwargs and replay the recorded calls. */
const RUNNERS: Record<string, (c: ParityCase) => Outputs> = {
  Conv2dLayerPartial: (c) =>
    withModule(conv2dLayerPartialFromOfficial(c.json.constructor), c, (m) => {
      const x = nchwToNhwc(need(c, 'x'));
      const out: Outputs = {};
      if (c.io['mask'] !== undefined) {
        const r = m.forward(x, nchwToNhwc(need(c, 'mask')));
        out['y'] = { value: nhwcToNchw(r.x) };
        out['update_mask'] = { value: nhwcToNchw(r.mask!), toleranceScale: 0 };
      }
      if (c.io['y_without_mask'] !== undefined) out['y_without_mask'] = { value: nhwcToNchw(m.forward(x).x) };
      return out;
    }),
  WindowAttention: (c) =>
    withModule(windowAttentionFromOfficial(c.json.constructor), c, (m) => {
      const x = need(c, 'x_windows') as tf.Tensor3D;
      const maskWindows = (c.io['mask_windows'] ?? null) as tf.Tensor3D | null;
      const out: Outputs = {};
      if (maskWindows !== null && c.io['attn_mask'] !== undefined) {
        const r = m.forward(x, maskWindows, c.io['attn_mask'] as tf.Tensor3D);
        out['y_with_shift_mask'] = { value: r.x };
        out['mask_windows_out'] = { value: r.maskWindows!, toleranceScale: 0 };
      }
      if (maskWindows !== null) out['y_without_shift_mask'] = { value: m.forward(x, maskWindows).x };
      out['y_no_masks'] = { value: m.forward(x).x };
      return out;
    }),
  SwinTransformerBlock: (c) =>
    withModule(swinBlockFromOfficial(c.json.constructor), c, (m) => {
      const x = need(c, 'x') as tf.Tensor3D;
      const size = xSize(c, x.shape[1]);
      const r = m.forward(x, size, (c.io['mask'] ?? null) as tf.Tensor3D | null);
      const out: Outputs = { y: { value: r.x } };
      if (r.mask !== null) out['mask_out'] = { value: r.mask, toleranceScale: 0 };
      if (c.io['y_without_mask'] !== undefined) out['y_without_mask'] = { value: m.forward(x, size).x };
      return out;
    }),
  BasicLayer: (c) =>
    withModule(basicLayerFromOfficial(c.json.constructor), c, (m) => {
      const x = need(c, 'x') as tf.Tensor3D;
      const r = m.forward(x, xSize(c, x.shape[1]), (c.io['mask'] ?? null) as tf.Tensor3D | null);
      const out: Outputs = { y: { value: r.x }, x_size_out: { value: tf.tensor1d(r.xSize, 'int32'), toleranceScale: 0 } };
      if (r.mask !== null) out['mask_out'] = { value: r.mask, toleranceScale: 0 };
      return out;
    }),
  DecStyleBlock: (c) =>
    withModule(decStyleBlockFromOfficial(c.json.constructor), c, (m) => {
      const [x, skip] = [need(c, 'x'), need(c, 'skip')].map(nchwToNhwc) as [tf.Tensor4D, tf.Tensor4D];
      const style = need(c, 'style');
      const out: Outputs = {};
      if (c.io['img'] !== undefined) {
        const r = m.forward(x, nchwToNhwc(need(c, 'img')), style, skip);
        out['x_out'] = { value: nhwcToNchw(r.x) };
        out['img_out'] = { value: nhwcToNchw(r.img) };
      }
      const r = m.forward(x, null, style, skip);
      out['x_out_img_none'] = { value: nhwcToNchw(r.x) };
      out['img_out_img_none'] = { value: nhwcToNchw(r.img) };
      return out;
    }),
  MappingNet: (c) =>
    withModule(mappingNetFromOfficial(c.json.constructor), c, (m) => {
      const z = need(c, 'z');
      const out: Outputs = {};
      // Each recorded call names its truncation arguments, e.g. "m(z, None, truncation_psi=0.7, truncation_cutoff=2)".
      for (const [name, call] of Object.entries(calls(c))) {
        if (c.io[name] === undefined) continue;
        const psi = /truncation_psi\s*=\s*([\d.]+)/.exec(call);
        const cutoff = /truncation_cutoff\s*=\s*(\d+)/.exec(call);
        out[name] = { value: m.forward(z, { truncationPsi: psi === null ? 1 : Number(psi[1]), truncationCutoff: cutoff === null ? null : Number(cutoff[1]) }) };
      }
      return out;
    }),
  FirstStage: (c) =>
    withModule(firstStageFromOfficial(c.json.constructor), c, (m) => {
      const r = m.forwardWithIntermediates(nchwToNhwc(need(c, 'images_in')), nchwToNhwc(need(c, 'masks_in')), need(c, 'ws') as tf.Tensor3D, {
        noiseMode: 'none',
        mixMap: need(c, 'dropout_mul_map'),
      });
      const out: Outputs = { img_out: { value: nhwcToNchw(r.img) } };
      for (const [name, value] of Object.entries(r.intermediates)) {
        const key = `intermediate.${name}`;
        if (c.io[key] === undefined) continue;
        out[key] = { value: value.rank === 4 ? nhwcToNchw(value) : value, toleranceScale: name.includes('mask') ? 0 : 1 };
      }
      return out;
    }),
};

/**
 * fenglinglwb/MAT cases (`networks/mat.py`, `networks/basic_module.py` sub-modules): the official
 * class is read from case.json (`reference.class`, else the top-level `class`), built from the
 * official constructor kwargs by `@patchwork/mat-inpaint`'s from-official mapping (unknown or
 * unsupported kwargs fail by name), loaded strictly except for the omitted deterministic
 * `attn_mask` buffers, and the recorded calls are replayed — including FirstStage's recorded
 * `F.dropout` map. Outputs come back in the fixture's layouts (NCHW maps, `[B, N, C]` tokens);
 * masks and sizes must match exactly.
 */
export const matAdapter: ParityAdapter = {
  name: 'fenglinglwb/MAT',
  accepts: (c) => c.json.model === 'mat',
  run: (c) => {
    const cls = officialClass(c);
    const runner = RUNNERS[cls];
    if (runner === undefined) {
      throw new PatchworkError('E_ARGUMENT', `${c.dir}: no MAT parity runner for the official class '${cls}' (supported: ${Object.keys(RUNNERS).join(', ')})`);
    }
    return runner(c);
  },
};

function officialClass(c: ParityCase): string {
  const raw = c.json.reference?.class ?? (c.json as { class?: unknown }).class;
  const m = typeof raw === 'string' ? /networks\.(?:mat|basic_module)\.(\w+)/.exec(raw) : null;
  if (m === null) throw new PatchworkError('E_ARGUMENT', `${c.dir}: case.json names no networks.mat/basic_module class (got ${JSON.stringify(raw)})`);
  return m[1]!;
}

/** Build, load the official weights, run `fn` in a tidy scope (keeping its outputs), dispose the module. */
function withModule<M extends Module>(module: M, c: ParityCase, fn: (m: M) => Outputs): Outputs {
  try {
    loadOfficialStateDict(module, c.weights);
    module.eval();
    let scales: Record<string, number | undefined> = {};
    const values = tf.tidy(() => {
      const o = fn(module);
      scales = Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.toleranceScale]));
      return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.value]));
    });
    return Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value, toleranceScale: scales[k] }]));
  } finally {
    module.dispose();
  }
}

function need(c: ParityCase, name: string): tf.Tensor {
  const t = c.io[name];
  if (t === undefined) throw new PatchworkError('E_ARGUMENT', `${c.dir}: io.safetensors has no input '${name}'`);
  return t;
}

/** The recorded calls (`call` in case.json): output name(s) → the Python call that produced them. */
function calls(c: ParityCase): Record<string, string> {
  const call = (c.json as { call?: unknown }).call;
  if (typeof call !== 'object' || call === null) return {};
  return Object.fromEntries(Object.entries(call).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** The `x_size=(h, w)` of the recorded call; a square map when the case does not say. */
function xSize(c: ParityCase, tokens: number): [number, number] {
  for (const call of Object.values(calls(c))) {
    const m = /x_size\s*=\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)/.exec(call) ?? /m\(x,\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)/.exec(call);
    if (m !== null) return [Number(m[1]), Number(m[2])];
  }
  const side = Math.round(Math.sqrt(tokens));
  if (side * side !== tokens) throw new PatchworkError('E_ARGUMENT', `${c.dir}: cannot tell the map size of ${tokens} tokens (no x_size in the recorded call)`);
  return [side, side];
}
