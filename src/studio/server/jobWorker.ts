// The studio's job runner inside a worker process (src/jobs/workerMain loads this file): the same job kinds
// as the server, over their own model registry, so models load (and ONNX Runtime runs) only in workers.
import { fileURLToPath } from 'node:url';
import { ArgumentError, type JobContext, type JobRunner } from '../../index.js';
import type { Capabilities } from '../shared/api.js';
import { studioJobKinds } from './jobKinds.js';
import { ModelRegistry } from './modelRegistry.js';
import { Workspace } from './workspace.js';

/** This module's file, for LocalWorkerPool's `module` option. */
export const JOB_WORKER_MODULE = fileURLToPath(import.meta.url);

export interface JobWorkerInit {
  workspace: string;
  modelDirs: readonly string[];
  /** The server's probe (ffmpeg), so workers offer what the web app was told. */
  capabilities?: Capabilities;
}

export function createRunner(init: JobWorkerInit): JobRunner {
  const workspace = new Workspace(init.workspace);
  const models = new ModelRegistry([...init.modelDirs, workspace.dir('models')]);
  const kinds = studioJobKinds({ models, workspace, capabilities: init.capabilities });
  return {
    async run(kind, params, ctx) {
      const def = kinds[kind];
      if (!def) throw new ArgumentError(`unknown job kind '${kind}'`);
      models.rescan(); // a model imported since this worker started
      return def.run(params, ctx);
    },
    close: () => models.close(),
  };
}

export interface StudioTask {
  kind: string;
  params: Record<string, unknown>;
  dir: string;
  init: JobWorkerInit;
}

const runners = new Map<string, JobRunner>();

/** `latentlab worker`'s handler for 'studio-job' tasks (studio --queue): one runner per workspace. */
export async function runStudioTask(data: StudioTask, ctx: JobContext): Promise<unknown> {
  const key = JSON.stringify(data.init);
  let runner = runners.get(key);
  if (!runner) runners.set(key, (runner = createRunner(data.init)));
  return runner.run(data.kind, data.params, { ...ctx, dir: data.dir });
}
