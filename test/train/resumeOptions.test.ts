// Training resume keyed on options: checkpoints recording optionsHash refuse other options by flag name;
// older checkpoints (no hash) keep today's field-by-field comparison, so runs started before stay resumable.
// The train flags are the option tables': every documented command parses, and the shipped run's resumes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hashOf, parseOptionArgs, shellSplit, type VerbSpec } from '../../src/core/options.js';
import { readSafetensors } from '../../src/formats/safetensors.js';
import { resolveTrainClassifierOptions, TRAIN_CLASSIFIER_SPEC } from '../../src/train/classifierOptions.js';
import { resolveTrainDcganOptions, TRAIN_DCGAN_SPEC } from '../../src/train/dcganOptions.js';
import { resolveTrainEncoderOptions, TRAIN_ENCODER_SPEC } from '../../src/train/encoderOptions.js';
import { checkResumeOptions } from '../../src/train/run.js';
import {
  resolveTrainStylegan2Options,
  stylegan2RunConfig,
  TRAIN_STYLEGAN2_SPEC,
} from '../../src/train/stylegan2Options.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const config = { data: 'fashion-mnist', resolution: 32, channels: 1, zDim: 128, batch: 32, r1Gamma: 0.01, lr: 0.0025, subset: null };

describe('checkResumeOptions', () => {
  it('resumes with the same options, refuses others naming their flags', () => {
    const saved = { config, optionsHash: hashOf(config) };
    expect(() => checkResumeOptions(saved, { ...config }, 'ckpt', TRAIN_STYLEGAN2_SPEC)).not.toThrow();
    expect(() => checkResumeOptions(saved, { ...config, r1Gamma: 1, batch: 16 }, 'ckpt', TRAIN_STYLEGAN2_SPEC)).toThrow(
      '--resume: ckpt was trained with other options (--batch: checkpoint 32, now 16; --gamma: checkpoint 0.01, now 1); use the original flags',
    );
  });

  it('an old checkpoint without the hash falls back to the field comparison', () => {
    const saved = { config };
    expect(() => checkResumeOptions(saved, { ...config }, 'old', TRAIN_STYLEGAN2_SPEC)).not.toThrow();
    expect(() => checkResumeOptions(saved, { ...config, zDim: 64 }, 'old', TRAIN_STYLEGAN2_SPEC)).toThrow(
      /old was trained with other settings \(zDim: checkpoint 128, now 64\)/,
    );
  });
});

const TABLES: Record<string, [VerbSpec, (p: Record<string, unknown>) => object]> = {
  dcgan: [TRAIN_DCGAN_SPEC, resolveTrainDcganOptions],
  stylegan2: [TRAIN_STYLEGAN2_SPEC, resolveTrainStylegan2Options],
  classifier: [TRAIN_CLASSIFIER_SPEC, resolveTrainClassifierOptions],
  encoder: [TRAIN_ENCODER_SPEC, resolveTrainEncoderOptions],
};

