import type { EditRequest, LatentRef, ModelSummary, NoiseMode, SeedFields } from './api.js';
import { Store } from './store.js';

export interface StudioState {
  models: ModelSummary[];
  model: ModelSummary | null;
  /** The seed grid's seeds, in the CLI's range syntax. */
  seedsText: string;
  /** Truncation of the seed grid (and of seeds in mixing and interpolation). */
  psi: number;
  /** Truncation of the latent view's seed: its own slider, so moving it never re-renders the grid. */
  latentPsi: number;
  noiseMode: NoiseMode;
  noiseSeed: number;
  /** The seed whose latent the latent view shows. */
  selectedSeed: number | null;
  /** A saved latent file (workspace path) shown instead of the seed, when set. */
  selectedFile: string | null;
  /** Bumped when a latent is saved, renamed or deleted, or a projection ends, so lists reload. */
  savedVersion: number;
  /** Fresh noise in the layers of a ws-row range of the shown latent (StyleGAN2), or none. */
  noiseResample: { layers: string; seed: number } | null;
  /** Direction edits applied to the shown latent (sliders not at 0, drags on the PCA plot). */
  edits: EditRequest[];
  /** The latent pinned as "A" for a side-by-side comparison with the shown one. */
  compare: RenderBody | null;
  /** Interpolation keyframes. */
  keyframes: LatentRef[];
}

export type StudioStore = Store<StudioState>;

export function createStore(): StudioStore {
  return new Store<StudioState>({
    models: [],
    model: null,
    seedsText: '0-31',
    psi: 0.7,
    latentPsi: 0.7,
    noiseMode: 'const',
    noiseSeed: 0,
    selectedSeed: null,
    selectedFile: null,
    savedVersion: 0,
    noiseResample: null,
    edits: [],
    compare: null,
    keyframes: [],
  });
}

/** The grid's seed fields (grid, mixing, interpolation of seeds). */
export function seedFields(s: StudioState): SeedFields {
  return { psi: s.psi, cutoff: null, noiseMode: s.noiseMode, noiseSeed: s.noiseSeed };
}

/** The shown latent as an API reference (a saved file wins over the seed). */
export function currentRef(s: StudioState): LatentRef | null {
  if (s.selectedFile) return { latent: s.selectedFile };
  return s.selectedSeed === null ? null : { seed: s.selectedSeed };
}

/** A latent reference's short name: 'seed 12' or the saved file's name. */
export function refName(r: LatentRef): string {
  return r.seed !== undefined
    ? `seed ${r.seed}`
    : r
        .latent!.split('/')
        .slice(-2)
        .join('/')
        .replace(/^latents\//, '')
        .replace(/\.latent\.safetensors$/, '');
}

/** The resolution each ws row drives (its first conv, else its torgb), as the server's layer ranges count it. */
export function rowResolutions(m: ModelSummary): number[] {
  return Array.from({ length: m.numWs ?? 0 }, (_, row) => {
    const conv = m.layers.find((l) => l.wsIndex === row && l.kind === 'conv');
    return (conv ?? m.layers.find((l) => l.wsIndex === row))?.resolution ?? 0;
  });
}

const rowsText = (rows: number[]) =>
  rows.length === 1 ? `row ${rows[0]}` : `rows ${rows[0]}–${rows[rows.length - 1]}`;
const pxText = (res: number[]) => {
  const lo = Math.min(...res);
  const hi = Math.max(...res);
  return lo === hi ? `${lo} px` : `${lo}–${hi} px`;
};

/**
 * The ws-row ranges a layer selector offers for this model: all, then coarse / middle / fine as the server
 * splits them (fine is the top resolution for models under 64 px), each labelled with its real pixels and
 * rows; empty ranges are not offered.
 */
export function layerChoices(m: ModelSummary | null): { value: string; text: string; rows: number[] }[] {
  if (!m || m.architecture !== 'stylegan2') return [];
  const res = rowResolutions(m);
  const fineFrom = m.resolution >= 64 ? 64 : m.resolution;
  const pick = (pred: (r: number) => boolean) => res.flatMap((r, i) => (pred(r) ? [i] : []));
  const named = [
    { value: 'coarse', rows: pick((r) => r <= 8 && r < fineFrom) },
    { value: 'middle', rows: pick((r) => r > 8 && r < fineFrom) },
    { value: 'fine', rows: pick((r) => r >= fineFrom) },
  ].filter((c) => c.rows.length);
  return [
    { value: 'all', text: `all layers (${rowsText(res.map((_, i) => i))})`, rows: res.map((_, i) => i) },
    ...named.map((c) => ({
      ...c,
      text: `${c.value} (${pxText(c.rows.map((r) => res[r]))}, ${rowsText(c.rows)})`,
    })),
  ];
}

/** A render request body: the latent, its seed fields, edits and noise. */
export type RenderBody = LatentRef &
  Partial<SeedFields> & {
    model: string;
    edits?: EditRequest[];
    resampleNoise?: { layers: string; seed: number };
  };

/** Everything the API needs to draw the shown latent: reference, its own truncation, edits and noise. */
export function renderRequest(s: StudioState): RenderBody | null {
  const ref = currentRef(s);
  if (!s.model || !ref) return null;
  const sg2 = s.model.architecture === 'stylegan2';
  return {
    model: s.model.name,
    ...ref,
    ...(ref.latent !== undefined
      ? {}
      : { psi: s.latentPsi, cutoff: null, noiseMode: s.noiseMode, noiseSeed: s.noiseSeed }),
    edits: sg2 && s.edits.length ? s.edits : undefined,
    resampleNoise: sg2 && s.noiseResample ? s.noiseResample : undefined,
  };
}
