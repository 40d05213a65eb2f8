// latentlab public API, grouped by layer (STYLE.md: studio/ and cli/ only use what is exported here).

// core
export { ArgumentError, CheckpointError, DTypeError, FormatError, GraphError, LatentlabError, RuntimeFailure, ShapeError, UnsupportedOpError } from './core/errors.js';
export type { DType, FloatDType } from './core/dtype.js';
export { type Shape, sizeOf, formatShape, broadcastShapes } from './core/shape.js';
export { concatRows, float32ToHalf, halfToFloat32, repeatEachRow, repeatRows, selectAxis1, sliceRows, stackRows, takeRows, Tensor } from './core/tensor.js';

// graph
export { grad, valueAndGrad, vjp } from './graph/autodiff.js';
export type { OnnxAttr, OnnxEmitter } from './graph/emitter.js';
export { convAttrs, conv2d, convTranspose2d, convWeightGrad, type ConvOptions } from './graph/ops/conv.js';
export { abs, add, cast, clip, div, equal, exp, greater, leakyRelu, less, log, mul, neg, type Operand, pow, reciprocal, relu, rsqrt, scalarLike, sigmoid, softplus, sqrt, square, sub, tanh, where } from './graph/ops/elementwise.js';
export { gemm, matmul } from './graph/ops/matmul.js';
export { concat, expand, gather, pad, reshape, slice, squeeze, transpose, unsqueeze } from './graph/ops/movement.js';
export { unbroadcast } from './graph/ops/broadcast.js';
export { reduceMax, reduceMean, reduceSum } from './graph/ops/reduce.js';
export { printGraph } from './graph/printer.js';
export { type InputSpec, type Program, program, type TraceResult, trace } from './graph/program.js';
export { opNames } from './graph/registry.js';
export { topoSort } from './graph/topo.js';
export type { OpAttrMap, OpDef, OpName } from './graph/types.js';
export { apply, constant, input, Value } from './graph/value.js';

// onnx
export { dumpText, lower, serialize, OPSET } from './onnx/model.js';

// runtime
export type { Backend, BackendSession, OptimizationLevel, SessionOptions } from './runtime/backend.js';
export { sessionDefaults, sessionEnv, setSessionDefaults, THREADS_ENV, threadsChosen } from './runtime/sessionDefaults.js';
export { clearSessionCache, type CompileOptions, compile, compileFunction, Executable, toOnnx } from './runtime/compile.js';
export { retainedHeapBytes, SERVER_RETAINED_BYTES, withServerPages } from './runtime/mallocEnv.js';
export { DEFAULT_WARM_HEAP_MIB, type HeapWarmth, warmHeap } from './runtime/warmHeap.js';

// nn
export { Weights, Scope, type ParamMode } from './nn/weights.js';

// models
export { GanModel } from './models/ganModel.js';
export type { BundleManifest, EvaluationRecord, Provenance, LayerRow, Architecture } from './models/manifest.js';
export { currentEvaluation } from './models/manifest.js';
export { generatorCard, provenanceLines } from './models/card.js';
export type { GeneratorConfig, ResolvedGenerator, SynthesisLayerInfo } from './models/stylegan2/config.js';
export type { DiscriminatorConfig } from './models/stylegan2/discriminator.js';
export type { NoiseMode } from './models/stylegan2/synthesis.js';
export { formatLayerTable, resolveSg3, type ResolvedSg3, type Sg3GeneratorConfig, type Sg3Layer } from './models/stylegan3/config.js';
export { inputTransform, makeTransform } from './models/stylegan3/synthesis.js';
export type { StyleSpace } from './models/ganModel.js';
export { classLabels, computeStyles, discriminate, makeNoise, mapZ, type MapOptions, sampleZ, synthesize, type SynthesisRunOptions } from './models/generate.js';
export { splitStyleOffsets, styleChannel, styleIndex, type StyleLayer, type StyleLayout, styleLayout } from './models/stylegan2/styles.js';

