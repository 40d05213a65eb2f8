import { ArgumentError } from '../core/errors.js';
import type { GanModel } from '../models/ganModel.js';

/** The StyleGAN paper's style groups (coarse 4²–8², middle 16²–32², fine 64²+). */
export type NamedRange = 'coarse' | 'middle' | 'fine' | 'all';

export const NAMED_RANGES: readonly NamedRange[] = ['coarse', 'middle', 'fine', 'all'];

/** What the layer rules read of a model: its ws rows and the synthesis layers that read them (a manifest has it). */
export interface LayerTable {
  name: string;
  /** Output resolution. */
  resolution: number;
  numWs: number;
  layers: readonly { kind: string; resolution: number; wsIndex: number }[];
}

/** A loaded model's layer table (StyleGAN3's manifest rows carry twice each layer's cutoff as their resolution). */
export function layerTableOf(model: GanModel): LayerTable {
  const { numWs, layers } =
    model.architecture === 'stylegan3' ? { numWs: model.styleSpace().numWs, layers: model.manifest.layers } : model.stylegan2();
  return { name: model.name, resolution: model.resolution, numWs, layers };
}

/**
 * The resolution each ws row drives: that of the first modulated conv reading it, else of its torgb
 * (a row read by b4.torgb and b8.conv0 styles the 8² convolution, which is what the eye sees).
 */
export function wsRowResolutions(model: GanModel | LayerTable): number[] {
  const { numWs, layers, name } = 'manifest' in model ? layerTableOf(model) : model;
  const res: number[] = [];
  for (let row = 0; row < numWs; row++) {
    const conv = layers.find((l) => l.wsIndex === row && l.kind === 'conv');
    const any = conv ?? layers.find((l) => l.wsIndex === row);
    if (!any) throw new ArgumentError(`${name}: no synthesis layer reads ws row ${row}`);
    res.push(any.resolution);
  }
  return res;
}

/**
 * ws rows of each named range, derived from the manifest's layer table. Models of 64² and up use the
 * paper's split exactly. Smaller models have no 64² layers, so "fine" becomes their top resolution
 * (32×32: coarse 4²–8² = rows 0–2, middle 16² = rows 3–4, fine 32² = rows 5–7); "middle" is what lies
 * between and may be empty for 16×16 models.
 */
export function namedRanges(model: GanModel | LayerTable): Record<NamedRange, number[]> {
  const table = 'manifest' in model ? layerTableOf(model) : model;
  const res = wsRowResolutions(table);
  const top = table.resolution;
  const fineFrom = top >= 64 ? 64 : top;
  const rows = (pred: (r: number) => boolean) => res.flatMap((r, i) => (pred(r) ? [i] : []));
  return {
    coarse: rows((r) => r <= 8 && r < fineFrom),
    middle: rows((r) => r > 8 && r < fineFrom),
    fine: rows((r) => r >= fineFrom),
    all: res.map((_, i) => i),
  };
}

/**
 * ws rows named by `spec`: 'coarse' | 'middle' | 'fine' | 'all', or explicit rows like '0-3' or '4,6,7',
 * or several joined by '+' ('coarse+fine'). Rows come back sorted and unique.
 */
export function parseLayerRange(model: GanModel | LayerTable, spec: string | readonly number[]): number[] {
  const table = 'manifest' in model ? layerTableOf(model) : model;
  const { numWs, name } = table;
  const rows = new Set<number>();
  const add = (r: number, text: string) => {
    if (!Number.isInteger(r) || r < 0 || r >= numWs) {
      throw new ArgumentError(`layer range '${text}': ws row ${r} is out of range (${name} has rows 0-${numWs - 1})`);
    }
    rows.add(r);
  };
  if (typeof spec !== 'string') {
    for (const r of spec) add(r, spec.join(','));
  } else {
    const named = namedRanges(table);
    for (const part of spec.split('+').map((s) => s.trim())) {
      if ((NAMED_RANGES as readonly string[]).includes(part)) {
        for (const r of named[part as NamedRange]) rows.add(r);
        continue;
      }
      for (const item of part.split(',').map((s) => s.trim())) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(item);
        if (!m) {
          throw new ArgumentError(
            `layer range '${spec}': '${item}' is not coarse, middle, fine, all, a ws row or a range like 0-3`,
          );
        }
        const a = Number(m[1]);
        const b = m[2] === undefined ? a : Number(m[2]);
        if (b < a) throw new ArgumentError(`layer range '${spec}': ${item} runs backwards`);
        for (let r = a; r <= b; r++) add(r, spec);
      }
    }
  }
  if (rows.size === 0) throw new ArgumentError(`layer range '${typeof spec === 'string' ? spec : spec.join(',')}' selects no ws rows of ${name}`);
  return [...rows].sort((a, b) => a - b);
}

/** Names of the noisy (conv) synthesis layers whose style comes from one of `rows`. */
export function noiseLayersForRows(model: GanModel, rows: readonly number[]): string[] {
  const set = new Set(rows);
  if (model.architecture !== 'stylegan2') return [];
  return model
    .stylegan2()
    .layers.filter((l) => l.kind === 'conv' && set.has(l.wsIndex))
    .map((l) => l.name);
}
