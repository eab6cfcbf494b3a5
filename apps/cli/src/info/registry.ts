import type { InfoProvider } from './provider.js';
import { mobilenetv2Info } from './mobilenetv2.js';
import { vitInfoProvider } from './vit.js';

/** Every model family `patchwork info` knows. Model packages add theirs here as they land. */
export const INFO_PROVIDERS: InfoProvider[] = [vitInfoProvider, mobilenetv2Info];
