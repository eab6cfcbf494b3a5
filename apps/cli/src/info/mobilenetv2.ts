import { PatchworkError, Rng } from '@patchwork/tensor-core';
import { MOBILENETV2_PRESETS, createMobileNetV2 } from '@patchwork/mobilenetv2';
import type { MobileNetV2PresetName } from '@patchwork/mobilenetv2';
import type { ModelInfo } from './provider.js';

/** Input side used when `--size` is not given: the paper's ImageNet resolution. */
const DEFAULT_SIZE = 224;

/**
 * `patchwork info mobilenet_v2_<width> [--size N]`: parameters at 1000 classes and the
 * multiply-adds of one N×N image, counted by `@patchwork/layers`' `countMacs` on the built model
 * (conv and linear products only, as the paper's "multiply-adds").
 */
export const mobilenetv2Info = {
  names: (): string[] => Object.keys(MOBILENETV2_PRESETS),
  info: async (name: string, size: number = DEFAULT_SIZE): Promise<ModelInfo> => {
    if (!(name in MOBILENETV2_PRESETS)) throw new PatchworkError('E_ARGUMENT', `unknown MobileNetV2 preset '${name}'`);
    // The weights' values do not matter for counting; a fixed seed keeps the run deterministic.
    const model = createMobileNetV2(name as MobileNetV2PresetName, {}, { rng: new Rng(0) });
    try {
      const { total } = await model.countMacs(size);
      return { name, family: 'mobilenetv2', inputSize: size, params: model.numParameters(), macs: total };
    } finally {
      model.dispose();
    }
  },
};
