import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import {
  ArgumentError,
  type DirectionSet,
  Tensor,
  writeDirections,
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
import type { RenderRequest } from '../../shared/api.js';
import { directionSet, renderRequest } from '../edits.js';
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

/**
 * What the direction list shows beside each label: the attribute it was found for (a measure, a
 * logit, a class) with what it keeps, and the preservation figures `directions eval --record`
 * stored (own-attribute change in std units and the fraction of seeds keeping their class, per
 * strength, graded by the named judge).
 */
function directionFigures(set: DirectionSet) {
  const attrs = (set.provenance.attributes as Record<string, unknown>[] | undefined) ?? [];
  const rec = set.provenance.preservation as
    | {
        judge: string;
        num: number;
        units: string;
        byLabel: Record<string, { strength: number; attributeChange: number | null; classKept: number }[]>;
      }
    | undefined;
  return {
    names: set.labels.map((label, i) => {
      const a = attrs[i];
      return {
        label,
        attribute: a ? (a.measure ?? a.className ?? (Array.isArray(a.classes) ? 'class' : null)) : null,
        keeps: Array.isArray(a?.kept) ? (a.kept as string[]) : [],
      };
    }),
    preservation: rec
      ? {
          judge: rec.judge,
          num: rec.num,
          units: rec.units,
          byLabel: Object.fromEntries(
            Object.entries(rec.byLabel).map(([label, rows]) => [
              label,
              rows.map((r) => ({
                strength: r.strength,
                attributeChange: r.attributeChange,
                classKept: r.classKept,
              })),
            ]),
          ),
        }
      : null,
  };
}

/**
 * Per direction, the share of variance it stands for, where the method knows one: GANSpace's explained
 * variance, SeFa's eigenvalue over the sum of all eigenvalues found; null otherwise (InterFaceGAN).
 */
function shares(set: DirectionSet): number[] | null {
  const p = set.provenance;
  if (p.method === 'ganspace' && Array.isArray(p.explainedVariance)) return p.explainedVariance as number[];
  if (p.method === 'sefa' && Array.isArray(p.eigenvalues)) {
    const ev = p.eigenvalues as number[];
    const total = ev.reduce((a, b) => a + Math.max(b, 0), 0);
    return total > 0 ? ev.map((e) => Math.max(e, 0) / total) : null;
  }
  return null;
}

/**
 * The W-space PCA of the scatter as a direction file (pc0, pc1 with sigma = their stdev), written once per
 * model and sample count into directions/: dragging the latent on the plot becomes edits along them.
 */
async function pcaDirections(
  studio: Studio,
  model: GanModel,
  pca: PcaResult,
  samples: number,
): Promise<string> {
  const path = `directions/pca-w-${model.name}-${samples}.safetensors`;
  const file = studio.workspace.resolve(path);
  if (existsSync(file)) return path;
  const wDim = pca.mean.length;
  const vectors = Tensor.float32([2, wDim]);
  for (let k = 0; k < 2; k++)
    for (let j = 0; j < wDim; j++) vectors.data[k * wDim + j] = pca.components[k][j];
  const set: DirectionSet = {
    space: 'w',
    vectors,
    labels: ['pc0', 'pc1'],
    sigma: [pca.stdev[0], pca.stdev[1]],
    layers: null,
    model: { name: model.name, contentHash: model.manifest.contentHash },
    provenance: {
      method: 'ganspace',
      samples,
      firstSeed: 0,
      space: 'w',
      explainedVariance: pca.explained.slice(0, 2),
    },
  };
  await writeDirections(file, set);
  return path;
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
          shares: shares(set),
          model: set.model?.name ?? null,
          ...directionFigures(set),
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
      if (!model.hasWSpace)
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
        directions: await pcaDirections(studio, model, pca, b.samples),
      };
    },
  );
}
