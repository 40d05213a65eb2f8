// Training resume keyed on options: checkpoints recording optionsHash refuse other options by flag name;
// older checkpoints (no hash) keep today's field-by-field comparison, so runs started before stay resumable.
import { describe, expect, it } from 'vitest';
import { hashOf } from '../../src/core/options.js';
import { checkResumeOptions } from '../../src/train/run.js';
import { STYLEGAN2_TRAIN_SPEC } from '../../src/train/stylegan2Run.js';

const config = { data: 'fashion-mnist', resolution: 32, channels: 1, zDim: 128, batch: 32, r1Gamma: 0.01, lr: 0.0025, subset: null };

describe('checkResumeOptions', () => {
  it('resumes with the same options, refuses others naming their flags', () => {
    const saved = { config, optionsHash: hashOf(config) };
    expect(() => checkResumeOptions(saved, { ...config }, 'ckpt', STYLEGAN2_TRAIN_SPEC)).not.toThrow();
    expect(() => checkResumeOptions(saved, { ...config, r1Gamma: 1, batch: 16 }, 'ckpt', STYLEGAN2_TRAIN_SPEC)).toThrow(
      '--resume: ckpt was trained with other options (--batch: checkpoint 32, now 16; --gamma: checkpoint 0.01, now 1); use the original flags',
    );
  });

  it('an old checkpoint without the hash falls back to the field comparison', () => {
    const saved = { config };
    expect(() => checkResumeOptions(saved, { ...config }, 'old', STYLEGAN2_TRAIN_SPEC)).not.toThrow();
    expect(() => checkResumeOptions(saved, { ...config, zDim: 64 }, 'old', STYLEGAN2_TRAIN_SPEC)).toThrow(
      /old was trained with other settings \(zDim: checkpoint 128, now 64\)/,
    );
  });
});
