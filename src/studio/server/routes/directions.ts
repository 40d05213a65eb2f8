import { readdir } from 'node:fs/promises';
import {
  ArgumentError,
  type GanModel,
  type Latent,
  latentFromSeeds,
  type PcaResult,
  principalComponents,
  renderedLatent,
  StreamingCovariance,
  toWs,
} from '../../../index.js';
import type { Studio } from '../types.js';
import { directionSet, type RenderRequest, renderRequest } from '../edits.js';
import { pcaBody } from '../schemas.js';

interface PcaCache {
  pca: PcaResult;
  points: [number, number][];
}
const pcaCache = new WeakMap<GanModel, Map<number, Promise<PcaCache>>>();

/** PCA of `num` sampled w (seeds 0..num-1, untruncated: GANSpace's view of W) and the samples on pc0/pc1. */
function wPca(model: GanModel, num: number): Promise<PcaCache> {
  let byNum = pcaCache.get(model);
  if (!byNum) pcaCache.set(model, (byNum = new Map()));
  let p = byNum.get(num);
  if (!p) {
    p = (async () => {
      const w = (
        await latentFromSeeds(
          model,
          Array.from({ length: num }, (_, i) => i),
          { space: 'w' },
        )
      ).codes; // [num, wDim]
      const wDim = w.shape[1];
      const cov = new StreamingCovariance(wDim);
      cov.add(w);
      const pca = principalComponents(cov, 2);
      const points = Array.from({ length: num }, (_, i) =>
        project2(pca, w.data.subarray(i * wDim, (i + 1) * wDim)),
      );
      return { pca, points };
    })();
    byNum.set(num, p);
    p.catch(() => byNum.delete(num));
  }
  return p;
}

function project2(pca: PcaResult, w: ArrayLike<number>): [number, number] {
  const xy = [0, 1].map((k) => {
    let s = 0;
    for (let j = 0; j < w.length; j++) s += (w[j] - pca.mean[j]) * pca.components[k][j];
    return Math.round(s * 1000) / 1000;
  });
  return [xy[0], xy[1]];
}

/** The mean of a latent's ws rows (its w; for W+ the centre of its rows). */
async function meanW(model: GanModel, latent: Latent): Promise<Float64Array> {
  const ws = await toWs(model, latent);
  const [, numWs, wDim] = ws.shape;
  const out = new Float64Array(wDim);
  for (let r = 0; r < numWs; r++) for (let j = 0; j < wDim; j++) out[j] += ws.data[r * wDim + j] / numWs;
  return out;
}

/** Direction files in the workspace and the W-space PCA scatter with the current latent and its edit path. */
export function registerDirectionRoutes(studio: Studio): void {
  const { app, models, workspace } = studio;

  app.get<{ Querystring: { model?: string } }>('/api/directions', async (req) => {
    const files: string[] = [];
    for (const f of await workspace.list('directions', '.safetensors')) files.push(`directions/${f.name}`);
    for (const id of await readdir(workspace.dir('jobs'))) {
      const rec = studio.jobs.list().find((j) => j.id === id);
      if (rec?.kind === 'directions' && rec.state === 'done') files.push(`jobs/${id}/directions.safetensors`);
    }
    const hash = req.query.model ? models.info(req.query.model).contentHash : null;
    const out = [];
    for (const path of files) {
      try {
        const set = await directionSet(workspace, path);
        if (hash && set.model && set.model.contentHash !== hash) continue;
        out.push({
          path,
          method: set.provenance.method,
          space: set.space,
          labels: set.labels,
          layers: set.layers,
          sigma: set.sigma.every((s) => s !== null),
          model: set.model?.name ?? null,
        });
      } catch (e) {
        out.push({ path, error: (e as Error).message });
      }
    }
    return out;
  });

  app.post<{ Body: RenderRequest & { samples: number } }>(
    '/api/pca',
    { schema: { body: pcaBody } },
    async (req) => {
      const b = req.body;
      const model = await models.get(b.model);
      if (model.architecture !== 'stylegan2')
        throw new ArgumentError(`pca: ${model.name} is a ${model.architecture}; it has no W space`);
      const { pca, points } = await wPca(model, b.samples);
      // the render's latent along its edit path: every strength scaled by t in [0, 1]
      const { options, deps } = renderRequest(workspace, models.info(b.model), model, b, {
        out: 'out/render.png',
      });
      const steps = options.edits.length ? 11 : 1;
      const path: [number, number][] = [];
      for (let i = 0; i < steps; i++) {
        const t = steps === 1 ? 0 : i / (steps - 1);
        const edits = options.edits.map((e) => ({ ...e, strength: e.strength * t }));
        const latent = await renderedLatent(model, { ...options, edits, resampleNoise: null }, deps);
        path.push(project2(pca, await meanW(model, latent)));
      }
      return {
        explained: pca.explained,
        stdev: pca.stdev,
        samples: b.samples,
        points,
        path,
        current: path[path.length - 1],
      };
    },
  );
}
