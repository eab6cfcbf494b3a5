/** What `patchwork info` prints. */
export interface ModelInfo {
  name: string;
  family: string;
  inputSize: number;
  params: number;
  /** Multiply-accumulates of one forward pass at batch 1 (convention: see @patchwork/layers count). */
  macs: number;
}

/** A model package's presets, as seen by `patchwork info`. */
export interface InfoProvider {
  names(): string[];
  info(name: string, size?: number): ModelInfo | Promise<ModelInfo>;
}