// latent codes (z / w / w+ with truncation, classes and noise) and their lossless files
export { broadcastW, checkLatent, codeShape, concatLatents, type Latent, LATENT_SPACES, latentFromCodes, latentFromSeeds, type LatentOptions, type LatentProvenance, type LatentSpace, renderLatent, selectRows, toWs } from './latent/latent.js';
export { decodeLatent, encodeLatent, LATENT_EXTENSION, loadLatent, type LoadLatentOptions, saveLatent } from './latent/file.js';

// latent exploration: interpolation, style mixing, arithmetic, truncation and noise, imports, figures
export { catmullRom, type FrameStep, INTERPOLATION_METHODS, interpolateCodes, type InterpolationMethod, keyframeSchedule, lerpVectors, type PathCodesOptions, slerpVectors } from './latent/paths.js';
export { crossfadeImages, interpolate, type InterpolateOptions, type InterpolationPath } from './latent/interpolate.js';
export { type LayerTable, layerTableOf, NAMED_RANGES, type NamedRange, namedRanges, noiseLayersForRows, parseLayerRange, wsRowResolutions } from './latent/layerRanges.js';
export { mixStyles, type StyleMixGrid, styleMixGrid } from './latent/mix.js';
export { linspace, truncateWs, type TruncationSweep, truncationSweep, wAverage } from './latent/truncation.js';
export { noiseVariations, type NoiseVariationOptions, type NoiseVariations, variationStd, withNoiseMode } from './latent/noise.js';
export { expressionNames, latentExpression } from './latent/arithmetic.js';
export { applyAttribute, attributeVector, classIndex, type ClassMeans, classMeans, type ClassMeansOptions } from './latent/attributes.js';
export { exportLatent, type ExportLatentOptions, importLatent, type ImportLatentOptions, materialNoise, type TorchLatentLayout } from './latent/importers.js';
export { latentsFromSources, type LatentSource, parseSource, type SourceOptions, unifyLatents } from './latent/sources.js';
export { imagesOf, type Progress, renderFrames } from './latent/figure.js';
export { blankLike, drawText, type LabelledGridOptions, labelledGrid, sideBySide } from './formats/imageGrid.js';
export { parseRotateSweep, parseTranslateSweep, renderTransformSweep, type SweepFrame, sweepFrames, sweepLabel, sweepStrip, sweepTransforms, type TransformSweep } from './latent/transformSweep.js';
export { type PathConfidence, pathConfidence, type PathConfidenceOptions, type PathStats } from './latent/smoothness.js';
export { encodeGif, type GifOptions, writeGif } from './formats/gif.js';
export { writeZip, type ZipInput } from './formats/zipWrite.js';
export { VIDEO_EXTENSIONS, VideoEncoderMissing, type VideoOptions, writeVideo } from './formats/video.js';
export { type TorchWritable, writeTorchFile } from './formats/torchWrite.js';

// formats
export { loadModel, type LoadOptions } from './models/io/loadModel.js';
export { isBundleFolder, MANIFEST_FILE, readBundle, readBundleManifest, recordEvaluation, writeBundle } from './models/io/bundle.js';
export { IMPORT_SPEC, type ImportOptions, importModel, resolveImportOptions } from './models/io/importVerb.js';
export { EXPORT_SPEC, type ExportOptions, resolveExportOptions } from './models/io/exportOptions.js';
export { exportOnnx, type ExportedGraph, type ExportOnnxOptions, type ExportedNoise, NOISE_CONST_FILE, type OnnxExport } from './models/io/onnxExport.js';
export { type AtomicWriteOptions, replaceFile, writeFileAtomic, writeFilesAtomically } from './formats/atomicFiles.js';
export { encodePng, fromImages, makeGrid, readImage, type RgbImage, toImages, upscale, writePng } from './formats/image.js';
export { loadNpy, saveNpy, loadNpz, saveNpz, loadSafetensors, saveSafetensors, loadTorchFile, loadNvidiaPickle } from './formats/files.js';
export { RandomState, type RandomStateSnapshot } from './core/rng.js';

