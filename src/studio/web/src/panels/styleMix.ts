import { api, hasWSpace } from '../api.js';
import { copyCommand, panel, select, statusLine, textField } from '../components/controls.js';
import { imageRequests } from '../components/imageRequest.js';
import { h } from '../dom.js';
import { parseSeeds } from '../ranges.js';
import { LAYER_CHOICES, seedFields, type StudioStore } from '../state.js';

/** NVIDIA's style-mixing matrix: each row seed takes the chosen layers from each column seed. */
export function styleMixPanel(store: StudioStore): HTMLElement {
  const status = statusLine();
  const command = copyCommand('mix-command');
  const img = h('img', { class: 'mix pixelated', alt: 'style-mixing matrix', 'data-testid': 'mix-image' });
  const rows = textField({ label: 'rows', value: '1-4', testId: 'mix-rows' });
  const cols = textField({ label: 'columns', value: '10-13', testId: 'mix-cols' });
  const layers = select<string>({
    label: 'layers from columns',
    value: 'coarse',
    testId: 'mix-layers',
    options: LAYER_CHOICES,
    onChange: () => draw(),
  });
  const go = h('button', { type: 'button', 'data-testid': 'mix-go' }, 'mix');
  const request = imageRequests(
    img,
    (r) => {
      command.set(r.command);
      status.clear();
    },
    (e) => status.error(e.message),
  );
  const draw = () => {
    const s = store.get();
    if (!hasWSpace(s.model)) return;
    try {
      const body = {
        model: s.model.name,
        rows: parseSeeds(rows.input.value, 8),
        cols: parseSeeds(cols.input.value, 8),
        layers: layers.input.value,
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
  const el = panel(
    'Style mixing',
    'panel-mix',
    h('div', { class: 'row' }, rows.el, cols.el),
    h('div', { class: 'row' }, layers.el, go),
    img,
    status.el,
    command.el,
  ).el;
  store.watch(['model'], (s) => el.classList.toggle('hidden', !hasWSpace(s.model)));
  return el;
}
