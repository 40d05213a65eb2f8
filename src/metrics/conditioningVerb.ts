import { writeFile } from 'node:fs/promises';
import { ArgumentError } from '../core/errors.js';
import type { VerbSpec } from '../core/options.js';
import type { GanModel } from '../models/ganModel.js';
import { loadModel } from '../models/io/loadModel.js';
import { conditioning, type ConditioningResult } from './conditioning.js';

/** `latentlab metrics conditioning`, resolved (see `resolveConditioningOptions`). */
export interface ConditioningRunOptions {
  readonly model: string;
  /** Latents (seeds 0..num-1). */
  readonly num: number;
  /** Random image directions per latent. */
  readonly directions: number;
  readonly trunc: number;
  /** Seed of the image directions. */
  readonly seed: number;
  readonly json: string | null;
}

export const CONDITIONING_SPEC: VerbSpec = {
  words: ['metrics', 'conditioning'],
  options: [
    { key: 'model', flag: 'model', kind: 'string', help: 'StyleGAN2 generator' },
    { key: 'num', flag: 'num', kind: 'number', help: 'latents', default: 200 },
    { key: 'directions', flag: 'directions', kind: 'number', help: 'random image directions per latent', default: 8 },
    { key: 'trunc', flag: 'trunc', kind: 'number', help: 'truncation psi', default: 1 },
    { key: 'seed', flag: 'seed', kind: 'number', help: 'seed of the image directions', default: 0 },
    { key: 'json', flag: 'json', kind: 'string', help: 'also write the result as JSON to this file' },
  ],
};

const WHERE = 'metrics conditioning';

function int(v: number, min: number, flag: string): number {
  if (!Number.isInteger(v) || v < min)
    throw new ArgumentError(`${WHERE}: --${flag} must be an integer >= ${min}, got ${v}`);
  return v;
}

export function resolveConditioningOptions(p: Partial<ConditioningRunOptions>): ConditioningRunOptions {
  if (!p.model) throw new ArgumentError(`${WHERE}: --model is required`);
  const trunc = p.trunc ?? 1;
  if (!Number.isFinite(trunc)) throw new ArgumentError(`${WHERE}: --trunc must be a number, got ${trunc}`);
  return {
    model: p.model,
    num: int(p.num ?? 200, 2, 'num'),
    directions: int(p.directions ?? 8, 1, 'directions'),
    trunc,
    seed: int(p.seed ?? 0, 0, 'seed'),
    json: p.json ?? null,
  };
}

/** `latentlab metrics conditioning`: lengths of Jᵀy over latents and image directions; JSON to `o.json`. */
export async function measureConditioning(
  o: ConditioningRunOptions,
  hooks: { model?: GanModel } = {},
): Promise<ConditioningResult> {
  const model = hooks.model ?? (await loadModel(o.model));
  const r = await conditioning(model, { num: o.num, directions: o.directions, psi: o.trunc, seed: o.seed });
  if (o.json) {
    const { lengths, ...summary } = r;
    await writeFile(
      o.json,
      `${JSON.stringify({ metric: 'conditioning', model: o.model, ...summary, lengths }, null, 2)}\n`,
    );
  }
  return r;
}
