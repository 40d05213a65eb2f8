import type { FastifyInstance } from 'fastify';
import type { LocalWorkerPool } from '../../index.js';
import type { Capabilities } from '../shared/api.js';
import type { JobKind, JobQueue } from './jobQueue.js';
import type { ModelRegistry } from './modelRegistry.js';
import type { Workspace } from './workspace.js';

/** What routes and jobs are handed (its own module, so neither imports app.ts or jobKinds.ts back). */
export interface Studio {
  app: FastifyInstance;
  workspace: Workspace;
  models: ModelRegistry;
  jobs: JobQueue;
  /** The worker processes jobs run in (null with jobsInline). */
  workers: LocalWorkerPool | null;
  limits: { image: number; checkpoint: number };
  capabilities: Capabilities;
}

/** A job kind the studio offers: the queue's contract plus the JSON schema of its parameters. */
export interface StudioJobKind extends JobKind {
  schema: object;
  summary: string;
}

export interface JobDeps {
  models: ModelRegistry;
  workspace: Workspace;
  /** What the server can make (ffmpeg); absent: assume no ffmpeg. */
  capabilities?: Capabilities;
}
