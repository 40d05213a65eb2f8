import { api, type ModelSummary } from '../api.js';
import { panel, statusLine, textField } from '../components/controls.js';
import { h } from '../dom.js';
import type { StudioStore } from '../state.js';
import type { JobsPanel } from './jobs.js';

/**
 * Import a checkpoint (NVIDIA .pkl, rosinality .pt, DCGAN .pth): upload it, then an import-model job turns
 * it into a bundle in the workspace; when it is done the model picker offers it.
 */
export function importModelPanel(store: StudioStore, jobs: JobsPanel): HTMLElement {
  const status = statusLine();
  const file = h('input', { type: 'file', accept: '.pkl,.pt,.pth', 'data-testid': 'import-file' });
  const name = textField({ label: 'name', value: '', placeholder: 'my-model', testId: 'import-name' });
  const go = h('button', { type: 'button', 'data-testid': 'import-start' }, 'import');
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
        store.set({
          models,
          model: models.find((m) => m.name === modelName) ?? store.get().model,
          selectedFile: null,
        });
        status.info(`imported ${modelName}`);
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
    status.el,
  ).el;
}
