import { ArgumentError, ShapeError } from '../core/errors.js';
import { RandomState } from '../core/rng.js';
import { formatShape } from '../core/shape.js';
import { concatRows, repeatRows, selectAxis1, sliceRows, Tensor } from '../core/tensor.js';
import { broadcastW, checkLatent, type Latent, latentFromCodes, type LatentSpace, toWs } from '../latent/latent.js';
import type { GanModel } from '../models/ganModel.js';
import { Adam } from '../optim/adam.js';
import { lbfgs } from '../optim/lbfgs.js';
import { NVIDIA_PROJECTOR_DEFAULTS, nvidiaProjectorLr, nvidiaProjectorNoise } from '../optim/schedule.js';
import { activeTerms, type FeatureNets, type LossTerm, type LossWeights, renormalizeNoise } from './losses.js';
import { featureExecutable, latentStats, noiseLayers, type ProjectionSpec, projectionExecutable } from './program.js';

export interface ProjectOptions {
  /** Default 'w' (NVIDIA) for StyleGAN2, 'z' for DCGAN. */
  space?: LatentSpace;
  /**
   * Optimise the StyleGAN2 noise maps too. Default: with Adam (NVIDIA does); not with L-BFGS, whose
   * quasi-Newton model otherwise spends its iterations on the 1e5 noise penalty of fresh random maps
   * (measured on a Fashion-MNIST test image, 200 iterations in W: 13.8 dB with the maps, 29.3 dB without).
   */
  optimizeNoise?: boolean;
  /** Default 'adam' (NVIDIA's schedule); 'lbfgs' runs strong-Wolfe L-BFGS (one image at a time). */
  optimizer?: 'adam' | 'lbfgs';
  /** Adam steps / L-BFGS iterations. Default 1000. */
  numSteps?: number;
  initialLearningRate?: number;
  lrRampupLength?: number;
  lrRampdownLength?: number;
  initialNoiseFactor?: number;
  noiseRampLength?: number;
  /** Loss weights; default { mse: 1, noise: 1e5 } plus vgg: 1 / classifier: 1 when those nets are given. */
  losses?: LossWeights;
  nets?: FeatureNets;
  /** [N, 1, R, R] (or [1, 1, R, R] for all images): 1 where the loss counts. */
  mask?: Tensor;
  /** Starting point (an encoder's output, a latent file); default: w_avg (z nearest w_avg in Z; 0 for DCGAN). */
  init?: Latent;
  /** Samples for w_avg / w_std (NVIDIA: 10000). */
  wAvgSamples?: number;
  /** Z space: truncation of the mapping. Default 1. */
  psi?: number;
  cutoff?: number | null;
  /** Seed of the w noise and of the initial noise maps. Default 303 (projector.py's --seed). */
  seed?: number;
  /** Called after every step (L-BFGS: every evaluation, with `step` = iterations done); return true to stop early. `image` is passed every `frameEvery` evaluations. */
  onStep?: (info: StepInfo) => unknown;
  /** Pass the current images to onStep every this many steps (progress videos). Default: never. */
  frameEvery?: number;
}

export interface StepInfo {
  /** Adam: the step (0-based). L-BFGS: the iteration in progress (0-based; one iteration may evaluate the loss several times in its line search). */
  step: number;
  numSteps: number;
  /** Loss (and gradient) evaluations so far, this one included: equal to step + 1 for Adam, more for L-BFGS. */
  evaluations: number;
  /** Batch loss at this step (with the w noise applied). */
  loss: number;
  image?: Tensor<'float32'>;
}

export interface ProjectionResult {
  /** The projected latent (space as asked; noise maps included when optimised). */
  latent: Latent;
  /** Final reconstructions [N, C, R, R] (no w noise). */
  images: Tensor<'float32'>;
  /** Final loss per image and per term (no w noise). */
  loss: number[];
  terms: Partial<Record<LossTerm, number[]>>;
  /** Batch loss after each step. */
  history: number[];
  steps: number;
  seconds: number;
}

function defaultLosses(model: GanModel, nets: FeatureNets): LossWeights {
  const w: LossWeights = { mse: 1 };
  if (model.architecture === 'stylegan2') w.noise = 1e5;
  if (nets.vgg) w.vgg = 1;
  if (nets.classifier) w.classifier = 1;
  return w;
}

