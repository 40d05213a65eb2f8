import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'latentlab-ctrlc-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('latentlab train under Ctrl-C', () => {
  it('a terminal Ctrl-C (SIGINT to the whole process group) saves a checkpoint and exits cleanly', async () => {
    const outdir = join(tmp, 'run');
    const child = spawn(
      process.execPath,
      [`${ROOT}/bin/latentlab.js`, 'train', 'dcgan', '--data', 'fashion-mnist', '--channels', '1', '--subset', '256', '--kimg', '1000', '--batch', '16', '--ngf', '8', '--ndf', '8', '--outdir', outdir, '--quiet', '--threads', '1'],
      { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stdout += d;
    });
    // Wait until training has taken steps (the reals grid is written before the first step).
    const t0 = Date.now();
    while (!existsSync(join(outdir, 'samples', 'reals.png')) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(-child.pid!, 'SIGINT'); // what a terminal does: the whole foreground group
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/stopped at [\d.]+ kimg; checkpoint/);
    expect(existsSync(join(outdir, 'checkpoint.safetensors'))).toBe(true);
    expect(readFileSync(join(outdir, 'checkpoint.safetensors')).length).toBeGreaterThan(1000);
  });
});

describe('latentlab train --fcd-classifier (FCD at every snapshot, as NVIDIA --metrics)', () => {
  it('writes metric-fcd.jsonl and the FCD on each snapshot bundle card, bound to its weights', async () => {
    const outdir = join(tmp, 'fcd-run');
    const argv = [`${ROOT}/bin/latentlab.js`, 'train', 'dcgan', '--data', 'fashion-mnist', '--channels', '1', '--subset', '64', '--kimg', '0.064', '--snap-kimg', '0.032', '--batch', '16', '--ngf', '8', '--ndf', '8', '--outdir', outdir, '--quiet', '--threads', '1', '--fcd-classifier', 'models/fmnist-classifier', '--fcd-num', '64'];
    const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stdout += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/kimg 0\.032: FCD \d+\.\d\d \(best so far: bundle-best\), classifier confidence 0\.\d{3} \(64 images vs fashion-mnist-test; /);
    const lines = readFileSync(join(outdir, 'metric-fcd.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.kimg)).toEqual([0.032, 0.064]);
    expect(readFileSync(join(outdir, 'fcd.png')).subarray(1, 4).toString()).toBe('PNG');
    for (const l of lines) expect(l).toMatchObject({ num: 64, reference: 'fashion-mnist-test', classifier: 'classifier-fashion-mnist-32' });
    // The last snapshot bundle carries its own measurement on its card.
    const card = JSON.parse(readFileSync(join(outdir, 'bundle', 'model.json'), 'utf8'));
    expect(card.evaluation.fcd.value).toBe(lines[1].fcd);
    expect(card.evaluation.fcd.modelHash).toBe(card.contentHash);
    expect(card.evaluation.classifierConfidence.value).toBe(lines[1].confidence);
    // bundle-best is the snapshot with the lowest FCD, its card included
    const best = lines[0].fcd <= lines[1].fcd ? lines[0] : lines[1];
    const bestCard = JSON.parse(readFileSync(join(outdir, 'bundle-best', 'model.json'), 'utf8'));
    expect(bestCard.evaluation.fcd.value).toBe(best.fcd);
    expect(bestCard.contentHash).toBe(best.modelHash);
    expect(stdout).toContain('(best so far: bundle-best)');
  });
});
