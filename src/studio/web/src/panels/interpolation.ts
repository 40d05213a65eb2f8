import { api, type InterpolationRequest, type LatentRef, hasWSpace } from '../api.js';
import { copyCommand, panel, select, slider, statusLine } from '../components/controls.js';
import { imageRequests } from '../components/imageRequest.js';
import { clear, h } from '../dom.js';
import { currentRef, LAYER_CHOICES, seedFields, type StudioStore } from '../state.js';
import type { JobsPanel } from './jobs.js';

const refName = (r: LatentRef) =>
  r.seed !== undefined
    ? `seed ${r.seed}`
    : r
        .latent!.split('/')
        .pop()!
        .replace(/\.latent\.safetensors$/, '');

/** Keyframes (seeds or saved latents) -> a strip of frames between them, and a GIF export job. */
export function interpolationPanel(store: StudioStore, jobs: JobsPanel): HTMLElement {
  const status = statusLine();
  const command = copyCommand('interp-command');
  const keys: LatentRef[] = [];
  const chips = h('div', { class: 'chips', 'data-testid': 'interp-keys' });
  const img = h('img', {
    class: 'strip pixelated',
    alt: 'interpolation strip',
    'data-testid': 'interp-strip',
  });
  const steps = slider({
    label: 'frames / segment',
    min: 2,
    max: 32,
    step: 1,
    value: 8,
    testId: 'interp-steps',
    onInput: () => {},
  });
  const method = select<string>({
    label: 'method',
    value: '',
    testId: 'interp-method',
    options: [
      { value: '', text: 'default (slerp in z)' },
      { value: 'lerp', text: 'lerp' },
      { value: 'slerp', text: 'slerp' },
      { value: 'spline', text: 'spline' },
    ],
    onChange: () => {},
  });
  const layers = select<string>({
    label: 'move layers',
    value: 'all',
    testId: 'interp-layers',
    options: LAYER_CHOICES,
    onChange: () => {},
  });
  const loop = h('input', { type: 'checkbox', 'data-testid': 'interp-loop' });
  const add = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'interp-add' },
    'add the shown latent',
  );
  const preview = h('button', { type: 'button', 'data-testid': 'interp-preview' }, 'preview');
  const video = select<string>({
    label: 'export',
    value: 'none',
    testId: 'interp-video',
    options: [
      { value: 'none', text: 'GIF' },
      { value: 'mp4', text: 'GIF + MP4' },
      { value: 'webm', text: 'GIF + WebM' },
    ],
    onChange: () => {},
  });
  const gif = h('button', { type: 'button', 'data-testid': 'interp-gif' }, 'export');
  const request = imageRequests(
    img,
    (r) => (command.set(r.command), status.clear()),
    (e) => status.error(e.message),
  );

  const drawChips = () => {
    clear(
      chips,
      ...keys.map((k, i) => {
        const chip = h(
          'button',
          { type: 'button', class: 'chip secondary', title: 'remove' },
          `${refName(k)} ×`,
        );
        chip.addEventListener('click', () => (keys.splice(i, 1), drawChips()));
        return chip;
      }),
    );
    if (!keys.length) chips.append(h('span', { class: 'hint' }, 'add two or more keyframes'));
    preview.disabled = gif.disabled = keys.length < 2;
  };
  const body = (): InterpolationRequest | null => {
    const s = store.get();
    if (!s.model || keys.length < 2) return null;
    const sg2 = hasWSpace(s.model);
    return {
      model: s.model.name,
      keys: [...keys],
      steps: Number(steps.input.value),
      method: (method.input.value || undefined) as InterpolationRequest['method'],
      loop: loop.checked,
      layers: sg2 && layers.input.value !== 'all' ? layers.input.value : undefined,
      ...seedFields(s),
      scale: 2,
    };
  };
  add.addEventListener('click', () => {
    const ref = currentRef(store.get());
    if (ref && keys.length < 8) keys.push(ref);
    drawChips();
  });
  preview.addEventListener('click', () => {
    const b = body();
    if (b) void request((signal) => api.interpolate(b, signal));
  });
  gif.addEventListener('click', async () => {
    const b = body();
    if (!b) return;
    try {
      jobs.add(await api.submitJob('interpolate-gif', { ...b, scale: 4, fps: 12, video: video.input.value }));
      status.info('exporting (see Jobs)');
    } catch (e) {
      status.error((e as Error).message);
    }
  });
  store.watch(['model'], () => {
    keys.length = 0;
    drawChips();
    layers.el.classList.toggle('hidden', !hasWSpace(store.get().model));
  });
  return panel(
    'Interpolation',
    'panel-interp',
    h('div', { class: 'row' }, chips, add),
    h('div', { class: 'row' }, steps.el, method.el),
    h(
      'div',
      { class: 'row' },
      layers.el,
      h('label', { class: 'field' }, loop, h('span', {}, 'loop')),
      preview,
    ),
    h('div', { class: 'row' }, video.el, gif),
    img,
    status.el,
    command.el,
  ).el;
}
