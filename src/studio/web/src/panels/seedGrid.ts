import { api } from '../api.js';
import { copyCommand, panel, slider, statusLine, textField } from '../components/controls.js';
import { imageRequests } from '../components/imageRequest.js';
import { h } from '../dom.js';
import { parseSeeds } from '../ranges.js';
import { seedFields, type StudioStore } from '../state.js';

const COLUMNS = 8;
const SCALE = 3;

/** Seeds -> a grid of images (truncation slider, seed range); clicking a tile selects that latent. */
export function seedGridPanel(store: StudioStore): HTMLElement {
  const status = statusLine();
  const command = copyCommand('grid-command');
  const img = h('img', { class: 'grid pixelated', alt: 'seed grid', 'data-testid': 'seed-grid' });
  let seeds: number[] = [];
  const request = imageRequests(
    img,
    (r) => {
      command.set(r.command);
      status.info(`${seeds.length} seeds — click one to open it`);
    },
    (e) => status.error(e.message),
  );
  const seedsField = textField({
    label: 'seeds',
    value: store.get().seedsText,
    testId: 'seeds-input',
    onChange: (v) => store.set({ seedsText: v }),
  });
  const psi = slider({
    label: 'truncation ψ',
    min: 0,
    max: 1.5,
    step: 0.05,
    value: store.get().psi,
    testId: 'psi-slider',
    format: (v) => v.toFixed(2),
    onInput: (v) => store.set({ psi: v }),
  });
  const generate = h('button', { type: 'button', 'data-testid': 'generate' }, 'generate');
  generate.addEventListener('click', () => store.set({ seedsText: seedsField.input.value }));

  img.addEventListener('click', (e) => {
    const col = Math.floor((e.offsetX / img.clientWidth) * Math.min(COLUMNS, seeds.length));
    const rows = Math.ceil(seeds.length / COLUMNS);
    const row = Math.floor((e.offsetY / img.clientHeight) * rows);
    const seed = seeds[row * COLUMNS + col];
    if (seed !== undefined) store.set({ selectedSeed: seed, selectedFile: null });
  });

  store.watch(['model', 'seedsText', 'psi', 'noiseMode', 'noiseSeed'], (s) => {
    seedsField.input.value = s.seedsText;
    if (!s.model) return;
    try {
      seeds = parseSeeds(s.seedsText, 64);
    } catch (e) {
      status.error(`seeds: ${(e as Error).message}`);
      return;
    }
    status.info('rendering…');
    // reserve the grid's shape before it arrives: nothing below it jumps
    img.style.aspectRatio = `${Math.min(COLUMNS, seeds.length)} / ${Math.ceil(seeds.length / COLUMNS)}`;
    const model = s.model.name;
    void request((signal) =>
      api.grid({ model, seeds, ...seedFields(s), columns: COLUMNS, scale: SCALE }, signal),
    );
  });

  store.watch(['psi'], (s) => psi.set(s.psi));
  store.watch(['model'], (s) => psi.el.classList.toggle('hidden', s.model?.architecture !== 'stylegan2'));
  return panel(
    'Seeds',
    'panel-seeds',
    h('div', { class: 'row' }, seedsField.el, generate),
    psi.el,
    img,
    status.el,
    command.el,
  ).el;
}
