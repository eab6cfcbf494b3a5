import { PatchworkError } from '@patchwork/tensor-core';
import type { InfoProvider, ModelInfo } from './provider.js';
import { INFO_PROVIDERS } from './registry.js';

/** Parameter count and multiply-adds of a model or preset at an input size. */
export async function modelInfo(name: string, size?: number, providers: InfoProvider[] = INFO_PROVIDERS): Promise<ModelInfo> {
  for (const p of providers) {
    if (p.names().includes(name)) return await p.info(name, size);
  }
  const known = providers.flatMap((p) => p.names());
  throw new PatchworkError('E_ARGUMENT', `unknown model or preset '${name}'; known: ${known.join(', ') || 'none'}`);
}
