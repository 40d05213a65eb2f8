// formatArgs / parseArgs round trip: for random option sets of every table-driven verb, the command
// written for the resolved options parses and resolves back to the same options (seeded, many cases).
import { describe, expect, it } from 'vitest';
import {
  ARITH_SPEC,
  canonicalJson,
  EDIT_SPEC,
  INTERPOLATE_SPEC,
  type LatentSource,
  MIX_SPEC,
  NOISE_SPEC,
  resolveArithOptions,
  resolveEditOptions,
  resolveInterpolateOptions,
  resolveMixOptions,
  resolveNoiseOptions,
  resolveTruncationOptions,
  TRUNCATION_SPEC,
  CONDITIONAL_SPEC,
  DIRECTIONS_EVAL_SPEC,
  ENCODE_SPEC,
  EXPORT_SPEC,
  FCD_SPEC,
  IMPORT_SPEC,
  type DirectionModelFacts,
  formatOptionArgs,
  GANSPACE_SPEC,
  INTERFACEGAN_SPEC,
  JACOBIAN_SPEC,
  GENERATE_SPEC,
  type ModelFacts,
  parseOptionArgs,
  PROJECT_SPEC,
  RandomState,
  RENDER_SPEC,
  resolveConditionalOptions,
  resolveDirectionsEvalOptions,
  resolveEncodeOptions,
  resolveExportOptions,
  resolveFcdOptions,
  resolveImportOptions,
  resolveGanspaceOptions,
  resolveGenerateOptions,
  resolveInterfaceganOptions,
  resolveJacobianOptions,
  resolveSefaOptions,
  SEFA_SPEC,
  STYLESPACE_SPEC,
  resolveStyleSpaceOptions,
  resolveProjectOptions,
  resolveRenderOptions,
  shellJoin,
  shellSplit,
  type VerbSpec,
  CONDITIONING_SPEC,
  PPL_SPEC,
  resolveConditioningOptions,
  resolvePplOptions,
  resolveTrainClassifierOptions,
  resolveTrainDcganOptions,
  resolveTrainEncoderOptions,
  resolveTrainStylegan2Options,
  TRAIN_CLASSIFIER_SPEC,
  TRAIN_DCGAN_SPEC,
  TRAIN_ENCODER_SPEC,
  TRAIN_STYLEGAN2_SPEC,
} from '../../src/index.js';

const SG2: ModelFacts & { imgChannels: number } = {
  name: 'sg2',
  architecture: 'stylegan2',
  cDim: 0,
  imgChannels: 1,
};
const COND: ModelFacts & { imgChannels: number } = {
  name: 'cond',
  architecture: 'stylegan2',
  cDim: 10,
  imgChannels: 3,
};
const DCGAN: ModelFacts & { imgChannels: number } = {
  name: 'dc',
  architecture: 'dcgan',
  cDim: 0,
  imgChannels: 1,
};

