import { writeFile } from 'node:fs/promises';
import { ArgumentError } from '../core/errors.js';
import type { VerbSpec } from '../core/options.js';
import type { ModelFacts } from '../latent/generate.js';
import type { GanModel } from '../models/ganModel.js';
import { readClassifierBundle } from '../models/io/classifierBundle.js';
import { loadModel } from '../models/io/loadModel.js';
import { classifierDistance, type PairDistance, vggDistance } from './featureDistance.js';
import { perceptualPathLength, type PplDifference, pplDifference, type PplResult } from './ppl.js';

/** `latentlab metrics ppl`, resolved (see `resolvePplOptions`). */
export interface PplRunOptions {
  readonly model: string;
  /** z (slerp), w (lerp) or both (the same pairs, with their paired difference). */
  readonly space: 'z' | 'w' | 'both';
  /** Distance: squared L2 of this classifier bundle's features, or LPIPS-style through a VGG16 state_dict. */
  readonly classifier: string | null;
  readonly vgg: string | null;
  /** Path samples (pairs). */
  readonly num: number;
  readonly sampling: 'full' | 'end';
  readonly epsilon: number;
  /** Seed of the pairs and t. */
  readonly seed: number;
  readonly batch: number;
  readonly json: string | null;
}

const SPACES = ['z', 'w', 'both'] as const;
const SAMPLINGS = ['full', 'end'] as const;

export const PPL_SPEC: VerbSpec = {
  words: ['metrics', 'ppl'],
  options: [
    { key: 'model', flag: 'model', kind: 'string', help: 'generator: bundle folder or checkpoint' },
    {
      key: 'space',
      flag: 'space',
      kind: 'string',
      help: 'z (slerp) | w (lerp) | both (same pairs, paired difference)',
      defaultText: 'both for StyleGAN2, else z',
      choices: SPACES,
    },
    { key: 'classifier', flag: 'classifier', kind: 'string', help: 'classifier bundle: distance = squared L2 of its features' },
    { key: 'vgg', flag: 'vgg', kind: 'string', help: 'torchvision VGG16 state_dict (.pth): LPIPS-style distance' },
    { key: 'num', flag: 'num', kind: 'number', help: 'path samples', default: 10_000 },
    { key: 'sampling', flag: 'sampling', kind: 'string', help: 'full (t ~ U(0,1)) | end (t = 0)', default: 'full', choices: SAMPLINGS },
    { key: 'epsilon', flag: 'epsilon', kind: 'number', help: 'step along the path', default: 1e-4 },
    { key: 'seed', flag: 'seed', kind: 'number', help: 'seed of the pairs', default: 0 },
    { key: 'batch', flag: 'batch', kind: 'number', help: 'images per ONNX Runtime call', default: 100 },
    { key: 'json', flag: 'json', kind: 'string', help: 'also write the result as JSON to this file' },
  ],
};

const WHERE = 'metrics ppl';

function int(v: number, min: number, flag: string): number {
  if (!Number.isInteger(v) || v < min)
    throw new ArgumentError(`${WHERE}: --${flag} must be an integer >= ${min}, got ${v}`);
  return v;
}

/** Every default of `metrics ppl`, decided once; the space's default depends on the model's architecture. */
export function resolvePplOptions(p: Partial<PplRunOptions>, model: ModelFacts): PplRunOptions {
  if (!p.model) throw new ArgumentError(`${WHERE}: --model is required`);
  const space = p.space ?? (model.architecture === 'stylegan2' ? 'both' : 'z');
  if (!SPACES.includes(space)) throw new ArgumentError(`${WHERE}: --space must be z, w or both, got '${space}'`);
  const sampling = p.sampling ?? 'full';
  if (!SAMPLINGS.includes(sampling))
    throw new ArgumentError(`${WHERE}: --sampling must be full or end, got '${sampling}'`);
  const classifier = p.classifier ?? null;
  const vgg = p.vgg ?? null;
  if ((classifier === null) === (vgg === null))
    throw new ArgumentError(`${WHERE}: give exactly one of --classifier and --vgg`);
  const epsilon = p.epsilon ?? 1e-4;
  if (!(Number.isFinite(epsilon) && epsilon > 0))
    throw new ArgumentError(`${WHERE}: --epsilon must be a positive number, got ${epsilon}`);
  return {
    model: p.model,
    space,
    classifier,
    vgg,
    num: int(p.num ?? 10_000, 10, 'num'),
    sampling,
    epsilon,
    seed: int(p.seed ?? 0, 0, 'seed'),
    batch: int(p.batch ?? 100, 1, 'batch'),
    json: p.json ?? null,
  };
}

/** One space's PPL (its per-pair samples left out) and how long it took. */
export type PplRun = Omit<PplResult, 'samples'> & { seconds: number };

export interface PplMeasured {
  runs: PplRun[];
  /** Z minus W over the same pairs, when both were measured. */
  paired: PplDifference | null;
}

/** `latentlab metrics ppl`: PPL in each space of `o.space`, the paired difference for both; JSON to `o.json`. */
export async function measurePpl(
  o: PplRunOptions,
  hooks: {
    model?: GanModel;
    /** Before each space: what is measured. */
    onStart?: (line: string) => void;
    /** After each space. */
    onRun?: (run: PplRun) => void;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<PplMeasured> {
  const model = hooks.model ?? (await loadModel(o.model));
  const distance: PairDistance = o.vgg
    ? await vggDistance(o.vgg)
    : classifierDistance(await readClassifierBundle(o.classifier!));
  const spaces: ('z' | 'w')[] = o.space === 'both' ? ['z', 'w'] : [o.space];
  const results: PplResult[] = [];
  const runs: PplRun[] = [];
  for (const space of spaces) {
    hooks.onStart?.(
      `PPL in ${space.toUpperCase()} (${space === 'z' ? 'slerp' : 'lerp'}, ${o.sampling}) of ${model.name}: ${o.num} samples, distance ${distance.name}`,
    );
    const t0 = performance.now();
    const r = await perceptualPathLength(model, distance, {
      space,
      num: o.num,
      sampling: o.sampling,
      epsilon: o.epsilon,
      seed: o.seed,
      batchSize: o.batch,
      onProgress: hooks.onProgress,
    });
    const { samples: _samples, ...summary } = r;
    const run = { ...summary, seconds: (performance.now() - t0) / 1000 };
    results.push(r);
    runs.push(run);
    hooks.onRun?.(run);
  }
  const paired = results.length === 2 ? pplDifference(results[0], results[1], 1000, o.seed) : null;
  if (o.json)
    await writeFile(o.json, `${JSON.stringify({ metric: 'ppl', model: o.model, runs, paired }, null, 2)}\n`);
  return { runs, paired };
}