/** The starting codes [N, ...code] in `space` and noise maps (when optimised). */
async function initialState(model: GanModel, n: number, space: LatentSpace, opts: ProjectOptions, stats: { wAvg: Tensor<'float32'>; zNearest: Tensor<'float32'> }, noiseNames: { name: string; resolution: number }[], rng: RandomState) {
  let codes: Tensor<'float32'>;
  let noise: Record<string, Tensor<'float32'>> = {};
  const init = opts.init;
  if (init) {
    checkLatent(model, init, 'initial latent');
    if (init.codes.shape[0] !== n && init.codes.shape[0] !== 1) throw new ShapeError(`initial latent has ${init.codes.shape[0]} rows for ${n} targets`);
    const rows = (t: Tensor<'float32'>) => (t.shape[0] === n ? t : repeatRows(t, n));
    if (init.space === space) codes = rows(init.codes);
    else if (space === 'w+') codes = rows(await toWs(model, init));
    else if (space === 'w' && init.space === 'z') codes = rows(selectAxis1(await toWs(model, init), 0));
    else throw new ArgumentError(`cannot start a ${space} projection from a ${init.space} latent`);
    if (init.noise) for (const [k, v] of Object.entries(init.noise)) noise[k] = rows(v).clone();
    // A const-noise latent (an encoder's output, seeds) renders with the stored maps: start from them.
    else if (init.noiseMode === 'const' && model.architecture === 'stylegan2') noise = storedNoise(model, n, noiseNames);
  } else if (model.architecture === 'dcgan') codes = Tensor.float32([n, model.dcgan().nz]);
  else if (space === 'z') codes = repeatRows(stats.zNearest.reshape([1, ...stats.zNearest.shape]), n);
  else if (space === 'w') codes = repeatRows(stats.wAvg.reshape([1, ...stats.wAvg.shape]), n);
  else codes = repeatRows(broadcastW(stats.wAvg.reshape([1, ...stats.wAvg.shape]), model.styleSpace().numWs), n);
  if (opts.optimizeNoise ?? model.architecture === 'stylegan2') {
    const fresh: Record<string, Tensor<'float32'>> = {};
    for (const l of noiseNames) {
      const shape = [n, 1, l.resolution, l.resolution];
      fresh[l.name] = noise[l.name] ?? Tensor.float32(shape, rng.standardNormalFloat32(shape));
    }
    noise = fresh;
  } else noise = {};
  return { codes: codes.clone(), noise };
}

/** The generator's noise_const buffers as explicit maps [N, 1, r, r] (what noise mode 'const' renders with). */
function storedNoise(model: GanModel, n: number, layers: readonly { name: string; resolution: number }[]): Record<string, Tensor<'float32'>> {
  const maps: Record<string, Tensor<'float32'>> = {};
  for (const l of layers) {
    const buffer = model.g.get(`${l.name}.noise_const`);
    if (!buffer) continue;
    maps[l.name] = repeatRows(buffer.toFloat32().reshape([1, 1, l.resolution, l.resolution]), n);
  }
  return maps;
}

function checkTarget(model: GanModel, target: Tensor): Tensor<'float32'> {
  const r = model.resolution;
  const c = model.imgChannels;
  if (target.rank !== 4 || target.shape[1] !== c || target.shape[2] !== r || target.shape[3] !== r) {
    throw new ShapeError(`target should be [N, ${c}, ${r}, ${r}] for ${model.name}, got ${formatShape(target.shape)} (readTarget resizes and converts image files)`);
  }
  return target.toFloat32();
}

function maskFor(model: GanModel, n: number, mask?: Tensor): Tensor<'float32'> {
  const r = model.resolution;
  if (!mask) return Tensor.float32([n, 1, r, r], new Float32Array(n * r * r).fill(1));
  const ok = mask.rank === 4 && (mask.shape[0] === n || mask.shape[0] === 1) && mask.shape[1] === 1 && mask.shape[2] === r && mask.shape[3] === r;
  if (!ok) throw new ShapeError(`mask should be [${n} or 1, 1, ${r}, ${r}], got ${formatShape(mask.shape)}`);
  return repeatRows(mask.toFloat32(), n);
}

/**
 * Projects target images [N, C, R, R] (in [-1, 1]) into the model's latent space by optimisation
 * (stylegan2-ada-pytorch's projector generalised to Z/W/W+, noise maps, L-BFGS, several losses and a
 * mask). One gradient program is compiled per (model, space, losses, batch); the optimiser runs here.
 * Adam projects the whole batch at once (the images do not interact: the loss is a sum, Adam is
 * elementwise); L-BFGS, whose line search would couple them, projects one image at a time.
 */
