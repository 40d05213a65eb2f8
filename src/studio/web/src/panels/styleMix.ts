import { api } from '../api.js';
import { copyCommand, panel, statusLine, textField } from '../components/controls.js';
import { imageRequests } from '../components/imageRequest.js';
import { clear, h } from '../dom.js';
import { parseSeeds } from '../ranges.js';
import { layerChoices, refName, seedFields, type StudioStore } from '../state.js';

/**
 * NVIDIA's style-mixing matrix: each row takes the chosen layers from each column. Rows and columns are
 * seeds, saved latents (crossing your own latents), or both.
 */
export function styleMixPanel(store: StudioStore): HTMLElement {
  const status = statusLine();
  const command = copyCommand('mix-command');
  const img = h('img', { class: 'mix pixelated', alt: 'style-mixing matrix', 'data-testid': 'mix-image' });
  const rows = textField({ label: 'row seeds', value: '1-4', testId: 'mix-rows' });
  const cols = textField({ label: 'column seeds', value: '10-13', testId: 'mix-cols' });
  const rowLatents = h('select', {
    multiple: true,
    size: 3,
    'data-testid': 'mix-row-latents',
    'aria-label': 'saved latents as rows',
  });
  const colLatents = h('select', {
    multiple: true,
    size: 3,
    'data-testid': 'mix-col-latents',
    'aria-label': 'saved latents as columns',
  });
  const layers = h('select', { 'data-testid': 'mix-layers', 'aria-label': 'layers from columns' });
  const go = h('button', { type: 'button', 'data-testid': 'mix-go' }, 'mix');
  const request = imageRequests(
    img,
    (r) => {
      command.set(r.command);
      status.clear();
    },
    (e) => status.error(e.message),
  );
  const picked = (s: HTMLSelectElement) => [...s.selectedOptions].map((o) => o.value);
  const seedsOf = (text: string) => (text.trim() ? parseSeeds(text, 8) : []);
  const draw = () => {
    const s = store.get();
    if (s.model?.architecture !== 'stylegan2') return;
    try {
      const r = seedsOf(rows.input.value);
      const c = seedsOf(cols.input.value);
      const rl = picked(rowLatents);
      const cl = picked(colLatents);
      if (!r.length && !rl.length) throw new Error('give row seeds or pick saved latents as rows');
      if (!c.length && !cl.length) throw new Error('give column seeds or pick saved latents as columns');
      const body = {
        model: s.model.name,
        ...(r.length ? { rows: r } : {}),
        ...(c.length ? { cols: c } : {}),
        ...(rl.length ? { rowLatents: rl } : {}),
        ...(cl.length ? { colLatents: cl } : {}),
        layers: layers.value,
        ...seedFields(s),
        scale: 2,
      };
      status.info('mixing…');
      void request((signal) => api.mix(body, signal));
    } catch (e) {
      status.error((e as Error).message);
    }
  };
  go.addEventListener('click', draw);
  layers.addEventListener('change', draw);
  const el = panel(
    'Style mixing',
    'panel-mix',
    h('div', { class: 'row' }, rows.el, cols.el),
    h(
      'div',
      { class: 'row' },
      h('label', { class: 'field' }, h('span', { class: 'label' }, '+ saved rows'), rowLatents),
      h('label', { class: 'field' }, h('span', { class: 'label' }, '+ saved columns'), colLatents),
    ),
    h(
      'div',
      { class: 'row' },
      h('label', { class: 'field' }, h('span', { class: 'label' }, 'layers from columns'), layers),
      go,
    ),
    img,
    status.el,
    command.el,
  ).el;
  store.watch(['model'], (s) => {
    el.classList.toggle('hidden', s.model?.architecture !== 'stylegan2');
    const choices = layerChoices(s.model);
    clear(
      layers,
      ...choices.map((c) => h('option', { value: c.value, selected: c.value === 'coarse' }, c.text)),
    );
  });
  store.watch(['model', 'savedVersion'], (s) => {
    void api.latents().then((all) => {
      const mine = all.filter((l) => !l.error && l.model === s.model?.name);
      for (const sel of [rowLatents, colLatents])
        clear(sel, ...mine.map((l) => h('option', { value: l.path }, refName({ latent: l.path }))));
    });
  });
  return el;
}
