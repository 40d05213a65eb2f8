import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrainingLog } from './log.js';
import { crossed, runTrainingLoop, type StepResult, type TrainingTask } from './loop.js';
import type { TrainingProgress } from './types.js';

/** A task that records calls; each step shows `batch` images and reports a decreasing loss. */
class FakeTask implements TrainingTask {
  calls: string[] = [];
  checkpoints: TrainingProgress[] = [];
  constructor(
    readonly batch = 100,
    readonly stepMs = 0,
    readonly onStep?: (step: number) => void,
  ) {}
  async step(p: Readonly<TrainingProgress>): Promise<StepResult> {
    this.onStep?.(p.step);
    if (this.stepMs) await new Promise((r) => setTimeout(r, this.stepMs));
    this.calls.push(`step${p.step}`);
    return { images: this.batch, values: { loss: 1 / (p.step + 1), acc: p.step } };
  }
  async saveCheckpoint(p: Readonly<TrainingProgress>): Promise<void> {
    this.calls.push(`ckpt@${p.imagesSeen}`);
    this.checkpoints.push({ ...p });
  }
  async sample(p: Readonly<TrainingProgress>): Promise<void> {
    this.calls.push(`sample@${p.imagesSeen}`);
  }
  async snapshot(p: Readonly<TrainingProgress>, info: { final: boolean }): Promise<void> {
    this.calls.push(`snap@${p.imagesSeen}${info.final ? '!' : ''}`);
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latentlab-loop-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('runTrainingLoop', () => {
  it('steps to the total and calls hooks when the image count crosses their intervals', async () => {
    const task = new FakeTask(300);
    const log = await TrainingLog.open(join(dir, 'log.jsonl'));
    const r = await runTrainingLoop(task, {
      totalKimg: 2,
      sampleKimg: 0.5,
      snapshotKimg: 1,
      checkpointKimg: 1,
      logKimg: 0.6,
      log,
      plotPath: join(dir, 'losses.png'),
    });
    expect(r.status).toBe('completed');
    expect(r.progress).toMatchObject({ imagesSeen: 2100, step: 7 });
    expect(task.calls).toEqual([
      'step0',
      'step1',
      'sample@600',
      'step2',
      'step3',
      'sample@1200',
      'snap@1200',
      'ckpt@1200',
      'step4',
      'sample@1500',
      'step5',
      'step6',
      'sample@2100',
      'snap@2100!',
      'ckpt@2100',
    ]);
    // A record each time 600 images are crossed, plus the last partial interval; values averaged.
    expect(log.records.map((x) => x.step)).toEqual([2, 4, 6, 7]);
    expect(log.records[0].values).toEqual({ loss: (1 + 1 / 2) / 2, acc: 0.5 });
  });

  it('continues a resumed run at the same interval boundaries', async () => {
    const task = new FakeTask(300);
    await runTrainingLoop(task, {
      totalKimg: 2,
      snapshotKimg: 1,
      start: { imagesSeen: 900, step: 3, seconds: 10 },
    });
    expect(task.calls.filter((c) => !c.startsWith('step'))).toEqual([
      'snap@1200',
      'ckpt@1200',
      'sample@2100',
      'snap@2100!',
      'ckpt@2100',
    ]);
    expect(task.checkpoints[0].seconds).toBeGreaterThanOrEqual(10);
    const done = new FakeTask(300);
    const r = await runTrainingLoop(done, { totalKimg: 2, start: { imagesSeen: 2100, step: 7, seconds: 1 } });
    expect([r.status, done.calls]).toEqual(['completed', []]);
  });

  it('checkpoints on a timer as well', async () => {
    let t = 0;
    const task = new FakeTask(100, 0, () => {
      t += 400; // each step "takes" 400 ms
    });
    await runTrainingLoop(task, { totalKimg: 1, checkpointSeconds: 1, now: () => t });
    expect(task.checkpoints.map((c) => c.step)).toEqual([3, 6, 9, 10]);
  });

  it('an abort finishes the current step, saves a checkpoint and resolves as interrupted', async () => {
    const controller = new AbortController();
    const task = new FakeTask(100, 20, (step) => {
      if (step === 3) setTimeout(() => controller.abort(), 5); // lands while step 3 runs
    });
    const r = await runTrainingLoop(task, { totalKimg: 10, snapshotKimg: 5, signal: controller.signal });
    expect(r.status).toBe('interrupted');
    expect(r.progress).toMatchObject({ step: 4, imagesSeen: 400 });
    expect(task.calls.slice(-2)).toEqual(['step3', 'ckpt@400']);
    expect(task.calls.some((c) => c.startsWith('snap'))).toBe(false);
  });

  it('crossed() counts multiples of kimg', () => {
    expect(crossed(900, 1000, 1)).toBe(true);
    expect(crossed(1000, 1900, 1)).toBe(false);
    expect(crossed(0, 100, 0)).toBe(false);
    expect(crossed(250, 260, 0.256)).toBe(true);
  });
});
