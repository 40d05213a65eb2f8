// The studio's job runner inside a worker process (src/jobs/workerMain loads this file): the same job kinds
// as the server, over their own model registry, so models load (and ONNX Runtime runs) only in workers.
import { fileURLToPath } from 'node:url';
import { ArgumentError, type JobRunner } from '../../index.js';
import { studioJobKinds } from './jobKinds.js';
import { ModelRegistry } from './modelRegistry.js';
import { Workspace } from './workspace.js';

/** This module's file, for LocalWorkerPool's `module` option. */
export const JOB_WORKER_MODULE = fileURLToPath(import.meta.url);

export interface JobWorkerInit {
  workspace: string;
  modelDirs: readonly string[];
}

export function createRunner(init: JobWorkerInit): JobRunner {
  const workspace = new Workspace(init.workspace);
  const models = new ModelRegistry([...init.modelDirs, workspace.dir('models')]);
  const kinds = studioJobKinds({ models, workspace });
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