const rng = new RandomState(20261202);
const int = (n: number) => Math.floor(rng.randomSample() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
const maybe = <T>(v: () => T): T | undefined => (int(3) === 0 ? undefined : v());
const path = () =>
  pick(['models/fmnist-stylegan2', '/tmp/a b/c,d.latent.safetensors', "it's.png", 'x', '-dash']);
const num = () => pick([0, 1, -1, 0.7, 1e5, 0.05, 3, 2.5e-3, -0.125]);

function seedFields(model: ModelFacts) {
  return {
    trunc: maybe(() => pick([0.5, 0.7, 1, -0.3])),
    truncCutoff: maybe(() => pick([null, 0, 3, 8])),
    classIndex: model.cDim ? int(model.cDim) : undefined,
    noiseMode: maybe(() => pick(['const', 'random', 'none'] as const)),
    noiseSeed: maybe(() => int(1000)),
  };
}

function roundTrip(spec: VerbSpec, resolved: object, resolve: (p: Record<string, unknown>) => object) {
  const argv = formatOptionArgs(spec, resolved);
  expect(argv.slice(0, spec.words.length)).toEqual(spec.words);
  // through a shell line and back, as a user copies it
  const again = shellSplit(shellJoin(argv));
  expect(again).toEqual(argv);
  const back = resolve(parseOptionArgs(spec, again.slice(spec.words.length)));
  expect(canonicalJson(back)).toBe(canonicalJson(resolved));
}

const CASES = 300;

describe('formatArgs -> parseArgs resolves back to the same options', () => {
  it('generate', () => {
    for (let i = 0; i < CASES; i++) {
      const model = pick([SG2, COND, DCGAN]);
      const o = resolveGenerateOptions(
        {
          model: path(),
          seeds: maybe(() => Array.from({ length: 1 + int(6) }, () => int(20))),
          ...seedFields(model),
          grid: maybe(() => int(2) === 0),
          gridColumns: maybe(() => pick([null, 1, 4])),
          upscale: maybe(() => 1 + int(8)),
          batch: maybe(() => 1 + int(16)),
          // no outdir: only the latent file (the README's `generate --save-latent` example)
          ...(int(4) === 0
            ? { saveLatent: path() }
            : { outdir: path(), saveLatent: maybe(() => pick([null, path()])) }),
          force: maybe(() => int(2) === 0),
        },
        model,
      );
      roundTrip(GENERATE_SPEC, o, (p) => resolveGenerateOptions(p, model));
    }
  });

  it('render (several edits, noise resampling, files or seeds)', () => {
    for (let i = 0; i < CASES; i++) {
      const model = pick([SG2, COND]);
      const fromSeed = int(2) === 0;
      const o = resolveRenderOptions(
        {
          model: path(),
          ...(fromSeed
            ? { seed: int(1000), ...seedFields(model) }
            : { latent: path(), row: maybe(() => int(4)) }),
          space: maybe(() => pick(['z', 'w', 'w+'] as const)),
          edits: maybe(() =>
            Array.from({ length: int(4) }, () => ({
              directions: pick(['jobs/a,b/directions.safetensors', 'd.npz', "it's dir"]),
              component: int(16),
              strength: num(),
              layers: pick([null, [0, 4], [2, 3]] as const),
            })),
          ),
          resampleNoise: maybe(() =>
            pick([null, { layers: 'fine', seed: int(9) }, { layers: '0-3', seed: 0 }]),
          ),
          upscale: maybe(() => 1 + int(8)),
          out: path(),
          saveLatent: maybe(() => pick([null, path()])),
        },
        model,
      );
      roundTrip(RENDER_SPEC, o, (p) => resolveRenderOptions(p, model));
    }
  });

  it('project (every space x optimiser x loss, noise on and off)', () => {
    for (let i = 0; i < CASES; i++) {
      const model = pick([SG2, DCGAN]);
      const sg2 = model.architecture === 'stylegan2';
      const o = resolveProjectOptions(
        {
          model: path(),
          target: path(),
          outdir: path(),
          space: maybe(() => (sg2 ? pick(['z', 'w', 'w+'] as const) : 'z')),
          optimizer: maybe(() => pick(['adam', 'lbfgs'] as const)),
          steps: maybe(() => 1 + int(500)),
          noise: maybe(() => int(2) === 0),
          lr: maybe(() => Math.abs(num())),
          mse: maybe(() => Math.abs(num())),
          l1: maybe(() => Math.abs(num())),
          vgg: maybe(() => pick([null, 'vgg16.pth'])),
          vggWeight: maybe(() => Math.abs(num())),
          classifier: maybe(() => pick([null, 'models/fmnist-classifier'])),
          discWeight: maybe(() => (sg2 ? pick([0, 1]) : 0)),
          prior: maybe(() => Math.abs(num())),
          mask: maybe(() => pick([null, path()])),
          init: maybe(() => pick([null, path()])),
          video: maybe(() => int(2) === 0),
          videoFormat: maybe(() => pick(['gif', 'mp4', 'frames'] as const)),
          seed: maybe(() => int(10_000)),
          force: maybe(() => int(2) === 0),
        },
        model,
      );
      roundTrip(PROJECT_SPEC, o, (p) => resolveProjectOptions(p, model));
    }
  });
});

// the latent-walk verbs: sources are seeds or files (paths without commas: lists are comma-separated)
const file = () =>
  pick(['a.latent.safetensors', '/tmp/a b/k.npz', "it's.pt", '-dash.npy', 'jobs/x/path.latent.safetensors']);
const sources = (): LatentSource[] =>
  Array.from({ length: int(4) }, () => (int(2) === 0 ? { seed: int(5000) } : { file: file() }));
const seedList = () => Array.from({ length: int(5) }, () => int(3000));
const numbers = () => Array.from({ length: 1 + int(5) }, () => num());
const layerSpec = () => pick(['coarse', 'middle', 'fine', 'all', '0-3', '4,6', 'coarse+fine']);
const walkSources = (model: ModelFacts, space = true) => ({
  ...seedFields(model),
  space: space ? maybe(() => pick(['z', 'w', 'w+'] as const)) : undefined,
  anyModel: maybe(() => int(2) === 0),
});
const output = () => ({
  outdir: path(),
  upscale: maybe(() => 1 + int(8)),
  batch: maybe(() => 1 + int(16)),
  saveLatent: maybe(() => pick([null, path()])),
});
const animation = () => ({
  gif: maybe(() => pick([null, path()])),
  video: maybe(() => pick([null, 'out/a.mp4'])),
  fps: maybe(() => pick([24, 12, 7.5])),
  dither: maybe(() => int(2) === 0),
  frames: maybe(() => int(2) === 0),
});
/** A resolver's refusal is a valid outcome of a random draw (e.g. no keyframes); anything else is not. */
function resolvedOrRefused(f: () => object): object | null {
  try {
    return f();
  } catch (e) {
    expect((e as Error).name).toBe('ArgumentError');
    return null;
  }
}

describe('formatArgs -> parseArgs round trip: the latent-walk verbs', () => {
  const check = <P>(
    spec: VerbSpec,
    draw: (model: ModelFacts) => P,
    resolve: (p: P, model: ModelFacts) => object,
    models: readonly ModelFacts[] = [SG2, COND, DCGAN],
  ) => {
    let resolved = 0;
    for (let i = 0; i < CASES; i++) {
      const model = pick(models);
      const o = resolvedOrRefused(() => resolve(draw(model), model));
      if (!o) continue;
      resolved++;
      roundTrip(spec, o, (p) => resolve(p as P, model));
    }
    // most draws are valid option sets
    expect(resolved).toBeGreaterThan(CASES / 3);
  };

  it('interpolate (keyframes from seeds and files, methods, layers, strips, animations, --measure)', () => {
    check(
      INTERPOLATE_SPEC,
      (model) => ({
        model: path(),
        seeds: maybe(seedList),
        keys: maybe(sources),
        method: maybe(() => pick([null, 'lerp', 'slerp', 'spline'] as const)),
        steps: maybe(() => 1 + int(40)),
        loop: maybe(() => int(2) === 0),
        layers: model.architecture === 'dcgan' ? undefined : maybe(() => pick([null, layerSpec()])),
        crossfade: maybe(() => int(2) === 0),
        columns: maybe(() => pick([null, 1, 16])),
        ...walkSources(model),
        ...output(),
        ...animation(),
        ...(int(5) === 0 ? { measure: 1 + int(100), classifier: maybe(path), json: maybe(path) } : {}),
      }),
      resolveInterpolateOptions,
    );
  });

  it('mix (row / column seeds and files, empty seed lists)', () => {
    check(
      MIX_SPEC,
      (model) => ({
        model: path(),
        rows: maybe(seedList),
        rowLatents: maybe(sources),
        cols: maybe(seedList),
        colLatents: maybe(sources),
        layers: maybe(layerSpec),
        ...walkSources(model),
        ...output(),
      }),
      resolveMixOptions,
      [SG2, COND],
    );
  });

  it('truncation (psi lists, cutoff)', () => {
    check(
      TRUNCATION_SPEC,
      (model) => ({
        model: path(),
        seeds: maybe(seedList),
        keys: maybe(sources),
        psi: maybe(numbers),
        cutoff: model.architecture === 'dcgan' ? undefined : maybe(() => pick([null, 0, 4])),
        ...walkSources(model),
        ...output(),
        ...animation(),
      }),
      resolveTruncationOptions,
    );
  });

  it('noise (layers, count, seed)', () => {
    check(
      NOISE_SPEC,
      (model) => ({
        model: path(),
        seeds: maybe(seedList),
        keys: maybe(sources),
        layers: maybe(layerSpec),
        count: maybe(() => 1 + int(8)),
        seed: maybe(() => int(100)),
        ...walkSources(model),
        ...output(),
      }),
      resolveNoiseOptions,
      [SG2, COND],
    );
  });

  it('arith (expressions over bindings, or attribute vectors)', () => {
    check(
      ARITH_SPEC,
      (model) => ({
        model: path(),
        ...(int(2) === 0
          ? {
              expr: pick(['a - b + c', '0.5 * (a + b)', '-a + 2 * c', 'a']),
              bindings: ['a', 'b', 'c'].map((name) => ({ name, source: sources()[0] ?? { seed: int(9) } })),
            }
          : {
              to: pick(['sneaker', 'Sandal', '3', 'T-shirt/top']),
              from: pick(['sandal', '0', 'Ankle boot']),
              seeds: maybe(seedList),
              keys: maybe(sources),
              strengths: maybe(numbers),
              layers: model.architecture === 'dcgan' ? undefined : maybe(() => pick([null, layerSpec()])),
              samples: maybe(() => 1 + int(5000)),
              minConfidence: maybe(() => pick([0, 0.5, 0.8, 1])),
            }),
        classifier: maybe(path),
        ...walkSources(model),
        ...output(),
      }),
      resolveArithOptions,
    );
  });

  it('edit (seeds, latent files or projections; components, strengths, units, layers)', () => {
    check(
      EDIT_SPEC,
      (model) => ({
        model: path(),
        directions: path(),
        components: maybe(() =>
          Array.from({ length: 1 + int(3) }, () => pick(['0', '3', 'Sneaker', 'T-shirt/top', 'Ankle boot'])),
        ),
        ...pick([
          () => ({ seeds: Array.from({ length: 1 + int(4) }, () => int(100)), ...seedFields(model) }),
          () => ({ latent: path() }),
          () => ({
            project: Array.from({ length: 1 + int(2) }, () => pick(['a.png', '/tmp/b c.jpg', "it's.png"])),
            projectSteps: maybe(() => 1 + int(1000)),
          }),
        ])(),
        strengths: maybe(numbers),
        units: maybe(() => pick([null, 'sigma', 'distance'] as const)),
        layers: maybe(() => pick([null, [0, 4], [2, 3]] as [number, number][])),
        space: maybe(() => pick(['w', 'z'] as const)),
        upscale: maybe(() => 1 + int(8)),
        gif: maybe(() => int(2) === 0),
        delay: maybe(() => pick([150, 40])),
        saveLatents: maybe(() => int(2) === 0),
        classifier: maybe(() => pick([null, path()])),
        outdir: path(),
      }),
      resolveEditOptions,
    );
  });
});

const DSG2: DirectionModelFacts = { ...SG2, zDim: 64, wDim: 32 };
const DZ: DirectionModelFacts = { ...DCGAN, zDim: 100, wDim: null };
const rows = () => pick([null, [0, 4], [2, 3], [5, 6]] as const);

describe('directions: formatArgs -> parseArgs resolves back (every subverb, every interfacegan input)', () => {
  it('stylespace', () => {
    for (let i = 0; i < CASES; i++) {
      const classes = int(2) === 0;
      const o = resolveStyleSpaceOptions({
        model: path(),
        classifier: path(),
        ...(classes
          ? { classes: true, nearest: maybe(() => int(4)), balanced: maybe(() => int(2) === 0) }
          : {
              attribute: pick(['brightness', 'ink,logit:Bag', 'prob:3', 'area,texture']),
              probe: maybe(() => int(2) === 0),
              exactNum: maybe(() => 2 + int(5000)),
              side: maybe(() => pick(['mean', 'per-sample'] as const)),
            }),
        channels: maybe(() => pick(['all', 1, 10] as const)),
        num: maybe(() => 2 + int(9000)),
        epsilon: maybe(() => pick([0.05, 0.2, 1e-3])),
        seedStart: maybe(() => int(1000)),
        out: pick(['s.safetensors', '/tmp/a b/k,1.safetensors']),
      });
      roundTrip(STYLESPACE_SPEC, o, (p) => resolveStyleSpaceOptions(p));
    }
  });

  it('ganspace, sefa, jacobian', () => {
    for (let i = 0; i < CASES; i++) {
      const g = resolveGanspaceOptions(
        {
          model: path(),
          num: maybe(() => 2 + int(200_000)),
          seedStart: maybe(() => int(1000)),
          components: maybe(() => 1 + int(100)),
          space: maybe(() => pick(['w', 'z'] as const)),
          out: path(),
        },
        DSG2,
      );
      roundTrip(GANSPACE_SPEC, g, (p) => resolveGanspaceOptions(p, DSG2));
      const s = resolveSefaOptions(
        {
          model: path(),
          preset: maybe(() => pick(['genforce', 'rosinality'] as const)),
          layers: maybe(rows),
          include: maybe(() => pick([null, 'conv', 'conv+torgb', 'conv+first-torgb', 'conv+last-torgb'] as const)),
          normalize: maybe(() => pick([null, true, false])),
          components: maybe(() => 1 + int(40)),
          sigmaSamples: maybe(() => pick([0, 2, 500, 10_000])),
          out: path(),
        },
        DSG2,
      );
      roundTrip(SEFA_SPEC, s, (p) => resolveSefaOptions(p, DSG2));
      const fromFile = int(2) === 0;
      const j = resolveJacobianOptions(
        {
          model: path(),
          ...(fromFile ? { latent: path() } : { seed: maybe(() => int(99)), trunc: maybe(() => pick([0.5, 1, -0.25])) }),
          layers: maybe(rows),
          components: maybe(() => 1 + int(32)),
          iterations: maybe(() => 1 + int(80)),
          sigmaSamples: maybe(() => pick([0, 2, 500])),
          out: path(),
        },
        DSG2,
      );
      roundTrip(JACOBIAN_SPEC, j, (p) => resolveJacobianOptions(p, DSG2));
    }
  });

  it('interfacegan: classes, attribute knobs (svm, ridge, gradient; --keep), --codes with --scores, seed scores', () => {
    for (let i = 0; i < CASES; i++) {
      const mode = pick(['classes', 'attributes', 'codes', 'seed-scores'] as const);
      const method =
        mode === 'classes' || mode === 'codes'
          ? 'svm'
          : mode === 'attributes'
            ? pick(['svm', 'ridge', 'gradient'] as const)
            : pick(['svm', 'ridge'] as const);
      const sampling = mode === 'classes' || mode === 'attributes';
      const p = {
        ...(mode === 'codes' ? { codes: path(), scores: path() } : { model: path() }),
        ...(mode === 'seed-scores' ? { scores: path(), keep: maybe(() => pick(['none', 'darkness', 'a,b'])) } : {}),
        ...(sampling ? { classifier: path(), num: maybe(() => 100 + int(30_000)), seedStart: maybe(() => int(9)) } : {}),
        ...(mode === 'classes' ? { attributes: maybe(() => pick(['all', 'Trouser,shoes=Sandal+Sneaker', "it's,1"])) } : {}),
        ...(mode === 'attributes'
          ? { attribute: pick(['brightness', 'width,logit:Bag']), keep: maybe(() => pick(['class', 'none', 'class,width', 'ink'])) }
          : {}),
        ...(mode === 'attributes' || mode === 'seed-scores'
          ? { method: method === (mode === 'attributes' ? 'gradient' : 'svm') ? maybe(() => method) : method }
          : {}),
        ...(mode !== 'codes' && method !== 'gradient' ? { space: maybe(() => pick(['w', 'z'] as const)) } : {}),
        ...(sampling && method !== 'gradient' ? { trunc: maybe(() => pick([0.5, 1, 0.7])) } : {}),
        ...(method === 'svm' ? { ratio: maybe(() => pick([0.02, 0.1, 0.25])), svmC: maybe(() => pick([1, 0.5, 10])) } : {}),
        ...(method !== 'gradient' ? { split: maybe(() => pick([0.7, 0.5, 0.9])) } : {}),
        ...(method === 'ridge' ? { alpha: maybe(() => pick([0.001, 0.1])) } : {}),
        ...(method === 'gradient'
          ? {
              epsilon: maybe(() => pick([0.5, 0.25])),
              layers: maybe(() => pick([null, 'all', [3, 8], [0, 1]] as const)),
              perClass: maybe(() => int(2) === 0),
            }
          : {}),
        out: path(),
      };
      // --per-class keeps the class or nothing, never attributes.
      const q = p as Record<string, unknown>;
      if (typeof q.keep === 'string' && !['class', 'none'].includes(q.keep)) delete q.perClass;
      const o = resolveInterfaceganOptions(p, DSG2);
      expect(o.mode).toBe(mode);
      roundTrip(INTERFACEGAN_SPEC, o, (q) => resolveInterfaceganOptions(q, DSG2));
    }
  });

  it('conditional and eval', () => {
    for (let i = 0; i < CASES; i++) {
      const withModel = int(2) === 0;
      const c = resolveConditionalOptions({
        primary: pick(['d.safetensors#Trouser', "it's.npz#2", 'x']),
        condition: Array.from({ length: 1 + int(3) }, () => pick(['d.safetensors#Bag', 'a b.npy#0', 'x#1'])),
        ...(withModel ? { model: path(), sigmaSamples: maybe(() => 2 + int(20_000)) } : {}),
        out: path(),
      });
      roundTrip(CONDITIONAL_SPEC, c, (p) => resolveConditionalOptions(p));
      const withClassifier = int(2) === 0;
      const e = resolveDirectionsEvalOptions({
        model: path(),
        directions: pick(['d.safetensors', 'a b/c.npz']),
        ...(withClassifier
          ? { classifier: path(), judge: maybe(path), strength: maybe(() => pick([2, 1.5, -1])) }
          : { judge: path() }),
        components: maybe(() => pick([null, ['Trouser'], ['0', 'Bag', 'pc3']])),
        num: maybe(() => 2 + int(500)),
        seedStart: maybe(() => int(2_000_000)),
        strengths: maybe(() => pick([[1, 2], [2], [-1, 0.5, 3]])),
        units: maybe(() => pick([null, 'sigma', 'distance'] as const)),
        layers: maybe(rows),
        trunc: maybe(() => pick([1, 0.7])),
        json: maybe(() => pick([null, path()])),
      });
      roundTrip(DIRECTIONS_EVAL_SPEC, e, (p) => resolveDirectionsEvalOptions(p));
    }
  });

  it('refuses what does not apply, by flag name', () => {
    const base = { model: 'm', classifier: 'c', out: 'o.safetensors' };
    expect(() => resolveInterfaceganOptions({ ...base, epsilon: 0.3 }, DSG2)).toThrow(/--epsilon applies to --method gradient/);
    expect(() => resolveInterfaceganOptions({ ...base, method: 'ridge' }, DSG2)).toThrow(/--method ridge applies to attribute knobs/);
    expect(() => resolveInterfaceganOptions({ codes: 'c.npy', out: 'o' }, null)).toThrow(/--codes needs --scores/);
    expect(() => resolveInterfaceganOptions({ model: 'm', scores: 's.csv', keep: 'class', out: 'o' }, DSG2)).toThrow(/--keep class needs --attribute/);
    expect(() => resolveSefaOptions({ model: 'm', out: 'o' }, DZ)).toThrow(/needs a W space/);
    expect(resolveGanspaceOptions({ model: 'm', out: 'o' }, DSG2).components).toBe(32);
    expect(resolveInterfaceganOptions({ ...base, attribute: 'ink' }, DSG2).keep).toBe('class');
    expect(() => resolveInterfaceganOptions({ ...base, perClass: true }, DSG2)).toThrow(/--per-class applies to --attribute with --method gradient/);
    expect(() => resolveInterfaceganOptions({ ...base, attribute: 'ink', method: 'ridge', perClass: true }, DSG2)).toThrow(/--per-class applies/);
    expect(() => resolveInterfaceganOptions({ ...base, attribute: 'ink', keep: 'class,width', perClass: true }, DSG2)).toThrow(/--per-class keeps the garment's class/);
    expect(resolveInterfaceganOptions({ ...base, attribute: 'ink', perClass: true }, DSG2).perClass).toBe(true);
  });
});

describe('encode, import, export: formatArgs -> parseArgs resolves back', () => {
  it('encode (encoder alone and the hybrid), import, export (--onnx and --web)', () => {
    for (let i = 0; i < CASES; i++) {
      const model = pick([SG2, { ...COND, architecture: 'stylegan2' }]);
      const hybrid = int(2) === 0;
      const classifier = pick(['none', 'models/fmnist-classifier', path()]);
      const e = resolveEncodeOptions(
        {
          inputs: Array.from({ length: 1 + int(3) }, path),
          outdir: path(),
          encoder: maybe(path),
          model: maybe(path),
          classifier,
          ...(hybrid
            ? {
                steps: 1 + int(300),
                lr: maybe(() => pick([0.1, 0.03])),
                featureWeight: maybe(() => (classifier === 'none' ? 0 : pick([0, 0.05]))),
              }
            : {}),
          upscale: maybe(() => 1 + int(8)),
          batch: maybe(() => 1 + int(32)),
          force: maybe(() => int(2) === 0),
        },
        model,
      );
      roundTrip(ENCODE_SPEC, e, (p) => resolveEncodeOptions(p, model));
      const im = resolveImportOptions({
        file: path(),
        out: pick(['models/x', '/tmp/a b/m']),
        network: maybe(() => pick([null, 'G', 'g_ema'])),
        discriminator: maybe(() => pick([null, 'netD.pth'])),
        name: maybe(() => pick(['x', 'other name'])),
        fp16: maybe(() => int(2) === 0),
      });
      roundTrip(IMPORT_SPEC, im, (p) => resolveImportOptions(p));
      const web = int(2) === 0;
      const ex = resolveExportOptions({
        model: path(),
        ...(web
          ? { web: path(), directions: maybe(() => pick([[], ['a.safetensors'], ['a b.npz', 'c.npy']])), wasmOnly: maybe(() => int(2) === 0) }
          : { onnx: path(), batch: maybe(() => 1 + int(8)) }),
        fp16: maybe(() => int(2) === 0),
      });
      roundTrip(EXPORT_SPEC, ex, (p) => resolveExportOptions(p));
      const f = resolveFcdOptions({
        model: path(),
        classifier: path(),
        num: maybe(() => 2 + int(50_000)),
        data: maybe(() => pick(['fashion-mnist', 'data/train', 'a b'])),
        refNum: maybe(() => pick([null, 2, 300])),
        trunc: maybe(() => pick([1, 0.7])),
        seedStart: maybe(() => int(9)),
        noiseMode: maybe(() => pick(['const', 'random', 'none'] as const)),
        batch: maybe(() => 1 + int(200)),
        json: maybe(() => pick([null, path()])),
      });
      roundTrip(FCD_SPEC, f, (p) => resolveFcdOptions(p));
    }
  });
});

describe('metrics ppl and conditioning: formatArgs -> parseArgs resolves back', () => {
  it('ppl (space by architecture, classifier or VGG distance, sampling, epsilon) and conditioning', () => {
    let resolved = 0;
    for (let i = 0; i < CASES; i++) {
      const model = pick([SG2, DCGAN]);
      const vgg = int(2) === 0;
      const o = resolvedOrRefused(() =>
        resolvePplOptions(
          {
            model: path(),
            space: maybe(() => pick(['z', 'w', 'both'] as const)),
            ...(vgg ? { vgg: path() } : { classifier: path() }),
            num: maybe(() => pick([10, 100, 10_000, 5])),
            sampling: maybe(() => pick(['full', 'end'] as const)),
            epsilon: maybe(() => pick([1e-4, 0.01, 2.5e-3])),
            seed: maybe(() => int(9)),
            batch: maybe(() => 1 + int(200)),
            json: maybe(() => pick([null, path()])),
          },
          model,
        ),
      );
      if (o) {
        resolved++;
        roundTrip(PPL_SPEC, o, (p) => resolvePplOptions(p, model));
      }
      const c = resolveConditioningOptions({
        model: path(),
        num: maybe(() => 2 + int(500)),
        directions: maybe(() => 1 + int(16)),
        trunc: maybe(() => pick([1, 0.7, -0.5])),
        seed: maybe(() => int(9)),
        json: maybe(() => pick([null, path()])),
      });
      roundTrip(CONDITIONING_SPEC, c, (p) => resolveConditioningOptions(p));
    }
    expect(resolved).toBeGreaterThan(CASES / 2);
    // the default space is the architecture's: written when it is not the fixed one
    expect(resolvePplOptions({ model: 'm', classifier: 'c' }, SG2).space).toBe('both');
    expect(resolvePplOptions({ model: 'm', classifier: 'c' }, DCGAN).space).toBe('z');
    expect(formatOptionArgs(PPL_SPEC, resolvePplOptions({ model: 'm', classifier: 'c' }, SG2))).toEqual([
      'metrics', 'ppl', '--model', 'm', '--space', 'both', '--classifier', 'c',
    ]);
    expect(() => resolvePplOptions({ model: 'm', classifier: 'c', vgg: 'v' }, SG2)).toThrow(/exactly one of --classifier and --vgg/);
  });
});

describe('train: formatArgs -> parseArgs resolves back, for each trainer table', () => {
  const run = () => ({
    outdir: path(),
    resume: maybe(() => int(2) === 0),
    checkpointMinutes: maybe(() => pick([10, 5, 0.5])),
    quiet: maybe(() => int(2) === 0),
  });
  const length = () => ({ kimg: pick([0.032, 1, 300, 1000]), snapKimg: maybe(() => pick([0.5, 20, 100])) });
  const ganData = () =>
    int(2) === 0
      ? { data: 'fashion-mnist', resolution: maybe(() => 32), channels: maybe(() => 1) }
      : { data: path(), resolution: maybe(() => pick([8, 16, 32, 64])), channels: maybe(() => pick([1, 3])) };
  const fcd = () =>
    int(3) === 0 ? { fcdClassifier: path(), fcdNum: maybe(() => pick([64, 10_000, 50_000])) } : {};
  const common = () => ({ seed: maybe(() => int(9)), subset: maybe(() => pick([null, 64, 1000])) });
  const check = (spec: VerbSpec, draw: () => object, resolve: (p: Record<string, unknown>) => object) => {
    let resolved = 0;
    for (let i = 0; i < CASES; i++) {
      const o = resolvedOrRefused(() => resolve(draw() as Record<string, unknown>));
      if (!o) continue;
      resolved++;
      roundTrip(spec, o, resolve);
    }
    expect(resolved).toBeGreaterThan(CASES / 2);
  };

  it('dcgan', () =>
    check(
      TRAIN_DCGAN_SPEC,
      () => ({
        ...ganData(),
        ...run(),
        ...length(),
        ...common(),
        ...fcd(),
        batch: maybe(() => 2 + int(64)),
        nz: maybe(() => pick([100, 8, 128])),
        ngf: maybe(() => pick([64, 4])),
        ndf: maybe(() => pick([64, 8])),
        lr: maybe(() => pick([2e-4, 1e-3])),
      }),
      resolveTrainDcganOptions,
    ));

  it('stylegan2 (--resume-from, EMA half-life decided from the batch)', () =>
    check(
      TRAIN_STYLEGAN2_SPEC,
      () => ({
        ...ganData(),
        ...run(),
        ...length(),
        ...common(),
        ...fcd(),
        batch: maybe(() => pick([32, 16, 8, 4])),
        zDim: maybe(() => pick([128, 512])),
        mappingLayers: maybe(() => pick([2, 8])),
        channelBase: maybe(() => pick([4096, 1024])),
        channelMax: maybe(() => pick([128, 512])),
        r1Gamma: maybe(() => pick([0.01, 1, 0])),
        mbstdGroup: maybe(() => pick([4, 2, 1])),
        styleMixingProb: maybe(() => pick([0.9, 0])),
        emaKimg: maybe(() => pick([10, 2.5])),
        lr: maybe(() => pick([0.0025, 0.001])),
        resumeFrom: maybe(() => pick([null, 'models/fmnist-stylegan2', path()])),
        plWeight: maybe(() => pick([0, 2, 0.5])),
        plBatchShrink: maybe(() => pick([2, 4])),
        plDecay: maybe(() => pick([0.01, 0.05])),
      }),
      resolveTrainStylegan2Options,
    ));

  it('classifier (presets, augmentation switches)', () =>
    check(
      TRAIN_CLASSIFIER_SPEC,
      () => ({
        ...run(),
        ...common(),
        data: maybe(() => 'fashion-mnist'),
        epochs: maybe(() => 1 + int(10)),
        resolution: maybe(() => pick([32, 28])),
        preset: maybe(() => pick(['fmnist32', 'fmnist32pool', 'tiny'])),
        batch: maybe(() => 1 + int(256)),
        lr: maybe(() => pick([2e-3, 0.01])),
        weightDecay: maybe(() => pick([5e-4, 0])),
        labelSmoothing: maybe(() => pick([0, 0.1])),
        flip: maybe(() => int(2) === 0),
        shift: maybe(() => int(5)),
        name: maybe(() => pick([null, 'judge', 'a b'])),
      }),
      resolveTrainClassifierOptions,
    ));

  it('encoder (loss weights, widths, --classifier none)', () =>
    check(
      TRAIN_ENCODER_SPEC,
      () => ({
        ...run(),
        ...length(),
        ...common(),
        model: maybe(path),
        classifier: maybe(() => pick(['none', 'models/fmnist-classifier', path()])),
        data: maybe(() => pick(['fashion-mnist', path()])),
        generated: maybe(() => int(16)),
        real: maybe(() => int(16)),
        lr: maybe(() => pick([5e-4, 7e-4])),
        lrHalfLife: maybe(() => pick([null, 30])),
        wLatent: maybe(() => pick([1, 0])),
        wPixel: maybe(() => pick([1, 2])),
        wFeature: maybe(() => pick([0.1, 0])),
        mixing: maybe(() => pick([0.9, 0.5])),
        rowNoise: maybe(() => pick([0.2, 0])),
        cbase: maybe(() => pick([1024, 2048])),
        cmax: maybe(() => pick([128, 64])),
        hidden: maybe(() => pick([256, 128])),
        name: maybe(() => pick([null, 'fmnist-encoder'])),
        fp16: maybe(() => int(2) === 0),
        evalImages: maybe(() => pick([100, 20])),
      }),
      resolveTrainEncoderOptions,
    ));
});

describe('the defaults are decided once, by the resolver', () => {
  it('project: L-BFGS keeps the noise maps fixed, Adam optimises them; NVIDIA loss (no feature loss) by default', () => {
    const base = { model: 'm', target: 't.png', outdir: 'o' };
    expect(resolveProjectOptions({ ...base, optimizer: 'lbfgs' }, SG2).noise).toBe(false);
    expect(resolveProjectOptions({ ...base, optimizer: 'adam' }, SG2).noise).toBe(true);
    expect(resolveProjectOptions(base, SG2).featureWeight).toBe(0);
    expect(resolveProjectOptions(base, DCGAN).space).toBe('z');
    expect(() => resolveProjectOptions({ ...base, space: 'w' }, DCGAN)).toThrow(/only space is z/);
  });

  it('conditional models need a class, in generate and in render alike; unconditional ones refuse it', () => {
    expect(() => resolveGenerateOptions({ model: 'm', outdir: 'o' }, COND)).toThrow(
      /conditional: pass --class 0\.\.9/,
    );
    expect(() => resolveRenderOptions({ model: 'm', out: 'o.png', seed: 1 }, COND)).toThrow(
      /conditional: pass --class 0\.\.9/,
    );
    expect(() => resolveGenerateOptions({ model: 'm', outdir: 'o', classIndex: 2 }, SG2)).toThrow(
      /unconditional/,
    );
  });

  it('walk verbs: seed options apply to seeds only; an empty seed list is written; DCGAN arithmetic is in z', () => {
    const files = { model: 'm', keys: [{ file: 'a.latent.safetensors' }, { file: 'b.npz' }], outdir: 'o' };
    const o = resolveInterpolateOptions({ ...files, trunc: 0.5, noiseMode: 'none' }, SG2);
    expect([o.trunc, o.noiseMode, o.method]).toEqual([1, 'const', null]);
    const mix = resolveMixOptions(
      { model: 'm', rows: [], rowLatents: [{ file: 'a.latent.safetensors' }], outdir: 'o' },
      SG2,
    );
    const argv = formatOptionArgs(MIX_SPEC, mix);
    expect(argv[argv.indexOf('--rows') + 1]).toBe('');
    expect(parseOptionArgs(MIX_SPEC, formatOptionArgs(MIX_SPEC, mix).slice(1)).rows).toEqual([]);
    expect(
      resolveArithOptions(
        { model: 'm', expr: 'a', bindings: [{ name: 'a', source: { seed: 1 } }], outdir: 'o' },
        DCGAN,
      ).space,
    ).toBe('z');
    expect(
      resolveArithOptions(
        { model: 'm', expr: 'a', bindings: [{ name: 'a', source: { seed: 1 } }], outdir: 'o' },
        SG2,
      ).space,
    ).toBe('w');
    expect(() =>
      resolveInterpolateOptions({ model: 'm', keys: [{ file: 'a,b.npz' }, { seed: 1 }], outdir: 'o' }, SG2),
    ).toThrow(/commas/);
    expect(() =>
      resolveArithOptions(
        { model: 'm', expr: 'a - b', bindings: [{ name: 'a', source: { seed: 1 } }], outdir: 'o' },
        SG2,
      ),
    ).toThrow(/b in 'a - b' has no binding/);
    expect(() => resolveNoiseOptions({ model: 'm', outdir: 'o' }, DCGAN)).toThrow(/no noise inputs/);
  });

  it('parsing fills nothing in: absent flags stay absent', () => {
    expect(parseOptionArgs(PROJECT_SPEC, ['--model', 'm', '--no-noise'])).toEqual({
      model: 'm',
      noise: false,
    });
    expect(() => parseOptionArgs(GENERATE_SPEC, ['--bogus'])).toThrow(/unknown flag --bogus/);
  });
});
