import type { ParityAdapter } from './adapter.js';
import { mobilenetv2Adapter } from './adapters/mobilenetv2.js';
import { vitAdapter } from './adapters/vit.js';
import { maeAdapter } from './adapters/mae.js';
import { matAdapter } from './adapters/mat.js';
import { flowmoAdapter } from './adapters/flowmo.js';

/** Every model family `patchwork parity` knows. Model packages add theirs here as they land. */
export const PARITY_ADAPTERS: ParityAdapter[] = [vitAdapter, mobilenetv2Adapter, maeAdapter, matAdapter, flowmoAdapter];
