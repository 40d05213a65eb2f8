// Optimisers and schedules over host tensors and flat vectors; objectives may be ORT graph runs.
export {
  Adam,
  type AdamGrad,
  type AdamGroupConfig,
  type AdamGroupState,
  type AdamParamState,
  type AdamState,
} from './adam.js';
export {
  type FloatVector,
  type LbfgsOptions,
  type LbfgsResult,
  type LbfgsStopReason,
  lbfgs,
  type Objective,
} from './lbfgs.js';
export {
  cubicInterpolate,
  type LineFunction,
  type LineSearchOptions,
  type LineSearchResult,
  strongWolfe,
} from './lineSearch.js';
export {
  type CosineScheduleOptions,
  constantSchedule,
  cosineSchedule,
  NVIDIA_PROJECTOR_DEFAULTS,
  nvidiaProjectorLr,
  nvidiaProjectorNoise,
  type ProjectorLrOptions,
  type ProjectorNoiseOptions,
  type Schedule,
  type StepScheduleOptions,
  stepSchedule,
} from './schedule.js';
