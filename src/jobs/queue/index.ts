// The distributed pool on BullMQ + Redis. Kept out of src/index.ts so that commands which never touch a
// queue do not load bullmq and ioredis at start-up; the CLI and studio import this file when --queue is given.
export { type BundleRef, BundleLocator, bundleRef, ModelUnavailable } from './bundles.js';
export {
  generateShards,
  type GenerateShardData,
  type GenerateShardOptions,
  runGenerateShard,
  seedFile,
  writeShardFiles,
} from './generateShards.js';
export { QUEUE_NAME, queueConnection, redactedUrl } from './connection.js';
export {
  INLINE_LIMIT,
  type ProjectShardData,
  type ProjectShardOptions,
  type ProjectShardResult,
  projectShards,
  runProjectShard,
  writeProjectResult,
} from './projectShards.js';
export { contentId, runShards, type RunShardsOptions, type Shard, type ShardsReport } from './submit.js';
export { type QueueWorker, type QueueWorkerOptions, startQueueWorker, type TaskHandler } from './worker.js';
export {
  ganspaceOnQueue,
  type GanspaceOnQueue,
  ganspaceShards,
  interfaceganOnQueue,
  type InterfaceganOnQueue,
  interfaceganShards,
  joinLabelled,
  runGanspaceShard,
  runInterfaceganShard,
} from './directionShards.js';
export { fcdOnQueue, type FcdOnQueue, type FcdShardOptions, fcdShards, runFcdShard } from './fcdShards.js';
export { collectShards, type SeedRange, seedRanges } from './seedShards.js';
export { type EditStripData, editStrips, renderEditOnQueue, runEditStrip } from './editShards.js';
