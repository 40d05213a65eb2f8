import type { StudioState, StudioStore } from './state.js';

/** What defines the shown latent's image (what an undo step restores, what re-renders it). */
export const LATENT_VIEW_KEYS = [
  'selectedSeed',
  'selectedFile',
  'latentPsi',
  'noiseMode',
  'noiseSeed',
  'noiseResample',
  'edits',
] as const satisfies readonly (keyof StudioState)[];

export interface History {
  undo(): void;
  redo(): void;
  canUndo(): boolean;
  canRedo(): boolean;
  /** Called after every change of the history (for the buttons' disabled state). */
  onChange(fn: () => void): void;
}

/**
 * Undo/redo of the latent view: a change settles (a slider drag, a PCA drag) for QUIET_MS before it becomes
 * one step, so a drag is one undo, not fifty. Undo restores the exact state, so the exact image.
 */
export function createHistory(store: StudioStore, quietMs = 300): History {
  const snap = (s: StudioState) => JSON.stringify(LATENT_VIEW_KEYS.map((k) => s[k]));
  const past: string[] = [];
  const future: string[] = [];
  let current = snap(store.get());
  let applying = false;
  let timer: number | undefined;
  const listeners: (() => void)[] = [];
  const changed = () => listeners.forEach((l) => l());
  const commit = () => {
    clearTimeout(timer);
    timer = undefined;
    const now = snap(store.get());
    if (now === current) return;
    past.push(current);
    if (past.length > 200) past.shift();
    future.length = 0;
    current = now;
    changed();
  };
  const apply = (json: string) => {
    const values = JSON.parse(json) as unknown[];
    applying = true;
    store.set(Object.fromEntries(LATENT_VIEW_KEYS.map((k, i) => [k, values[i]])) as Partial<StudioState>);
    applying = false;
    current = json;
    changed();
  };
  store.watch(LATENT_VIEW_KEYS, () => {
    if (applying) return;
    clearTimeout(timer);
    timer = window.setTimeout(commit, quietMs);
  });
  // a new model starts a new history (latents of another model cannot be restored on this one)
  store.watch(['model'], () => {
    clearTimeout(timer);
    past.length = future.length = 0;
    current = snap(store.get());
    changed();
  });
  return {
    undo() {
      if (timer !== undefined) commit();
      const prev = past.pop();
      if (prev === undefined) return;
      future.push(current);
      apply(prev);
    },
    redo() {
      if (timer !== undefined) commit();
      const next = future.pop();
      if (next === undefined) return;
      past.push(current);
      apply(next);
    },
    canUndo: () => past.length > 0 || (timer !== undefined && snap(store.get()) !== current),
    canRedo: () => future.length > 0,
    onChange: (fn) => listeners.push(fn),
  };
}