// data and training
export type { Batch, ImageDataset } from './data/dataset.js';
export { FASHION_MNIST_LABELS, FASHION_MNIST_ROOT, type FashionMnistOptions, loadFashionMnist } from './data/fashionMnist.js';
export { type ImageFolderOptions, loadImageFolder } from './data/imageFolder.js';
export { type ImageArrays, InMemoryImageDataset, takeFirst } from './data/memory.js';
export { BatchSampler, type BatchSamplerOptions, type BatchSamplerState } from './data/sampler.js';
export { readIdx, loadIdx, writeIdx } from './formats/idx.js';
export { type AdamJsonState, CHECKPOINT_FORMAT, type Checkpoint, decodeCheckpoint, encodeCheckpoint, type LoadedCheckpoint, loadCheckpoint, loadLatestCheckpoint, packAdam, previousPath, type SaveCheckpointOptions, saveCheckpoint, unpackAdam } from './train/checkpoint.js';
export { type DcganCheckpointState, type DcganTrainConfig, DcganTrainer, type DcganTrainOptions } from './train/dcgan.js';
export { type DcganRunResult, trainDcgan } from './train/dcganRun.js';
export { type OpenLogOptions, parseLog, readLog, TrainingLog } from './train/log.js';
export { crossed, type LoopOptions, type LoopResult, type ProgressSink, type ProgressUpdate, runTrainingLoop, type SnapshotInfo, type StepResult, type TrainingTask } from './train/loop.js';
export { niceTicks, type PlotOptions, plotLosses, Raster, type Rgb, SERIES_COLOURS, writeLossPlot } from './train/plot.js';
export { formatDuration } from './core/duration.js';
export { checkResumeConfig, openRun, type RunFiles, runFiles } from './train/run.js';
export type { LogRecord, TrainingProgress } from './train/types.js';

// classifier and metrics
export { Classifier, type ClassifierManifest } from './models/classifier/classifier.js';
export { readClassifierBundle, writeClassifierBundle } from './models/io/classifierBundle.js';
export { CLASSIFIER_PRESETS, type ClassifierConfig, type ClassifierPreset, inferClassifierConfig, resolveClassifier } from './models/classifier/config.js';
export { initClassifierWeights } from './models/classifier/init.js';
export { classify, logSoftmax, softmax } from './models/classifier/network.js';
export { predict, type Predictions } from './models/classifier/predict.js';
export { classifierFeatureStats, fcd, type FcdResult, frechetDistance } from './metrics/fcd.js';
export { generatedImages } from './metrics/generated.js';
export { FCD_SPEC, type FcdOptions, type FcdRun, measureFcd, resolveFcdOptions } from './metrics/fcdVerb.js';
export { measurePpl, PPL_SPEC, type PplMeasured, type PplRun, type PplRunOptions, resolvePplOptions } from './metrics/pplVerb.js';
export { CONDITIONING_SPEC, type ConditioningRunOptions, measureConditioning, resolveConditioningOptions } from './metrics/conditioningVerb.js';
export { featureStats, type FeatureStats } from './metrics/stats.js';
export { type AmbiguousPair, type ClassConfidence, ClassConfidenceAccumulator } from './metrics/confidence.js';
export { trainStyleGAN2, type StyleGAN2RunOptions } from './train/stylegan2Run.js';
export type { SnapshotFcdOptions } from './train/snapshotFcd.js';
export { type ClassifierRunOptions, type ClassifierRunResult, trainClassifier } from './train/classifier.js';
// train verbs: one option table and resolver per trainer, run from the resolved options
export { dcganRunConfig, resolveTrainDcganOptions, TRAIN_DCGAN_SPEC, type TrainDcganOptions } from './train/dcganOptions.js';
export { resolveTrainStylegan2Options, stylegan2RunConfig, TRAIN_STYLEGAN2_SPEC, type TrainStylegan2Options } from './train/stylegan2Options.js';
export { resolveTrainClassifierOptions, TRAIN_CLASSIFIER_SPEC, type TrainClassifierOptions } from './train/classifierOptions.js';
export { resolveTrainEncoderOptions, TRAIN_ENCODER_SPEC, type TrainEncoderOptions } from './train/encoderOptions.js';
export { loadTrainingData, runClassifierTraining, runDcganTraining, runEncoderTraining, runStylegan2Training, snapshotFcdOf, trainCommandOf, type TrainHooks } from './train/trainVerbs.js';

