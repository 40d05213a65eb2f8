import { api, type DirectionFile, type EditRequest, hasWSpace } from '../api.js';
import { panel, slider, statusLine } from '../components/controls.js';
import { clear, h } from '../dom.js';
import type { StudioStore } from '../state.js';
import type { JobsPanel } from './jobs.js';

const MAX_SLIDERS = 8;
const METHODS = [
  { method: 'sefa', text: 'SeFa', params: { components: 16, num: 5000 } },
  { method: 'ganspace', text: 'GANSpace', params: { components: 16, num: 20000 } },
  { method: 'interfacegan', text: 'InterFaceGAN (classes)', params: { num: 5000 } },
] as const;

/**
 * Direction sliders on the shown latent: pick a direction file (discovered here by a job, or placed in the
 * workspace's directions/), move up to 8 of its directions, limit the edit to a ws-row range.
 */
export function directionsPanel(store: StudioStore, jobs: JobsPanel): HTMLElement {
  const status = statusLine();
  let files: DirectionFile[] = [];
  const fileSelect = h('select', { 'data-testid': 'directions-file' });
  const sliders = h('div', { class: 'sliders', 'data-testid': 'direction-sliders' });
  const from = h('select', { 'data-testid': 'layers-from' });
  const to = h('select', { 'data-testid': 'layers-to' });
  const reset = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'directions-reset' },
    'reset',
  );
  let values: number[] = [];

  const publish = () => {
    const path = fileSelect.value;
    const numWs = store.get().model?.numWs ?? 0;
    const start = Number(from.value);
    const end = Number(to.value) + 1;
    const layers: [number, number] | undefined = start === 0 && end === numWs ? undefined : [start, end];
    const edits: EditRequest[] = values.flatMap((v, component) =>
      v !== 0 && path ? [{ directions: path, component, strength: v, ...(layers ? { layers } : {}) }] : [],
    );
    // a new array for the same edits would re-render everything: publish changes only
    if (JSON.stringify(edits) !== JSON.stringify(store.get().edits)) store.set({ edits });
  };
  const drawSliders = () => {
    const file = files.find((f) => f.path === fileSelect.value);
    const labels = (file?.labels ?? []).slice(0, MAX_SLIDERS);
    values = labels.map(() => 0);
    const unit = file?.sigma ? 'σ' : '';
    clear(
      sliders,
      ...labels.map(
        (label, k) =>
          slider({
            label,
            min: -5,
            max: 5,
            step: 0.25,
            value: 0,
            testId: `direction-${k}`,
            format: (v) => `${v > 0 ? '+' : ''}${v.toFixed(2)}${unit}`,
            onInput: (v) => {
              values[k] = v;
              publish();
            },
          }).el,
      ),
    );
    if (!labels.length)
      sliders.append(h('span', { class: 'hint' }, 'no direction file yet: discover some below'));
    publish();
  };
  const loadFiles = async (select?: string) => {
    const s = store.get();
    if (!hasWSpace(s.model)) return;
    files = (await api.directions(s.model.name)).filter((f) => !f.error);
    clear(
      fileSelect,
      ...files.map((f) =>
        h(
          'option',
          { value: f.path, selected: f.path === select },
          `${f.method} · ${f.labels?.length ?? 0} directions · ${f.path}`,
        ),
      ),
    );
    drawSliders();
  };
  fileSelect.addEventListener('change', drawSliders);
  for (const s of [from, to]) s.addEventListener('change', publish);
  reset.addEventListener('click', drawSliders);

  const discover = METHODS.map(({ method, text, params }) => {
    const b = h('button', { type: 'button', class: 'secondary', 'data-testid': `discover-${method}` }, text);
    b.addEventListener('click', async () => {
      const s = store.get();
      if (!s.model) return;
      try {
        const job = await api.submitJob('directions', { model: s.model.name, method, ...params });
        status.info(`discovering ${text} directions (see Jobs)`);
        jobs.add(job, (j) => {
          if (j.state === 'done')
            void loadFiles(`jobs/${j.id}/directions.safetensors`).then(() =>
              status.info(`${text}: ${(j.result as { labels: string[] }).labels.length} directions`),
            );
          else status.error(`${text} ${j.state}: ${j.error ?? ''}`);
        });
      } catch (e) {
        status.error((e as Error).message);
      }
    });
    return b;
  });

  const el = panel(
    'Directions',
    'panel-directions',
    h('label', { class: 'field' }, h('span', { class: 'label' }, 'file'), fileSelect),
    sliders,
    h(
      'div',
      { class: 'row' },
      h('label', { class: 'field' }, h('span', { class: 'label' }, 'ws rows'), from, h('span', {}, 'to'), to),
      reset,
    ),
    h('div', { class: 'row' }, h('span', { class: 'label' }, 'discover'), ...discover),
    status.el,
  ).el;
  store.watch(['model'], (s) => {
    const sg2 = hasWSpace(s.model);
    el.classList.toggle('hidden', !sg2);
    if (!sg2) return;
    const rows = Array.from({ length: s.model!.numWs ?? 0 }, (_, i) => i);
    const res = (r: number) => s.model!.layers.find((l) => l.wsIndex === r)?.resolution;
    clear(
      from,
      ...rows.map((r) => h('option', { value: String(r), selected: r === 0 }, `${r} (${res(r)} px)`)),
    );
    clear(
      to,
      ...rows.map((r) =>
        h('option', { value: String(r), selected: r === rows.length - 1 }, `${r} (${res(r)} px)`),
      ),
    );
    void loadFiles().catch((e: Error) => status.error(e.message));
  });
  store.watch(['selectedSeed', 'selectedFile'], () => {
    if (values.some((v) => v !== 0)) drawSliders();
  });
  return el;
}
