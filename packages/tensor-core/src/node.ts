// `@patchwork/tensor-core/node`: the Node-only API (file system). The main entry stays browser-safe.
export { openSafetensors, loadSafetensorsFile, writeSafetensorsFile } from './io/safetensors-file.js';
export type { SafetensorsFile } from './io/safetensors-file.js';
export { saveCheckpoint, loadCheckpoint, loadCheckpointWeights, latestCheckpoint } from './io/checkpoint.js';
export type { Checkpoint, LoadedCheckpoint, ModelIdentity, SaveCheckpointOptions } from './io/checkpoint.js';
export { writeFileAtomic } from './io/fs-util.js';
