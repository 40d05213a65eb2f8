// jobs: running a verb somewhere else (local worker processes; the BullMQ/Redis pool).
export * from './errors.js';
export type { CreateRunner, JobContext, JobProgress, JobRunner } from './protocol.js';
export {
  LocalWorkerPool,
  type PoolHooks,
  type PoolTask,
  rssMb,
  WorkerJobError,
  type WorkerPoolOptions,
} from './workerPool.js';
