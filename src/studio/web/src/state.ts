import { hasWSpace } from './api.js';
import type { EditRequest, LatentRef, ModelSummary, NoiseMode, SeedFields } from './api.js';
import { Store } from './store.js';

export interface StudioState {
  models: ModelSummary[];
  model: ModelSummary | null;
  /** The seed grid's seeds, in the CLI's range syntax. */
  seedsText: string;
  psi: number;
  noiseMode: NoiseMode;
  noiseSeed: number;
  /** The seed whose latent the latent view shows. */
  selectedSeed: number | null;
  /** A saved latent file (workspace path) shown instead of the seed, when set. */
  selectedFile: string | null;
  /** Bumped when a latent is saved, so lists reload. */
  savedVersion: number;
  /** Fresh noise in the layers of a ws-row range of the shown latent (StyleGAN2), or none. */
  noiseResample: { layers: string; seed: number } | null;
  /** Direction edits applied to the shown latent (the sliders that are not at 0). */
  edits: EditRequest[];
}

export type StudioStore = Store<StudioState>;

export function createStore(): StudioStore {
  return new Store<StudioState>({
    models: [],
    model: null,
    seedsText: '0-31',
    psi: 0.7,
    noiseMode: 'const',
    noiseSeed: 0,
    selectedSeed: null,
    selectedFile: null,
    savedVersion: 0,
    noiseResample: null,
    edits: [],
  });
}

export function seedFields(s: StudioState): SeedFields {
  return { psi: s.psi, cutoff: null, noiseMode: s.noiseMode, noiseSeed: s.noiseSeed };
}

/** The shown latent as an API reference (a saved file wins over the seed). */
export function currentRef(s: StudioState): LatentRef | null {
  if (s.selectedFile) return { latent: s.selectedFile };
  return s.selectedSeed === null ? null : { seed: s.selectedSeed };
}

/** ws-row ranges the layer selectors offer (the CLI's --layers names). */
export const LAYER_CHOICES = [
  { value: 'all', text: 'all layers' },
  { value: 'coarse', text: 'coarse (4–8 px)' },
  { value: 'middle', text: 'middle (16–32 px)' },
  { value: 'fine', text: 'fine (64 px and up, or the top rows)' },
] as const;

/** Everything the API needs to draw the shown latent: reference, seed fields, edits and noise. */
export function renderRequest(s: StudioState):
  | (LatentRef &
      Partial<SeedFields> & {
        model: string;
        edits?: EditRequest[];
        resampleNoise?: { layers: string; seed: number };
      })
  | null {
  const ref = currentRef(s);
  if (!s.model || !ref) return null;
  const sg2 = hasWSpace(s.model);
  return {
    model: s.model.name,
    ...ref,
    ...(ref.latent !== undefined ? {} : seedFields(s)),
    edits: sg2 && s.edits.length ? s.edits : undefined,
    resampleNoise: sg2 && s.noiseResample ? s.noiseResample : undefined,
  };
}