export async function project(model: GanModel, target: Tensor, opts: ProjectOptions = {}): Promise<ProjectionResult> {
  const t = checkTarget(model, target);
  const n = t.shape[0];
  if ((opts.optimizer ?? 'adam') === 'lbfgs' && n > 1) {
    const parts: ProjectionResult[] = [];
    for (let i = 0; i < n; i++) {
      const row = (x: Tensor | undefined) => (x && x.shape[0] === n ? sliceRows(x.toFloat32(), i) : x);
      const init = opts.init && opts.init.codes.shape[0] === n ? selectInit(opts.init, i) : opts.init;
      parts.push(await project(model, sliceRows(t, i), { ...opts, mask: row(opts.mask), init, seed: (opts.seed ?? 303) + i }));
    }
    return mergeResults(parts);
  }
  const started = performance.now();
  const nets = opts.nets ?? {};
  const terms = activeTerms(model, opts.losses ?? defaultLosses(model, nets), nets);
  const space = opts.space ?? (model.architecture === 'dcgan' ? 'z' : 'w');
  const optimizeNoise = model.architecture === 'stylegan2' && (opts.optimizeNoise ?? (opts.optimizer ?? 'adam') === 'adam');
  const numSteps = opts.numSteps ?? NVIDIA_PROJECTOR_DEFAULTS.numSteps;
  if (!Number.isInteger(numSteps) || numSteps < 1) throw new ArgumentError(`numSteps must be a positive integer, got ${numSteps}`);
  const stats = await latentStats(model, opts.wAvgSamples ?? 10_000);
  const meanCode = priorMean(model, space, stats.wAvg);
  const spec: ProjectionSpec = { space, batch: n, optimizeNoise, terms, nets, psi: opts.psi ?? 1, cutoff: opts.cutoff ?? null, latentMean: meanCode };
  const layers = noiseLayers(model);
  const rng = new RandomState(opts.seed ?? 303);
  const state = await initialState(model, n, space, { ...opts, optimizeNoise }, stats, layers, rng);
  const mask = maskFor(model, n, opts.mask);
  const exe = await projectionExecutable(model, spec);
  const feeds: Record<string, Tensor> = { target: t, mask };
  const fexe = featureExecutable(model, spec);
  if (fexe) Object.assign(feeds, await (await fexe).runNamed({ img: t, mask }));
  const noiseNames = Object.keys(state.noise);
  // Every run writes its outputs into these buffers: outputs the runtime allocated itself would sit
  // in its arena until collected, splitting the free space the next step's large activations need
  // (1024x1024: the second step grew the peak by 0.38 GiB). Values read from them are copied out.
  const into: Record<string, Tensor> = {};
  for (const p of exe.outputs) into[p.name] = Tensor.zeros(p.dtype, p.shape);
  const run = async (codes: Tensor<'float32'>) => {
    const f: Record<string, Tensor> = { ...feeds, latent: codes };
    for (const k of noiseNames) f[`noise:${k}`] = state.noise[k];
    return exe.runNamed(f, into);
  };
  const history: number[] = [];
  const frame = (step: number) => opts.frameEvery !== undefined && opts.frameEvery > 0 && (step % opts.frameEvery === 0 || step === numSteps - 1);
  let steps = 0;

  if ((opts.optimizer ?? 'adam') === 'adam') {
    const lr = nvidiaProjectorLr({ numSteps, initialLearningRate: opts.initialLearningRate, lrRampupLength: opts.lrRampupLength, lrRampdownLength: opts.lrRampdownLength });
    const wNoise = nvidiaProjectorNoise({ wStd: space === 'z' ? Math.sqrt(state.codes.size / n) : stats.wStd, numSteps, initialNoiseFactor: opts.initialNoiseFactor, noiseRampLength: opts.noiseRampLength });
    const adam = new Adam({ params: [state.codes, ...noiseNames.map((k) => state.noise[k])], lr: 0, betas: [0.9, 0.999] });
    const noisy = Tensor.float32(state.codes.shape);
    for (let step = 0; step < numSteps; step++) {
      const scale = wNoise(step);
      const eps = scale > 0 ? rng.standardNormalFloat32(state.codes.shape) : null;
      for (let i = 0; i < noisy.size; i++) noisy.data[i] = state.codes.data[i] + (eps ? eps[i] * scale : 0);
      const out = await run(noisy);
      const loss = out.loss.item();
      if (!Number.isFinite(loss)) throw new ArgumentError(`projection diverged at step ${step}: loss ${loss} (lower the learning rate or the loss weights)`);
      history.push(loss);
      adam.setLr(lr(step));
      adam.step([out['grad:latent'], ...noiseNames.map((k) => out[`grad:noise:${k}`])]);
      for (const k of noiseNames) renormalizeNoise(state.noise[k].data, n);
      steps = step + 1;
      const stop = opts.onStep?.({ step, numSteps, evaluations: step + 1, loss, image: frame(step) ? (out.img.clone() as Tensor<'float32'>) : undefined });
      if (stop === true) break;
    }
  } else {
    const sizes = [state.codes.size, ...noiseNames.map((k) => state.noise[k].size)];
    const total = sizes.reduce((a, b) => a + b, 0);
    const x0 = new Float32Array(total);
    const unpack = (x: Float32Array) => {
      state.codes.data.set(x.subarray(0, sizes[0]));
      let at = sizes[0];
      noiseNames.forEach((k, i) => {
        state.noise[k].data.set(x.subarray(at, at + sizes[i + 1]));
        at += sizes[i + 1];
      });
    };
    x0.set(state.codes.data);
    let at = sizes[0];
    noiseNames.forEach((k, i) => {
      x0.set(state.noise[k].data, at);
      at += sizes[i + 1];
    });
    let evals = 0;
    let iterations = 0;
    const result = await lbfgs(
      async (x: Float32Array) => {
        unpack(x);
        const out = await run(state.codes);
        const g = new Float32Array(total);
        g.set(out['grad:latent'].data as Float32Array);
        let o = sizes[0];
        noiseNames.forEach((k, i) => {
          g.set(out[`grad:noise:${k}`].data as Float32Array, o);
          o += sizes[i + 1];
        });
        const value = out.loss.item();
        const stop = opts.onStep?.({ step: Math.min(iterations, numSteps - 1), numSteps, evaluations: evals + 1, loss: value, image: frame(evals) ? (out.img.clone() as Tensor<'float32'>) : undefined });
        evals++;
        if (stop === true) throw new StopProjection();
        return { value, grad: g };
      },
      x0,
      {
        maxIter: numSteps,
        historySize: 10,
        onIteration: ({ value }) => {
          history.push(value);
          iterations++;
        },
      },
    ).catch((e) => {
      if (e instanceof StopProjection) return null;
      throw e;
    });
    if (result) unpack(result.x);
    steps = result?.iterations ?? history.length;
  }

  const final = await run(state.codes);
  const termOut: Partial<Record<LossTerm, number[]>> = {};
  for (const k of Object.keys(terms) as LossTerm[]) if (final[`term:${k}`]) termOut[k] = Array.from(final[`term:${k}`].data as Float32Array);
  const latent = latentFromCodes(model, space, state.codes, {
    psi: space === 'z' ? (opts.psi ?? 1) : 1,
    cutoff: space === 'z' ? (opts.cutoff ?? null) : null,
    noiseMode: model.architecture === 'dcgan' ? 'none' : 'const',
    noise: optimizeNoise ? state.noise : opts.init?.noise,
    provenance: { kind: 'projection', optimizer: opts.optimizer ?? 'adam', steps, losses: terms, space, optimizeNoise, masked: !!opts.mask, init: opts.init ? opts.init.provenance.kind : 'w_avg' },
  });
  return {
    latent,
    images: final.img as Tensor<'float32'>,
    loss: Array.from(final.perImage.data as Float32Array),
    terms: termOut,
    history,
    steps,
    seconds: (performance.now() - started) / 1000,
  };
}