// inversion: projecting images into a latent space (optimisation; encoders build on `project`'s init)
export { type ProjectOptions, type ProjectionResult, project, type StepInfo } from './inversion/projector.js';
export { activeTerms, type FeatureNets, IMAGE2STYLEGAN_LAYERS, LOSS_TERMS, type LossTerm, type LossWeights, noiseRegularization, renormalizeNoise, type VggNet } from './inversion/losses.js';
export { latentStats, type LatentStats, noiseLayers, type ProjectionSpec, projectionExecutable, projectionProgram } from './inversion/program.js';
export { featureDistances, mse01, psnrFromMse, type ReconstructionMetrics, reconstructionMetrics, ssim } from './inversion/metrics.js';
export { DEFAULT_MAX_PIXELS, readMask, readTarget, type TargetOptions } from './inversion/target.js';
export { type FilesProgress, listTargets, outputNames, type ProjectedFile, projectFiles, type ProjectFilesOptions, VIDEO_FORMATS, type VideoFormat } from './inversion/files.js';
export { loadVggNet } from './inversion/vggNet.js';
// directions: InterFaceGAN, conditional, GANSpace, SeFa, Jacobian; direction files; edits
export { cosine, type DirectionMethod, type DirectionProvenance, type DirectionSet, type DirectionSpace, directionIndex, makeDirectionSet, projectedStd, rowsStd, unit } from './directions/direction.js';
export { type EditOptions, type EditUnits, editStep, editWs, editZ } from './directions/editCodes.js';
export { edit, type LatentEditOptions } from './directions/edit.js';
export { type Attribute, type Boundary, type BoundaryOptions, boundarySet, interfacegan, type InterfaceganOptions, trainBoundary } from './directions/interfacegan.js';
export { attributeScores, type LabelledSamples, sampleLabelled } from './directions/labelled.js';
export { fitLinearSvm, type LinearSvm, type LinearSvmOptions, svmAccuracy } from './directions/svm.js';
export { conditionalDirection, type ConditionalResult } from './directions/conditional.js';
export { ganspace, type GanspaceOptions, type PcaResult, principalComponents, StreamingCovariance } from './directions/ganspace.js';
export { eigvecMatrix, SEFA_INCLUDES, SEFA_PRESET_LAYERS, sefa, type SefaInclude, type SefaOptions, type SefaResult } from './directions/sefa.js';
export { jacobianDirections, type JacobianDirections, type JacobianDirectionsOptions, jacobianProducts } from './directions/jacobian.js';
export { readDirections, type ReadDirectionsOptions, writeDirections } from './directions/files.js';
export { readScores, type ScoreTable } from './directions/scores.js';
export { type DirectionEval, type DirectionEvalOptions, type DirectionEvalRow, evaluateDirections } from './directions/evaluate.js';
export { withMeasuredSigma } from './directions/sigma.js';
export {
  CONDITIONAL_SPEC,
  type ConditionalRunOptions,
  DIRECTIONS_INFO_SPEC,
  type DirectionModelFacts,
  type DirectionsInfoOptions,
  formatLayerRows,
  GANSPACE_SPEC,
  type GanspaceRunOptions,
  JACOBIAN_SPEC,
  type JacobianRunOptions,
  parseLayerRows,
  resolveConditionalOptions,
  resolveDirectionsInfoOptions,
  resolveGanspaceOptions,
  resolveJacobianOptions,
  resolveSefaOptions,
  SEFA_SPEC,
  type SefaRunOptions,
} from './directions/discoverOptions.js';
export {
  INTERFACEGAN_SPEC,
  type InterfaceganMethod,
  type InterfaceganMode,
  type InterfaceganRunOptions,
  resolveInterfaceganOptions,
} from './directions/interfaceganOptions.js';
export {
  type Discovered,
  discoverConditional,
  discoverGanspace,
  type DiscoverHooks,
  discoverInterfacegan,
  discoverJacobian,
  discoverSefa,
  directionModelFacts,
  parseClassAttributes,
} from './directions/discover.js';
export {
  DIRECTIONS_EVAL_SPEC,
  type DirectionsEvalOptions,
  type DirectionsEvalResult,
  evaluateDirectionFile,
  preservationRecord,
  resolveDirectionsEvalOptions,
} from './directions/evalVerb.js';
// the halves of interfacegan / ganspace / generatorFcd that a sharded run (jobs/queue) computes apart and joins
export { fitInterfacegan, type InterfaceganFitOptions } from './directions/interfacegan.js';
export { LABEL_CHUNK, labelSeedRange } from './directions/labelled.js';
export { GANSPACE_CHUNK, ganspaceFromCovariance, ganspaceMoments, type Moments, momentsOf } from './directions/ganspace.js';
export { type GeneratedFeatures, generatedFeatures, generatorFcdFromFeatures, type ReferenceStats } from './metrics/generatorFcd.js';
export { MEASURE_HELP, MEASURE_NAMES, type MeasureName, measureImages, measureInk } from './directions/measures.js';
export { type RidgeDirection, ridgeDirection, type RidgeOptions } from './directions/ridge.js';
export { type AttributeMethod, type AttributeSpec, attributeDirections, type KeepSpec, parseAttributeSpecs, type ScoredAttribute, scoreChunk } from './directions/attributes.js';
export { type AttributeDiscoveryOptions, discoverAttributeDirections } from './directions/attributeSampling.js';
export {
  directionsFromGradients,
  estimateAttributeGradients,
  type GradientDirectionOptions,
  type GradientEstimate,
  gradientDirections,
  knobRows,
} from './directions/attributeGradient.js';
export { balancedClassDirections, classGradientDirections, conditionOnNearest } from './directions/classGradient.js';
export { channelDirection, type ChosenChannel, chooseChannels, estimateStyleGradients, type StyleGradientEstimate, type StyleGradientOptions } from './directions/styleSpace.js';
export { exactStyleClassGradients } from './directions/styleSpaceExact.js';
export { exactStyleAttributeGradients, hasExactGradient, mergeStyleEstimates } from './directions/styleSpaceExactAttributes.js';
export { AREA_TEMPERATURE, EXACT_GRAPH_MEASURES, EXTENT_TEMPERATURE, GRAPH_MEASURES, isGraphMeasure, isSurrogateMeasure, measureGraph, SURROGATE_MEASURES } from './directions/measureGraph.js';
export { styleAttributeDirections, styleClassDirections, type StyleKnobOptions } from './directions/styleSpaceDirections.js';
export { discoverStyleSpace, resolveStyleSpaceOptions, STYLESPACE_SPEC, type StyleSpaceRunOptions } from './directions/styleSpaceVerb.js';
export {
  classesOf,
  editByClass,
  editWsByClass,
  knobIndex,
  perClassAttributeDirections,
  perClassClassDirections,
  perClassGradientDirections,
  type PerClassInfo,
  perClassInfo,
  type PerClassKeep,
} from './directions/perClass.js';
export { covariance, covariancePower } from './directions/covariance.js';
export { type AttributeEval, type AttributeEvalOptions, type AttributeEvalRow, type AttributeSpread, attributeSpread, directionAttribute, evaluateAttributes, pooledWithinStd } from './directions/attributeEval.js';
export { classifierDistance, type PairDistance, vggDistance } from './metrics/featureDistance.js';
export { perceptualPathLength, type PplDifference, pplDifference, type PplOptions, type PplResult, slerp } from './metrics/ppl.js';
export { conditioning, type ConditioningOptions, type ConditioningResult, latentGradients } from './metrics/conditioning.js';
// inversion: encoder (image -> W+), its bundles and training; image quality metrics
export { encode, type EncodeOptions, encodeWs, stackImages } from './inversion/encode.js';
export { Encoder, type EncoderManifest } from './models/encoder/encoder.js';
export { ENCODER_FORMAT, readEncoderBundle, writeEncoderBundle } from './models/io/encoderBundle.js';
export { ENCODER_DEFAULTS, type EncoderConfig, encoderConfigFor, resolveEncoder, type ResolvedEncoder } from './models/encoder/config.js';
export { encodeGraph, initEncoderWeights } from './models/encoder/network.js';
export { ENCODER_LOSS_WEIGHTS, type EncoderRunOptions, type EncoderRunResult, trainEncoder } from './train/encoderRun.js';
export { type EncoderCheckpointState, type EncoderEvalRecord, type EncoderTrainConfig, EncoderTrainer } from './train/encoderTrainer.js';
export { imageStem, listImageFiles, readImageInputs } from './inversion/imageInputs.js';
export {
  ENCODE_DEFAULT_PATHS,
  ENCODE_SPEC,
  type EncodeRunOptions,
  encodingKey,
  resolveEncodeOptions,
} from './inversion/encodeOptions.js';
export {
  type EncodeHooks,
  type EncodeReport,
  type EncodeResult,
  encodeFiles,
  meanMetrics,
} from './inversion/encodeFiles.js';
export { encodeAndProject, HYBRID_DEFAULTS, type HybridOptions, type HybridResult } from './inversion/hybrid.js';

