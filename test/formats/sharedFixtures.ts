import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Tensor } from '../../src/core/tensor.js';
import { tensorBytes } from '../../src/formats/rawTensor.js';

/** ../shared/fixtures, relative to the repository root the tests run from. */
export const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures');
export const haveFixtures = existsSync(path.join(FIXTURES, 'manifest.json'));

export interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
}

export interface FileEntry {
  role: string;
  shape?: number[];
  dtype?: string;
  sha256: string;
  bytes: number;
  stats?: { min?: number; max?: number; mean?: number; std?: number };
  state_dict?: ManifestEntry[];
}

export interface CaseManifest {
  files: Record<string, FileEntry>;
  state_dict?: ManifestEntry[];
  state_dicts?: Record<string, ManifestEntry[] | string>;
  module_tree?: Record<
    string,
    Record<string, { cls: string; attrs: unknown; init_args: unknown; init_kwargs: unknown }>
  >;
  pickle_format?: { top_level_keys: string[] };
}

export const cases = (): string[] =>
  Object.keys(
    (JSON.parse(readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8')) as { cases: object }).cases,
  );

export const manifest = (c: string): CaseManifest =>
  JSON.parse(readFileSync(path.join(FIXTURES, c, 'manifest.json'), 'utf8')) as CaseManifest;

export const fixture = (c: string, file: string): Buffer => readFileSync(path.join(FIXTURES, c, file));

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** SHA-256 of a tensor's little-endian element bytes (what numpy's tobytes() hashes). */
export const tensorSha = (t: Tensor): string => sha256(tensorBytes(t));

/** name/shape/dtype listing of a state dict, in order, for comparison with a manifest. */
export const listing = (sd: ReadonlyMap<string, Tensor>): ManifestEntry[] =>
  [...sd].map(([name, t]) => ({ name, shape: [...t.shape], dtype: t.dtype }));

export function stats(t: Tensor): { min: number; max: number; mean: number; std: number } {
  const d = t.toFloat64().data;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of d) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  const mean = sum / d.length;
  let sq = 0;
  for (const v of d) sq += (v - mean) ** 2;
  return { min, max, mean, std: Math.sqrt(sq / d.length) };
}
