import { api, type NoiseMode } from '../api.js';
import { copyCommand, panel, select, slider, statusLine, textField } from '../components/controls.js';
import { imageRequests } from '../components/imageRequest.js';
import { h } from '../dom.js';
import { seedFields, type StudioStore } from '../state.js';

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
  const resample = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'noise-resample' },
    'resample noise',
  );
  resample.addEventListener('click', () =>
    store.set({ noiseMode: 'random', noiseSeed: (store.get().noiseSeed + 1) % 100 }),
  );
  const stylegan = h('div', { class: 'controls' }, psi.el, noiseMode.el, noiseSeed.el, resample);

  store.watch(['psi'], (s) => psi.set(s.psi));
  store.watch(['noiseMode', 'noiseSeed'], (s) => {
    noiseMode.input.value = s.noiseMode;
    noiseSeed.set(s.noiseSeed);
    noiseSeed.el.classList.toggle('hidden', s.noiseMode !== 'random');
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
    if (!s.model || s.selectedSeed === null) return;
    const chosen = name.input.value.trim() || `seed${s.selectedSeed}`;
    try {
      const r = await api.saveLatent({
        model: s.model.name,
        seed: s.selectedSeed,
        name: chosen,
        space: s.model.architecture === 'stylegan2' ? (space.input.value as 'w+') : 'z',
        ...seedFields(s),
      });
      status.info(`saved ${r.path}`);
      store.set({ savedVersion: s.savedVersion + 1 });
    } catch (e) {
      status.error((e as Error).message);
    }
  });
  const saveRow = h('div', { class: 'row' }, name.el, space.el, save);

  store.watch(['model', 'selectedSeed', 'selectedFile', 'psi', 'noiseMode', 'noiseSeed'], (s) => {
    if (!s.model) return;
    const fromFile = s.selectedFile !== null;
    saveRow.classList.toggle('hidden', fromFile);
    stylegan.classList.toggle('hidden', fromFile || s.model.architecture !== 'stylegan2');
    space.el.classList.toggle('hidden', s.model.architecture !== 'stylegan2');
    if (fromFile) {
      title.textContent = `${s.model.name} · ${s.selectedFile}`;
      command.set('');
      void request((signal) =>
        api.render({ model: s.model!.name, latent: s.selectedFile!, scale: SCALE }, signal),
      );
      return;
    }
    if (s.selectedSeed === null) return;
    title.textContent = `${s.model.name} · seed ${s.selectedSeed}`;
    const body = { model: s.model.name, seed: s.selectedSeed, ...seedFields(s), scale: SCALE };
    void request((signal) => api.render(body, signal));
  });
  return panel('Latent', 'panel-latent', title, img, stylegan, saveRow, status.el, command.el).el;
}