// verbs: one resolved-options entry point each (STYLE.md "One verb, one entry point")
export { canonicalJson, differingOptions, formatCommand, formatOptionArgs, formatOptionHelp, hashOf, type OptionSpec, parseOptionArgs, shellJoin, shellSplit, shellWord, type VerbSpec } from './core/options.js';
export { formatRange, parseRange } from './core/ranges.js';
export { checkRunRecord, forEachSeedBatch, GENERATE_SPEC, type GenerateOptions, type GenerateResult, generate, generateGrid, generateGridPng, type ModelFacts, NOISE_MODES, requireModelPath, resolveGenerateOptions, resolveSeedLatentOptions, RUN_RECORD, type RunRecord, SEED_LATENT_OPTIONS, type SeedLatentOptions, seedFileName } from './latent/generate.js';
export { type EditStep, formatEditStep, latentPng, type NoiseResample, parseEditStep, render, type RenderDeps, renderedLatent, RENDER_SPEC, type RenderOptions, resolveRenderOptions } from './directions/render.js';
export { type AnimationOptions, formatSources, parseNumberList, parseSources, resolveWalkSources, type WalkOutputOptions, type WalkSourceOptions } from './latent/walkOptions.js';
export { frameLabel, pathFigure } from './latent/pathFigure.js';
export { INTERPOLATE_SPEC, type InterpolateResult, type InterpolateVerbOptions, interpolateMeasure, interpolateVerb, resolveInterpolateOptions } from './latent/interpolateOptions.js';
export { MIX_SPEC, type MixOptions, type MixResult, mixVerb, resolveMixOptions } from './latent/mixOptions.js';
export { resolveTruncationOptions, TRUNCATION_SPEC, type TruncationOptions, type TruncationResult, truncationVerb } from './latent/truncationOptions.js';
export { NOISE_SPEC, type NoiseOptions, type NoiseResult, noiseVerb, resolveNoiseOptions } from './latent/noiseOptions.js';
export { ARITH_SPEC, type ArithBinding, type ArithOptions, type ArithResult, arithVerb, resolveArithOptions } from './latent/arithOptions.js';
export { EDIT_SPEC, type EditSweep, type EditSweepOptions, editVerb, resolveEditOptions } from './directions/editOptions.js';
export { lossWeightsOf, PROJECT_LOSS_PRESETS, PROJECT_SPEC, type ProjectHooks, type ProjectLoss, projectionKey, projectorSettings, type ProjectorSettings, type ProjectRunOptions, projectVerb, resolveProjectOptions, SHIPPED_CLASSIFIER } from './inversion/projectOptions.js';

// jobs: running a verb somewhere else (local worker processes)
// (the BullMQ/Redis pool has its own entry, jobs/queue/index.ts, imported lazily: bullmq loads only when used)
export { JobCancelled, JobTimedOut, WorkerCrashed, WorkerOutOfMemory } from './jobs/errors.js';
export type { CreateRunner, JobContext, JobProgress, JobRunner } from './jobs/protocol.js';
export { LocalWorkerPool, type PoolHooks, type PoolTask, rssMb, WorkerJobError, type WorkerPoolOptions } from './jobs/workerPool.js';
