// The job runner bench/scale.ts puts in LocalWorkerPool workers: projections of one target, and studio
// requests (render, grid) answered by a studio inside the worker, to time a warm worker against in-process.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GanModel, type JobRunner, loadModel, projectFiles } from '../src/index.js';
import { buildStudio, type Studio } from '../src/studio/server/app.js';

export function createRunner(init: { modelDirs: string[] }): JobRunner {
  const models = new Map<string, Promise<GanModel>>();
  let studio: Promise<Studio> | null = null;
  return {
    async run(kind, params) {
      if (kind === 'project') {
        const path = params.model as string;
        if (!models.has(path)) models.set(path, loadModel(path));
        const model = await models.get(path)!;
        const outdir = await mkdtemp(join(tmpdir(), 'latentlab-scale-'));
        const t = performance.now();
        await projectFiles(model, [params.target as string], {
          outdir,
          numSteps: params.steps as number,
          wAvgSamples: 1000,
          resume: false,
        });
        await rm(outdir, { recursive: true, force: true });
        return { seconds: (performance.now() - t) / 1000 };
      }
      if (kind === 'inject') {
        studio ??= mkdtemp(join(tmpdir(), 'latentlab-scale-ws-')).then((workspace) =>
          buildStudio({ workspace, modelDirs: init.modelDirs, webRoot: null, jobsInline: true }),
        );
        const res = await (await studio).app.inject(params as never);
        return { status: res.statusCode, body: res.rawPayload.toString('base64') };
      }
      throw new Error(`scaleRunner: no kind ${kind}`);
    },
  };
}
