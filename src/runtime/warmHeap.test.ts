import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../core/errors.js';
import { isGlibc, withServerPages } from './mallocEnv.js';
import { warmHeap } from './warmHeap.js';

const TSX = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));
const HERE = fileURLToPath(new URL('./warmHeap.ts', import.meta.url));

describe('warmHeap', () => {
  it('has ONNX Runtime write the asked size once and reports it', async () => {
    const w = await warmHeap(8);
    expect(w.bytes).toBe(8 * 2 ** 20);
    expect(w.ms).toBeGreaterThan(0);
  });

  it('refuses a size that is not positive', async () => {
    await expect(warmHeap(0)).rejects.toBeInstanceOf(ArgumentError);
    await expect(warmHeap(0)).rejects.toThrow(/positive/);
    await expect(warmHeap(Number.NaN)).rejects.toThrow(/positive/);
  });

  it('leaves the memory resident, ready for reuse, in a process with the long-lived settings; not otherwise', () => {
    if (!isGlibc()) return;
    // resident growth across one 256 MiB warm-up, in a fresh process
    const script = `import { warmHeap } from ${JSON.stringify(HERE)};
      const before = process.memoryUsage().rss; await warmHeap(256);
      process.stdout.write(String(process.memoryUsage().rss - before));`;
    const growth = (env: NodeJS.ProcessEnv) => {
      const r = spawnSync(process.execPath, [TSX, '--input-type=module', '-e', script], { env, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return Number(r.stdout) / 2 ** 20;
    };
    const plain = { PATH: process.env.PATH, LATENTLAB_THREADS: '1' };
    expect(growth(plain)).toBeLessThan(64);
    expect(growth(withServerPages(plain))).toBeGreaterThanOrEqual(240);
  }, 60_000);
});
