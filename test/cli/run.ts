import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs the CLI as a person would (through bin/latentlab.js), returning exit code and output. */
export function latentlab(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [`${ROOT}/bin/latentlab.js`, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, LATENTLAB_THREADS: '2' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