class StopProjection extends Error {}

/** The prior's mean as one code: w_avg (repeated over the ws rows in W+), zeros in Z. */
function priorMean(model: GanModel, space: LatentSpace, wAvg: Tensor<'float32'>): Tensor<'float32'> {
  if (space === 'w') return wAvg;
  if (space === 'z') return Tensor.float32([model.architecture === 'dcgan' ? model.dcgan().nz : model.zDim]);
  const { numWs, wDim } = model.styleSpace();
  return broadcastW(wAvg.reshape([1, wDim]), numWs).reshape([numWs, wDim]);
}

function selectInit(l: Latent, i: number): Latent {
  const noise = l.noise ? Object.fromEntries(Object.entries(l.noise).map(([k, v]) => [k, sliceRows(v, i)])) : undefined;
  return { ...l, codes: sliceRows(l.codes, i), classes: l.classes ? [l.classes[i]] : undefined, noise };
}

function mergeResults(parts: ProjectionResult[]): ProjectionResult {
  const first = parts[0].latent;
  const noise = first.noise ? Object.fromEntries(Object.keys(first.noise).map((k) => [k, concatRows(parts.map((p) => p.latent.noise![k]))])) : undefined;
  const terms: Partial<Record<LossTerm, number[]>> = {};
  for (const k of Object.keys(parts[0].terms) as LossTerm[]) terms[k] = parts.flatMap((p) => p.terms[k]!);
  const longest = Math.max(...parts.map((p) => p.history.length));
  return {
    latent: { ...first, codes: concatRows(parts.map((p) => p.latent.codes)), noise, provenance: { ...first.provenance, steps: parts.map((p) => p.steps) } },
    images: concatRows(parts.map((p) => p.images)),
    loss: parts.flatMap((p) => p.loss),
    terms,
    history: Array.from({ length: longest }, (_, s) => parts.reduce((a, p) => a + p.history[Math.min(s, p.history.length - 1)], 0)),
    steps: Math.max(...parts.map((p) => p.steps)),
    seconds: parts.reduce((a, p) => a + p.seconds, 0),
  };
}
