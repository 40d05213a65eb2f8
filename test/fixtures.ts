import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Tensor } from '../src/core/tensor.js';
import { loadNpy } from '../src/formats/files.js';

/** ../shared/fixtures beside the repo (override with LATENTLAB_FIXTURES). */
export const FIXTURES = process.env.LATENTLAB_FIXTURES ?? fileURLToPath(new URL('../../shared/fixtures/', import.meta.url));

/**
 * True when the fixtures are present. On CI they always are (../shared sits beside the clone), so a
 * missing folder there is an error rather than a silently skipped suite.
 */
export function haveFixtures(caseName: string): boolean {
  const ok = existsSync(`${FIXTURES}/${caseName}/manifest.json`);
  if (!ok && process.env.CI) throw new Error(`fixtures missing on CI: ${FIXTURES}/${caseName}`);
  return ok;
}

interface FileEntry {
  shape?: number[];
  suggested_atol?: number;
  description?: string;
}

export interface FixtureCase {
  dir: string;
  manifest: { files: Record<string, FileEntry>; config: Record<string, unknown>; [k: string]: unknown };
  path(file: string): string;
  load(file: string): Promise<Tensor>;
  /** The manifest's suggested absolute tolerance for an output file. */
  atol(file: string): number;
}

export function fixtureCase(caseName: string): FixtureCase {
  const dir = `${FIXTURES}/${caseName}`;
  const manifest = existsSync(`${dir}/manifest.json`) ? JSON.parse(readFileSync(`${dir}/manifest.json`, 'utf8')) : { files: {}, config: {} };
  return {
    dir,
    manifest,
    path: (f) => `${dir}/${f}`,
    load: (f) => loadNpy(`${dir}/${f}`),
    atol: (f) => {
      const t = manifest.files[f]?.suggested_atol;
      if (typeof t !== 'number') throw new Error(`no suggested_atol for ${caseName}/${f}`);
      return t;
    },
  };
}

export function maxAbsDiff(a: Tensor, b: Tensor): number {
  if (a.shape.join() !== b.shape.join()) throw new Error(`shape mismatch ${a.shape} vs ${b.shape}`);
  let m = 0;
  for (let i = 0; i < a.size; i++) {
    const d = Math.abs(Number(a.data[i]) - Number(b.data[i]));
    if (!(d <= m)) m = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return m;
}

/** Relative L2 error ‖got − ref‖ / ‖ref‖ (the fixtures' measure for gradients, `suggested_rel_l2`). */
export function relL2(got: Tensor, ref: Tensor): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.size; i++) {
    const r = Number(ref.data[i]);
    num += (Number(got.data[i]) - r) ** 2;
    den += r * r;
  }
  return Math.sqrt(num / den);
}
