import { LATENT_VIEW_KEYS } from '../history.js';
import { api, type NoiseMode, hasWSpace } from '../api.js';
import { copyCommand, panel, select, slider, statusLine, textField } from '../components/controls.js';
import { imageRequests } from '../components/imageRequest.js';
import { clear, h } from '../dom.js';
import type { History } from '../history.js';
import { layerChoices, refName, renderRequest, type StudioStore } from '../state.js';

const SCALE = 8;
/** Names the server accepts for a saved latent (checked here first, so the message comes at once). */
const LATENT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;

/**
 * The selected latent, large: its own truncation, noise controls, undo/redo of everything done to it,
 * an A/B comparison with a pinned latent, saving, and its CLI command (from the server).
 */
export function latentViewPanel(store: StudioStore, history: History): HTMLElement {
  const status = statusLine();
  const command = copyCommand('latent-command');
  const img = h('img', { class: 'latent pixelated', alt: 'selected latent', 'data-testid': 'latent-image' });
  const imgA = h('img', {
    class: 'latent pixelated',
    alt: 'pinned latent A',
    'data-testid': 'compare-image',
  });
  const title = h('p', { class: 'latent-title', 'data-testid': 'latent-title' }, 'pick a seed in the grid');
  const titleA = h('figcaption', { 'data-testid': 'compare-title' }, 'A');
  const request = imageRequests(
    img,
    (r) => command.set(r.command),
    (e) => status.error(e.message),
  );
  const requestA = imageRequests(
    imgA,
    () => {},
    (e) => status.error(e.message),
  );

  const psi = slider({
    label: 'truncation ψ',
    min: 0,
    max: 1.5,
    step: 0.05,
    value: store.get().latentPsi,
    testId: 'latent-psi',
    format: (v) => v.toFixed(2),
    onInput: (v) => store.set({ latentPsi: v }),
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
  const noiseLayers = h('select', { 'data-testid': 'noise-layers', 'aria-label': 'resample noise in' });
  const resample = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'noise-resample' },
    'resample noise',
  );
  resample.addEventListener('click', () =>
    store.set({
      noiseResample: { layers: noiseLayers.value, seed: (store.get().noiseResample?.seed ?? 0) + 1 },
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
    h('div', { class: 'row' }, noiseMode.el, noiseSeed.el),
    h(
      'div',
      { class: 'row' },
      h('label', { class: 'field' }, h('span', { class: 'label' }, 'noise in'), noiseLayers),
      resample,
      keepNoise,
    ),
  );

  // undo / redo (also Ctrl+Z, Ctrl+Shift+Z / Ctrl+Y outside text fields)
  const undo = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'undo', title: 'undo (Ctrl+Z)' },
    '↶ undo',
  );
  const redo = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'redo', title: 'redo (Ctrl+Shift+Z)' },
    '↷ redo',
  );
  undo.addEventListener('click', () => history.undo());
  redo.addEventListener('click', () => history.redo());
  const syncHistory = () => {
    undo.disabled = !history.canUndo();
    redo.disabled = !history.canRedo();
  };
  history.onChange(syncHistory);
  syncHistory();
  document.addEventListener('keydown', (e) => {
    if (!(e.ctrlKey || e.metaKey)) return;
    const t = e.target as HTMLElement;
    if (t.tagName === 'TEXTAREA' || (t.tagName === 'INPUT' && (t as HTMLInputElement).type === 'text'))
      return;
    const key = e.key.toLowerCase();
    if (key === 'z' && !e.shiftKey) history.undo();
    else if ((key === 'z' && e.shiftKey) || key === 'y') history.redo();
    else return;
    e.preventDefault();
  });

  // A/B: pin the shown latent as A, keep editing B beside it
  const pin = h('button', { type: 'button', class: 'secondary', 'data-testid': 'compare-pin' }, 'pin as A');
  const swap = h('button', { type: 'button', class: 'secondary', 'data-testid': 'compare-swap' }, 'swap A/B');
  const unpin = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'compare-clear' },
    'close A',
  );
  pin.addEventListener('click', () => store.set({ compare: renderRequest(store.get()) }));
  unpin.addEventListener('click', () => store.set({ compare: null }));
  swap.addEventListener('click', () => {
    const s = store.get();
    const a = s.compare;
    if (!a) return;
    store.set({
      compare: renderRequest(s),
      selectedSeed: a.seed ?? s.selectedSeed,
      selectedFile: a.latent ?? null,
      latentPsi: a.psi ?? s.latentPsi,
      noiseResample: a.resampleNoise ?? null,
      edits: a.edits ?? [],
    });
  });
  const figA = h('figure', { class: 'compare-a' }, imgA, titleA);
  const captionB = h('figcaption', { hidden: true }, 'B (shown)');
  const figB = h('figure', {}, img, captionB);
  const views = h('div', { class: 'latent-views' }, figA, figB);

  store.watch(['latentPsi'], (s) => psi.set(s.latentPsi));
  store.watch(['noiseMode', 'noiseSeed'], (s) => {
    noiseMode.input.value = s.noiseMode;
    noiseSeed.set(s.noiseSeed);
  });
  store.watch(['model'], (s) => {
    const choices = layerChoices(s.model);
    clear(
      noiseLayers,
      ...choices.map((c) => h('option', { value: c.value, selected: c.value === 'fine' }, c.text)),
    );
  });
  store.watch(['compare'], (s) => {
    const a = s.compare;
    views.classList.toggle('comparing', !!a);
    figA.hidden = captionB.hidden = !a;
    swap.hidden = unpin.hidden = !a;
    if (!a) return;
    titleA.textContent = `A: ${refName(a)}${a.edits?.length ? ` · ${a.edits.length} edit(s)` : ''}`;
    void requestA((signal) => api.render({ ...a, scale: SCALE }, signal));
  });

  // save the shown latent (its codes after truncation, edits and noise) to the workspace
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
    if (!LATENT_NAME.test(chosen))
      return status.error(
        `name '${chosen}': use letters, digits, '-', '_' and '.' only (no spaces), at most 100 characters`,
      );
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
    ['model', ...LATENT_VIEW_KEYS],
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
  return panel(
    'Latent',
    'panel-latent',
    title,
    views,
    h('div', { class: 'row' }, undo, redo, pin, swap, unpin),
    stylegan,
    saveRow,
    status.el,
    command.el,
  ).el;
}
