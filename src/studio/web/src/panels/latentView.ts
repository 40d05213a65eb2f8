import { api, type NoiseMode, hasWSpace } from '../api.js';
import { copyCommand, panel, select, slider, statusLine, textField } from '../components/controls.js';
import { imageRequests } from '../components/imageRequest.js';
import { h } from '../dom.js';
import { LAYER_CHOICES, renderRequest, type StudioStore } from '../state.js';

const SCALE = 8;

/** The selected latent, large: truncation and noise controls, and its CLI command. */
export function latentViewPanel(store: StudioStore): HTMLElement {
  const status = statusLine();
  const command = copyCommand('latent-command');
  const img = h('img', { class: 'latent pixelated', alt: 'selected latent', 'data-testid': 'latent-image' });
  const title = h('p', { class: 'latent-title', 'data-testid': 'latent-title' }, 'pick a seed in the grid');
  const request = imageRequests(
    img,
    (r) => command.set(r.command),
    (e) => status.error(e.message),
  );

  const psi = slider({
    label: 'truncation ψ',
    min: 0,
    max: 1.5,
    step: 0.05,
    value: store.get().psi,
    testId: 'latent-psi',
    format: (v) => v.toFixed(2),
    onInput: (v) => store.set({ psi: v }),
  });
  const noiseMode = select<NoiseMode>({
    label: 'noise',
    value: store.get().noiseMode,
    testId: 'noise-mode',
    options: [
      { value: 'const', text: 'const (stored maps)' },
      { value: 'random', text: 'random (seeded)' },
      { value: 'none', text: 'none' },
    ],
    onChange: (v) => store.set({ noiseMode: v }),
  });
  const noiseSeed = slider({
    label: 'noise seed',
    min: 0,
    max: 99,
    step: 1,
    value: store.get().noiseSeed,
    testId: 'noise-seed',
    onInput: (v) => store.set({ noiseSeed: v }),
  });
  // resample the noise of one layer range only (the rest keeps the stored maps): what noise does at each scale
  const noiseLayers = select<string>({
    label: 'resample noise in',
    value: 'fine',
    testId: 'noise-layers',
    options: LAYER_CHOICES,
    onChange: () => {},
  });
  const resample = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'noise-resample' },
    'resample',
  );
  resample.addEventListener('click', () =>
    store.set({
      noiseResample: { layers: noiseLayers.input.value, seed: (store.get().noiseResample?.seed ?? 0) + 1 },
    }),
  );
  const keepNoise = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'noise-reset' },
    'stored noise',
  );
  keepNoise.addEventListener('click', () => store.set({ noiseResample: null }));
  const stylegan = h(
    'div',
    { class: 'controls' },
    psi.el,
    noiseMode.el,
    noiseSeed.el,
    h('div', { class: 'row' }, noiseLayers.el, resample, keepNoise),
  );

  store.watch(['psi'], (s) => psi.set(s.psi));
  store.watch(['noiseMode', 'noiseSeed'], (s) => {
    noiseMode.input.value = s.noiseMode;
    noiseSeed.set(s.noiseSeed);
  });
  // save the selected seed's latent (w+ codes after truncation, with its noise settings) to the workspace
  const name = textField({ label: 'name', value: '', placeholder: 'e.g. boot-12', testId: 'latent-name' });
  const space = select<'z' | 'w' | 'w+'>({
    label: 'space',
    value: 'w+',
    testId: 'latent-space',
    options: [
      { value: 'w+', text: 'W+' },
      { value: 'w', text: 'W' },
      { value: 'z', text: 'z' },
    ],
    onChange: () => {},
  });
  const save = h('button', { type: 'button', 'data-testid': 'latent-save' }, 'save latent');
  save.addEventListener('click', async () => {
    const s = store.get();
    const req = renderRequest(s);
    if (!s.model || !req) return;
    const edited = s.edits.length ? '-edited' : '';
    const chosen =
      name.input.value.trim() || (req.seed !== undefined ? `seed${req.seed}${edited}` : `latent${edited}`);
    try {
      const r = await api.saveLatent({
        ...req,
        name: chosen,
        space: hasWSpace(s.model) ? (space.input.value as 'w+') : 'z',
      });
      status.info(`saved ${r.path}`);
      store.set({ savedVersion: s.savedVersion + 1 });
    } catch (e) {
      status.error((e as Error).message);
    }
  });
  const saveRow = h('div', { class: 'row' }, name.el, space.el, save);

  store.watch(
    ['model', 'selectedSeed', 'selectedFile', 'psi', 'noiseMode', 'noiseSeed', 'noiseResample', 'edits'],
    (s) => {
      const req = renderRequest(s);
      if (!s.model || !req) return;
      const fromFile = req.latent !== undefined;
      const sg2 = hasWSpace(s.model);
      stylegan.classList.toggle('hidden', !sg2);
      for (const el of [psi.el, noiseMode.el]) el.classList.toggle('hidden', fromFile);
      noiseSeed.el.classList.toggle('hidden', fromFile || s.noiseMode !== 'random');
      space.el.classList.toggle('hidden', !sg2 || fromFile || s.edits.length > 0);
      const notes = [
        s.noiseResample ? `${s.noiseResample.layers} noise #${s.noiseResample.seed}` : '',
        s.edits.length ? `${s.edits.length} edit(s)` : '',
      ].filter(Boolean);
      title.textContent = [`${s.model.name}`, fromFile ? req.latent : `seed ${req.seed}`, ...notes].join(
        ' · ',
      );
      void request((signal) => api.render({ ...req, scale: SCALE }, signal));
    },
  );
  return panel('Latent', 'panel-latent', title, img, stylegan, saveRow, status.el, command.el).el;
}
