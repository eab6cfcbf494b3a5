// @patchwork/mat-inpaint — MAT: Mask-Aware Transformer for large-hole image inpainting
// (Li et al., CVPR 2022; official code fenglinglwb/MAT). Mask convention: 1 = known pixel, 0 = hole.
export { MatConfigSchema, parseMatConfig, channelsAt, numWs, sizeMultiple, stageLayout } from './config.js';
export type { MatConfig, MatConfigInput } from './config.js';
export { MAT_PRESETS, matPresetConfig } from './presets.js';
export type { MatPreset, MatPresetName } from './presets.js';

export { MatGenerator, SynthesisNetwork } from './generator.js';
export type { GenerateOptions, SynthesisOptions, SynthesisOutput } from './generator.js';
export { MatDiscriminator, MinibatchStdLayer } from './discriminator.js';
export { inpaint } from './inpaint.js';
export type { InpaintOptions, InpaintResult } from './inpaint.js';

export { FirstStage } from './first-stage.js';
export type { FirstStageOptions, FirstStageCallOptions, FirstStageOutput } from './first-stage.js';
export { Conv2dLayerPartial } from './partial-conv.js';
export type { PartialConvOptions, MaskedFeatures } from './partial-conv.js';
export { partialConvMask, windowMaskUpdate, keyMaskBias } from './body/mask-update.js';
export { WindowAttention, windowPartition, windowReverse, roll2d, shiftWindowMask } from './body/window-attention.js';
export type { WindowAttentionOptions, AttentionResult } from './body/window-attention.js';
export { FusionBlock, Mlp } from './body/fusion-block.js';
export type { FusionBlockOptions, MaskedTokens } from './body/fusion-block.js';
export { TransformerStage, PatchResample, tokensToMap, mapToTokens } from './body/stage.js';
export type { TransformerStageOptions, StageTokens } from './body/stage.js';
export { MappingNetwork, normalize2ndMoment } from './style/mapping-network.js';
export type { MappingNetworkOptions, TruncationOptions } from './style/mapping-network.js';
export { ModulatedConv2d, StyleConv, ToRGB } from './style/modulated-conv.js';
export type { ModulatedConvOptions, StyleConvOptions, NoiseMode, NoiseOptions } from './style/modulated-conv.js';
export { bernoulliMixMap, stochasticMix, noiseToTokens, noiseToMap } from './style/token-mixing.js';
export { DecStyleBlock } from './tail.js';
export type { DecStyleBlockOptions, FeaturesAndImage } from './tail.js';
export { UNetEncoder, UNetDecoder, ToStyle } from './conv-unet.js';
export type { EncoderFeatures, UNetDecoderOptions } from './conv-unet.js';
export { FullyConnectedLayer } from './layers/fully-connected.js';
export type { FullyConnectedOptions } from './layers/fully-connected.js';
export { Conv2dLayer } from './layers/conv2d-layer.js';
export type { Conv2dLayerOptions } from './layers/conv2d-layer.js';
export { biasAct } from './ops/activation.js';
export type { Activation } from './ops/activation.js';
export { conv2dResample, upsample2d, resampleFilter, RESAMPLE_TAPS } from './ops/resample.js';

export { generatorAdversarialLoss, discriminatorLoss, r1Penalty, PerceptualLoss, Vgg19Features, MAT_PERCEPTUAL_WEIGHTS } from './losses.js';
export type { DiscriminatorLogits, FeatureExtractor } from './losses.js';
export { MatTrainer, emaDecay } from './trainer.js';
export type { MatTrainerOptions, MatStepStats, MatTrainerState } from './trainer.js';

export {
  matConfigFromOfficial,
  loadOfficialStateDict,
  conv2dLayerPartialFromOfficial,
  windowAttentionFromOfficial,
  swinBlockFromOfficial,
  basicLayerFromOfficial,
  decStyleBlockFromOfficial,
  mappingNetFromOfficial,
  firstStageFromOfficial,
} from './from-official.js';
