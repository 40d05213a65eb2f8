import { api, type ModelSummary } from './api.js';
import { select } from './components/controls.js';
import { h } from './dom.js';
import { createHistory } from './history.js';
import { directionsPanel } from './panels/directions.js';
import { importModelPanel } from './panels/importModel.js';
import { interpolationPanel } from './panels/interpolation.js';
import { jobsPanel } from './panels/jobs.js';
import { latentViewPanel } from './panels/latentView.js';
import { pcaScatterPanel } from './panels/pcaScatter.js';
import { projectionPanel } from './panels/projection.js';
import { savedLatentsPanel } from './panels/savedLatents.js';
import { seedGridPanel } from './panels/seedGrid.js';
import { styleMixPanel } from './panels/styleMix.js';
import { createStore } from './state.js';

function describe(m: ModelSummary): string {
  const space = m.architecture === 'stylegan2' ? `W/W+ ${m.numWs}×${m.wDim}` : `z ${m.zDim}`;
  return `${m.name} — ${m.architecture}, ${m.resolution}×${m.resolution}×${m.channels}, ${space}`;
}

async function main(): Promise<void> {
  const root = document.getElementById('app')!;
  const store = createStore();
  const [models, caps] = await Promise.all([api.models(), api.capabilities()]);
  const warnings = caps.missingModelDirs.map((d) =>
    h(
      'p',
      { class: 'status error', 'data-testid': 'warning' },
      `--models folder ${d} does not exist; nothing was loaded from it`,
    ),
  );
  if (!models.length) {
    root.append(
      ...warnings,
      h('p', { class: 'status error' }, 'No models found: start the studio with --models DIR.'),
    );
    return;
  }
  store.set({ models, model: models[0], selectedSeed: 0 });
  const history = createHistory(store);
  const picker = select({
    label: 'model',
    value: models[0].name,
    testId: 'model-picker',
    options: models.map((m) => ({ value: m.name, text: describe(m) })),
    onChange: (name) =>
      store.set({
        model: store.get().models.find((m) => m.name === name) ?? null,
        selectedFile: null,
        edits: [],
        noiseResample: null,
        compare: null,
      }),
  });
  // The model card: first line as the summary, the rest (source, training, evaluation) on opening.
  const card = h('details', { class: 'model-card', 'data-testid': 'model-card' });
  store.watch(['models', 'model'], (s) => {
    picker.input.replaceChildren(
      ...s.models.map((m) => h('option', { value: m.name, selected: m.name === s.model?.name }, describe(m))),
    );
    const lines = s.model?.card ?? [];
    card.replaceChildren(h('summary', {}, 'model card'), h('pre', {}, lines.join('\n')));
  });
  const jobs = jobsPanel(store);
  root.append(
    h('header', {}, h('h1', {}, 'latentlab studio'), picker.el, card),
    ...warnings,
    h(
      'main',
      {},
      h(
        'div',
        { class: 'column' },
        seedGridPanel(store),
        savedLatentsPanel(store),
        interpolationPanel(store, jobs, caps),
        styleMixPanel(store),
      ),
      h(
        'div',
        { class: 'column' },
        latentViewPanel(store, history),
        directionsPanel(store, jobs),
        pcaScatterPanel(store),
      ),
      h('div', { class: 'column' }, projectionPanel(store), jobs.el, importModelPanel(store, jobs)),
    ),
  );
  document.body.dataset.ready = 'true';
}

void main().catch((e: Error) => {
  document
    .getElementById('app')!
    .append(h('p', { class: 'status error' }, `studio failed to start: ${e.message}`));
});
