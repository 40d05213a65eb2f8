import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import {
  ArgumentError,
  type DirectionSet,
  directionModelFacts,
  discoverGanspace,
  formatCommand,
  GANSPACE_SPEC,
  type GanspaceRunOptions,
  type GanModel,
  type Latent,
  latentFromSeeds,
  renderedLatent,
  resolveGanspaceOptions,
  toWs,
} from '../../../index.js';
import type { Studio } from '../types.js';
import type { RenderRequest } from '../../shared/api.js';
import { directionSet, renderRequest } from '../edits.js';
import { cliPath } from '../modelRegistry.js';
import { pcaBody } from '../schemas.js';

/** The scatter's axes: `directions ganspace` with 2 components (pc0, pc1 and their mean), and the samples on them. */
interface PcaPlane {
  set: DirectionSet;
  points: [number, number][];
}
const pcaCache = new WeakMap<GanModel, Map<number, Promise<PcaPlane>>>();

/**
 * `directions ganspace --components 2` on seeds 0..num-1 (untruncated w: GANSpace's view of W), written to `file`
 * once per model and sample count, and the samples placed on its two components.
 */
function wPca(model: GanModel, o: GanspaceRunOptions, file: string): Promise<PcaPlane> {
  let byNum = pcaCache.get(model);
  if (!byNum) pcaCache.set(model, (byNum = new Map()));
  let p = byNum.get(o.num);
  // (again when the file was deleted: the sliders read it)
  if (!p || !existsSync(file)) {
    p = (async () => {
      const { set } = await discoverGanspace({ ...o, out: file }, { model });
      const w = (
        await latentFromSeeds(
          model,
          Array.from({ length: o.num }, (_, i) => o.seedStart + i),
          { space: 'w' },
        )
      ).codes; // [num, wDim]
      const wDim = w.shape[1];
      const points = Array.from({ length: o.num }, (_, i) => project2(set, w.data.subarray(i * wDim, (i + 1) * wDim)));
      return { set, points };
    })();
    byNum.set(o.num, p);
    p.catch(() => byNum.delete(o.num));
  }
  return p;
}

/** w on the set's first two directions, relative to its mean (3 decimals). */
function project2(set: DirectionSet, w: ArrayLike<number>): [number, number] {
  const wDim = w.length;
  const mean = set.mean!.data;
  const xy = [0, 1].map((k) => {
    let s = 0;
    for (let j = 0; j < wDim; j++) s += (w[j] - mean[j]) * set.vectors.data[k * wDim + j];
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
    async (req, reply) => {
      const b = req.body;
      const model = await models.get(b.model);
      if (!model.hasWSpace)
        throw new ArgumentError(`pca: ${model.name} is a ${model.architecture}; it has no W space`);
      // the scatter's axes are `directions ganspace`'s, into directions/ (where the sliders find them)
      const path = `directions/pca-w-${model.name}-${b.samples}.safetensors`;
      const file = workspace.resolve(path);
      const o = resolveGanspaceOptions(
        { model: models.info(b.model).path, num: b.samples, components: 2, space: 'w', out: cliPath(file) },
        directionModelFacts(model),
      );
      const { set, points } = await wPca(model, o, file);
      // the render's latent along its edit path: every strength scaled by t in [0, 1]
      const { options, deps } = renderRequest(workspace, models.info(b.model), model, b, {
        out: 'out/render.png',
      });
      const steps = options.edits.length ? 11 : 1;
      const track: [number, number][] = [];
      for (let i = 0; i < steps; i++) {
        const t = steps === 1 ? 0 : i / (steps - 1);
        const edits = options.edits.map((e) => ({ ...e, strength: e.strength * t }));
        const latent = await renderedLatent(model, { ...options, edits, resampleNoise: null }, deps);
        track.push(project2(set, await meanW(model, latent)));
      }
      const explained = set.provenance.explainedVariance as number[];
      return reply.header('x-latentlab-command', formatCommand(GANSPACE_SPEC, o)).send({
        explained,
        stdev: set.sigma,
        samples: b.samples,
        points,
        path: track,
        current: track[track.length - 1],
        directions: path,
      });
    },
  );
}
