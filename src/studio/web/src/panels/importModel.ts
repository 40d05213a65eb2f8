import { api, type ModelSummary } from '../api.js';
import { panel, statusLine, textField } from '../components/controls.js';
import { h } from '../dom.js';
import type { StudioStore } from '../state.js';
import type { JobsPanel } from './jobs.js';

/**
 * Import a checkpoint (NVIDIA .pkl, rosinality .pt, DCGAN .pth): upload it, then an import-model job turns
 * it into a bundle in the workspace; when it is done the model picker offers it (the picked model stays:
 * a button opens the new one).
 */
export function importModelPanel(store: StudioStore, jobs: JobsPanel): HTMLElement {
  const status = statusLine();
  const file = h('input', {
    type: 'file',
    accept: '.pkl,.pt,.pth',
    'data-testid': 'import-file',
    'aria-label': 'checkpoint file',
  });
  const name = textField({ label: 'name', value: '', placeholder: 'my-model', testId: 'import-name' });
  const go = h('button', { type: 'button', 'data-testid': 'import-start' }, 'import');
  const open = h('button', { type: 'button', class: 'secondary', 'data-testid': 'import-open' }, 'open it');
  open.hidden = true;
  let imported: string | null = null;
  open.addEventListener('click', () => {
    const m = store.get().models.find((x) => x.name === imported);
    if (m) store.set({ model: m, selectedFile: null, edits: [], noiseResample: null, compare: null });
    open.hidden = true;
  });
  go.addEventListener('click', async () => {
    const f = file.files?.[0];
    if (!f) return status.error('choose a checkpoint file first');
    const modelName =
      name.input.value.trim() || f.name.replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9_.-]/g, '-');
    try {
      status.info(`uploading ${f.name} (${(f.size / 1048576).toFixed(1)} MiB)…`);
      const up = await api.uploadCheckpoint(f);
      const job = await api.submitJob('import-model', { file: up.path, name: modelName });
      status.info('importing (see Jobs)…');
      jobs.add(job, async (j) => {
        if (j.state !== 'done') return status.error(`import ${j.state}: ${j.error ?? ''}`);
        const models: ModelSummary[] = await api.models();
        store.set({ models }); // the picked model stays picked (same object: nothing re-renders)
        imported = modelName;
        open.hidden = false;
        status.info(`imported ${modelName}: it is in the model picker`);
      });
    } catch (e) {
      status.error((e as Error).message);
    }
  });
  return panel(
    'Import a model',
    'panel-import',
    h(
      'p',
      { class: 'hint' },
      'NVIDIA .pkl, rosinality .pt or DCGAN .pth; read by a safe unpickler, nothing in the file runs.',
    ),
    h('div', { class: 'row' }, file, name.el, go),
    h('div', { class: 'row' }, status.el, open),
  ).el;
}
