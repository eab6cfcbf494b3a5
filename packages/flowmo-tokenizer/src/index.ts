export { FlowmoTokenizer } from './tokenizer.js';
export type { FlowmoTokenizerOptions, QuantizeOutput } from './tokenizer.js';
export { FlowmoCodes } from './codes.js';
export {
  FlowmoConfigSchema,
  DitSizeSchema,
  parseFlowmoConfig,
  mmditSizes,
  mmditParameterCount,
  flowmoParameterCount,
  bitsPerToken,
  bitsPerPixel,
} from './config.js';
export type { FlowmoConfig, FlowmoConfigInput, DitSize, MmditParams } from './config.js';
export { FLOWMO_PRESETS, flowmoPreset } from './presets.js';
export type { FlowmoPreset, FlowmoPresetName } from './presets.js';
export { MMDiT, MLPEmbedder, timestepEmbedding, TIME_EMBED_DIM } from './mmdit.js';
export type { MmditForwardOptions, MmditOutputs } from './mmdit.js';
export { DoubleStreamBlock, LastLayer, Modulation, QKNorm, StreamAttention, SiLU } from './mmdit-block.js';
export type { DoubleStreamOptions, ModulationOut } from './mmdit-block.js';
export { FlowmoEncoder } from './encoder.js';
export { FlowmoDecoder } from './decoder.js';
export { patchify, unpatchify } from './patchify.js';
export { LFQ, signSte } from './quantize/lfq.js';
export type { LfqLosses, LfqOptions } from './quantize/lfq.js';
export { FSQ } from './quantize/fsq.js';
export { sampleTimesteps, noisedImages, flowMatchingLoss, denoisedPrediction } from './rectified-flow.js';
export type { NoiseSchedule } from './rectified-flow.js';
export { rfSample, samplingSchedule, guidanceMask, edmToFlow, parseSamplerOptions, SamplerSettingsSchema } from './sampler.js';
export type { SamplerOptions, SamplerSettings, SampleResult, VelocityFn } from './sampler.js';
export { fromFlowmoConfig, loadFlowmoCheckpoint, DIT_ZOO, OFFICIAL_BASE_CONFIG } from './from-official.js';
export type { OfficialDitEntry, OfficialFlowmoSettings, OfficialTrainingSettings, FromFlowmoConfigOptions, LoadFlowmoCheckpointOptions } from './from-official.js';
export { rfLoss, Stage1aTrainer, Stage1aOptionsSchema } from './train/stage-1a.js';
export type { RfLossInputs, RfLossOptions, RfLossTerms, Stage1aOptions } from './train/stage-1a.js';
export { Stage1bTrainer, Stage1bOptionsSchema, randomChainTimesteps, sampleChain, sampleChainGradients } from './train/stage-1b.js';
export type { Stage1bOptions, ChainGradients } from './train/stage-1b.js';
export { FlowmoTrainerBase } from './train/trainer-base.js';
export type { StepLosses, TrainerState, TrainerMeta } from './train/trainer-base.js';
export { ForcedWeightNorm } from './train/weight-norm.js';
export type { FixNormMode } from './train/weight-norm.js';
export { lpipsDistance, featureMseLoss } from './train/perceptual.js';
export type { PerceptualLoss, FeatureExtractor } from './train/perceptual.js';