/** `latentlab train ...` commands of a markdown file: continuation lines joined, comments and `--threads N` (global) dropped. */
function trainCommands(file: string): string[][] {
  const text = readFileSync(join(ROOT, file), 'utf8').replace(/\\\n\s*/g, '');
  return [...text.matchAll(/latentlab train (dcgan|stylegan2|classifier|encoder) ([^`\n#]*)/g)].map((m) => {
    const argv = shellSplit(m[2]);
    const at = argv.indexOf('--threads');
    if (at >= 0) argv.splice(at, 2);
    return [m[1], ...argv];
  });
}

describe('the documented train commands are the option tables’ (flag names and defaults kept)', () => {
  it('every `latentlab train` command in README.md, docs/training.md and the shipped run parses; complete ones resolve', () => {
    const commands = ['README.md', 'docs/training.md', 'training/fmnist-stylegan2/README.md'].flatMap(trainCommands);
    expect(commands.length).toBeGreaterThanOrEqual(15);
    for (const [network, ...argv] of commands) {
      const [spec, resolve] = TABLES[network];
      const partial = parseOptionArgs(spec, argv);
      if (partial.outdir !== undefined) expect(() => resolve(partial), argv.join(' ')).not.toThrow();
    }
  });

  it('the documented defaults', () => {
    const sg2 = resolveTrainStylegan2Options({ data: 'fashion-mnist', outdir: 'o', kimg: 100 });
    expect(stylegan2RunConfig(sg2)).toEqual({
      data: 'fashion-mnist',
      resolution: 32,
      channels: 1,
      zDim: 128,
      mappingLayers: 2,
      channelBase: 4096,
      channelMax: 128,
      mbstdGroup: 4,
      batch: 32,
      lr: 0.0025,
      r1Gamma: 0.01,
      styleMixingProb: 0.9,
      emaKimg: 10,
      seed: 0,
      subset: null,
      // a fresh run: NVIDIA's path-length regularisation
      plWeight: 2,
      plBatchShrink: 2,
      plDecay: 0.01,
    });
    // off, it records nothing: the config (and hash) of a run from before path-length regularisation existed
    expect(stylegan2RunConfig({ ...sg2, plWeight: 0 })).not.toHaveProperty('plWeight');
    expect(stylegan2RunConfig({ ...sg2, plWeight: 0, plDecay: 0.5 })).toEqual(stylegan2RunConfig({ ...sg2, plWeight: 0 }));
    expect([sg2.snapKimg, sg2.checkpointMinutes, sg2.resume, sg2.fcdNum]).toEqual([10, 10, false, null]);
    expect(resolveTrainStylegan2Options({ data: 'x', outdir: 'o', kimg: 1, batch: 16 })).toMatchObject({ channels: 3, emaKimg: 5 });
    expect(resolveTrainDcganOptions({ data: 'fashion-mnist', outdir: 'o', kimg: 1 })).toMatchObject({
      batch: 64,
      nz: 100,
      ngf: 64,
      ndf: 64,
      lr: 2e-4,
      seed: 0,
    });
    expect(resolveTrainClassifierOptions({ outdir: 'o' })).toMatchObject({
      data: 'fashion-mnist',
      epochs: 6,
      resolution: 32,
      preset: 'fmnist32',
      batch: 128,
      lr: 2e-3,
      weightDecay: 5e-4,
      labelSmoothing: 0,
      flip: true,
      shift: 0,
    });
    expect(resolveTrainEncoderOptions({ outdir: 'o', kimg: 1 })).toMatchObject({
      model: 'models/fmnist-stylegan2',
      classifier: 'models/fmnist-classifier',
      data: 'fashion-mnist',
      generated: 8,
      real: 8,
      lr: 5e-4,
      lrHalfLife: null,
      wLatent: 1,
      wPixel: 1,
      wFeature: 0.1,
      mixing: 0.9,
      rowNoise: 0.2,
      cbase: 1024,
      cmax: 128,
      hidden: 256,
    });
    expect(() => resolveTrainStylegan2Options({ data: 'fashion-mnist', outdir: 'o', kimg: 1, channels: 3 })).toThrow(
      /fashion-mnist images have 1 channel/,
    );
    expect(() => resolveTrainDcganOptions({ data: 'fashion-mnist', outdir: 'o' })).toThrow(/--kimg is required/);
  });

  it("the shipped run's command (training/fmnist-stylegan2/README.md) resolves to its checkpoint's settings: it resumes", () => {
    const [shipped] = trainCommands('training/fmnist-stylegan2/README.md');
    expect(shipped[0]).toBe('stylegan2');
    const o = resolveTrainStylegan2Options(parseOptionArgs(TRAIN_STYLEGAN2_SPEC, shipped.slice(1)));
    expect(o).toMatchObject({ resume: true, quiet: true, fcdClassifier: 'models/fmnist-classifier', fcdNum: 10_000 });
    const file = join(ROOT, 'training/fmnist-stylegan2/checkpoint.safetensors');
    const state = JSON.parse(readSafetensors(readFileSync(file), { file }).metadata.state) as {
      config: object;
      optionsHash?: string;
    };
    // No --pl-weight: a resume takes the checkpoint's, and one from before path-length regularisation has none (0).
    expect(o.plWeight).toBeNull();
    expect(state.config).not.toHaveProperty('plWeight');
    expect(() => checkResumeOptions(state, stylegan2RunConfig(o, state.config), file, TRAIN_STYLEGAN2_SPEC)).not.toThrow();
    expect(() =>
      checkResumeOptions(state, stylegan2RunConfig({ ...o, channelBase: 4096 }, state.config), file, TRAIN_STYLEGAN2_SPEC),
    ).toThrow(/channelBase: checkpoint 1024, now 4096/);
    // Asking for it explicitly is another run: refused, naming the flag.
    expect(() =>
      checkResumeOptions(state, stylegan2RunConfig({ ...o, plWeight: 2 }, state.config), file, TRAIN_STYLEGAN2_SPEC),
    ).toThrow(/plWeight: checkpoint absent, now 2/); // (a checkpoint without an options hash: compared field by field)
    expect(() =>
      checkResumeOptions(state, stylegan2RunConfig({ ...o, plWeight: 0 }, state.config), file, TRAIN_STYLEGAN2_SPEC),
    ).not.toThrow();
  });
});
