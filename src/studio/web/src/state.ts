import type { ModelSummary, NoiseMode, SeedFields } from './api.js';
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
  });
}

export function seedFields(s: StudioState): SeedFields {
  return { psi: s.psi, cutoff: null, noiseMode: s.noiseMode, noiseSeed: s.noiseSeed };
}
