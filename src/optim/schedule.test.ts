import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../core/errors.js';
import {
  constantSchedule,
  cosineSchedule,
  nvidiaProjectorLr,
  nvidiaProjectorNoise,
  stepSchedule,
} from './schedule.js';

function close(got: number, want: number, rel = 1e-12): void {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(rel * Math.max(1e-300, Math.abs(want)));
}

describe('NVIDIA projector schedule (stylegan2-ada-pytorch projector.py defaults, 1000 steps)', () => {
  const lr = nvidiaProjectorLr();
  const noise = nvidiaProjectorNoise({ wStd: 1 });

  // Worked by hand from lr = 0.1 · min(1, t/0.05) · (0.5 − 0.5 cos(π · min(1, (1 − t)/0.25))).
  it('learning rate', () => {
    expect(lr(0)).toBe(0); // ramp-up factor t/0.05 = 0
    close(lr(10), 0.02); // t = 0.01: ramp-up 0.2, ramp-down saturated at cos(π) → 1
    close(lr(50), 0.1); // t = 0.05: ramp-up just reaches 1
    close(lr(250), 0.1);
    close(lr(750), 0.1); // t = 0.75: (1 − t)/0.25 = 1, cos(π) → still the full rate
    close(lr(800), 0.1 * (0.5 + 0.5 * Math.cos(Math.PI / 5))); // (1 − t)/0.25 = 0.8
    close(lr(999), 0.1 * Math.sin(0.002 * Math.PI) ** 2, 1e-9); // 0.5 − 0.5 cos(0.004π) = sin²(0.002π) ≈ 3.9478e-5
  });

  // w noise std = w_std · 0.05 · max(0, 1 − t/0.75)².
  it('w noise scale', () => {
    close(noise(0), 0.05);
    close(noise(10), 0.05 * (74 / 75) ** 2); // 1 − 0.01/0.75 = 74/75
    close(noise(50), 0.05 * (14 / 15) ** 2);
    close(noise(250), 0.05 * (2 / 3) ** 2);
    expect(noise(750)).toBe(0);
    expect(noise(999)).toBe(0);
    close(nvidiaProjectorNoise({ wStd: 8.5 })(250), 8.5 * 0.05 * (4 / 9));
  });

  it('scales with numSteps and lr (PTI: 450 steps)', () => {
    const pti = nvidiaProjectorLr({ numSteps: 450, initialLearningRate: 0.01 });
    close(pti(225), 0.01);
    close(pti(9), 0.01 * (9 / 450 / 0.05));
  });
});

describe('generic schedules', () => {
  it('constant', () => expect(constantSchedule(0.3)(123)).toBe(0.3));

  it('cosine with warmup', () => {
    const s = cosineSchedule({ base: 1, numSteps: 110, warmupSteps: 10, min: 0.1 });
    close(s(0), 0.1);
    close(s(9), 1);
    close(s(10), 1);
    close(s(60), 0.55); // halfway through the decay: min + (base − min)/2
    close(s(110), 0.1);
    close(s(500), 0.1);
  });

  it('step', () => {
    const s = stepSchedule({ base: 1, stepSize: 10, gamma: 0.5 });
    expect([s(0), s(9), s(10), s(25)]).toEqual([1, 1, 0.5, 0.25]);
  });

  it('rejects bad lengths', () => {
    expect(() => cosineSchedule({ base: 1, numSteps: 0 })).toThrow(ArgumentError);
    expect(() => nvidiaProjectorLr({ numSteps: 2.5 })).toThrow(ArgumentError);
    expect(() => nvidiaProjectorNoise({ wStd: 1, noiseRampLength: 0 })).toThrow(ArgumentError);
  });
});
