import { api, type Capabilities, type InterpolateRequest, type LatentRef, hasWSpace } from '../api.js';
import { copyCommand, panel, select, slider, statusLine } from '../components/controls.js';
import { clear, h } from '../dom.js';
import { currentRef, layerChoices, refName, seedFields, type StudioStore } from '../state.js';
import type { JobsPanel } from './jobs.js';

const MAX_KEYS = 8;
const FORMAT_TEXT = { gif: 'GIF', mp4: 'GIF + MP4', webm: 'GIF + WebM' } as const;

/**
 * Keyframes (the shown latent, saved latents) with thumbnails, reordered with arrows or by dragging ->
 * a strip of frames between them, played back in the page; an export job (GIF, plus MP4/WebM only when
 * the server has ffmpeg).
 */
export function interpolationPanel(store: StudioStore, jobs: JobsPanel, caps: Capabilities): HTMLElement {
  const status = statusLine();
  const command = copyCommand('interp-command');
  const keysEl = h('ol', { class: 'keyframes', 'data-testid': 'interp-keys' });
  const stripImg = h('img', {
    class: 'strip pixelated',
    alt: 'interpolation strip',
    'data-testid': 'interp-strip',
  });
  const player = h('canvas', {
    class: 'player pixelated',
    width: '128',
    height: '128',
    'data-testid': 'interp-player',
  });
  const play = h('button', { type: 'button', class: 'secondary', 'data-testid': 'interp-play' }, '▶ play');
  const fps = slider({
    label: 'fps',
    min: 2,
    max: 30,
    step: 1,
    value: 12,
    testId: 'interp-fps',
    onInput: () => {},
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
  const layers = h('select', { 'data-testid': 'interp-layers', 'aria-label': 'move layers' });
  const loop = h('input', { type: 'checkbox', 'data-testid': 'interp-loop' });
  const add = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'interp-add' },
    '+ shown latent',
  );
  const addSaved = h('select', { 'data-testid': 'interp-add-saved', 'aria-label': 'add a saved latent' });
  const preview = h('button', { type: 'button', 'data-testid': 'interp-preview' }, 'preview');
  const video = select<string>({
    label: 'export',
    value: 'none',
    testId: 'interp-video',
    options: caps.videoFormats.map((f) => ({ value: f === 'gif' ? 'none' : f, text: FORMAT_TEXT[f] })),
    onChange: () => {},
  });
  const gif = h('button', { type: 'button', 'data-testid': 'interp-gif' }, 'export');
  const noVideo = caps.ffmpeg ? null : h('span', { class: 'hint' }, 'MP4/WebM need ffmpeg on the server');

  const thumbs = new Map<string, string>();
  const thumbOf = (k: LatentRef, img: HTMLImageElement) => {
    const model = store.get().model;
    if (!model) return;
    if (k.latent?.startsWith('latents/')) {
      img.src = api.fileUrl(k.latent.replace(/\.latent\.safetensors$/, '.png'));
      return;
    }
    const key = JSON.stringify([model.name, k, store.get().psi]);
    const known = thumbs.get(key);
    if (known) return void (img.src = known);
    void api.render({ model: model.name, ...k, ...seedFields(store.get()), scale: 2 }).then(
      (r) => {
        thumbs.set(key, r.url);
        img.src = r.url;
      },
      (e: Error) => status.error(e.message),
    );
  };
  const setKeys = (keys: LatentRef[]) => store.set({ keyframes: keys });
  let dragFrom = -1;
  const drawKeys = () => {
    const keys = store.get().keyframes;
    clear(
      keysEl,
      ...keys.map((k, i) => {
        const img = h('img', { class: 'pixelated', alt: refName(k) });
        thumbOf(k, img);
        const move = (d: number) => {
          const next = [...keys];
          [next[i], next[i + d]] = [next[i + d], next[i]];
          setKeys(next);
        };
        const left = h(
          'button',
          {
            type: 'button',
            class: 'icon secondary',
            title: 'earlier',
            disabled: i === 0,
            'data-testid': 'key-left',
          },
          '‹',
        );
        const right = h(
          'button',
          {
            type: 'button',
            class: 'icon secondary',
            title: 'later',
            disabled: i === keys.length - 1,
            'data-testid': 'key-right',
          },
          '›',
        );
        const remove = h(
          'button',
          { type: 'button', class: 'icon secondary', title: 'remove', 'data-testid': 'key-remove' },
          '×',
        );
        left.addEventListener('click', () => move(-1));
        right.addEventListener('click', () => move(1));
        remove.addEventListener('click', () => setKeys(keys.filter((_, j) => j !== i)));
        const li = h(
          'li',
          { class: 'keyframe', draggable: 'true', 'data-testid': 'keyframe', title: 'drag to reorder' },
          img,
          h('span', { class: 'caption' }, `${i + 1}. ${refName(k)}`),
          h('div', { class: 'key-actions' }, left, remove, right),
        );
        li.addEventListener('dragstart', () => (dragFrom = i));
        li.addEventListener('dragover', (e) => e.preventDefault());
        li.addEventListener('drop', (e) => {
          e.preventDefault();
          if (dragFrom < 0 || dragFrom === i) return;
          const next = [...keys];
          const [moved] = next.splice(dragFrom, 1);
          next.splice(i, 0, moved);
          dragFrom = -1;
          setKeys(next);
        });
        return li;
      }),
    );
    if (!keys.length) keysEl.append(h('li', { class: 'hint' }, 'add two or more keyframes'));
    preview.disabled = gif.disabled = keys.length < 2;
    add.disabled = keys.length >= MAX_KEYS;
  };

  // playback: the strip's frames drawn one after another on a canvas
  let frames: { img: HTMLImageElement; n: number } | null = null;
  let raf = 0;
  let playing = false;
  const stop = () => {
    playing = false;
    cancelAnimationFrame(raf);
    play.textContent = '▶ play';
  };
  const start = () => {
    if (!frames) return;
    playing = true;
    play.textContent = '❚❚ pause';
    const { img, n } = frames;
    const cols = Math.min(n, 16);
    const gap = 2;
    const cw = (img.naturalWidth - gap * (cols - 1)) / cols;
    // a strip in one row carries the keyframe labels (K0, K1, ...) in a band above the frames
    const rows = Math.ceil(n / cols);
    const top = img.naturalHeight - (rows * cw + (rows - 1) * gap);
    player.width = player.height = cw;
    const ctx = player.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    const t0 = performance.now();
    const tick = () => {
      if (!playing) return;
      const i = Math.floor(((performance.now() - t0) / 1000) * Number(fps.input.value)) % n;
      if (player.dataset.frame !== String(i)) {
        ctx.drawImage(
          img,
          (i % cols) * (cw + gap),
          top + Math.floor(i / cols) * (cw + gap),
          cw,
          cw,
          0,
          0,
          cw,
          cw,
        );
        player.dataset.frame = String(i);
        player.dataset.shown = String(Number(player.dataset.shown ?? '0') + 1);
      }
      raf = requestAnimationFrame(tick);
    };
    tick();
  };
  play.addEventListener('click', () => (playing ? stop() : start()));
  play.disabled = true;
  const playerRow = h(
    'div',
    { class: 'row player-row', hidden: true },
    player,
    h('div', { class: 'controls' }, play, fps.el),
  );

  let controller: AbortController | null = null;
  let shownUrl: string | null = null;
  const body = (): InterpolateRequest | null => {
    const s = store.get();
    if (!s.model || s.keyframes.length < 2) return null;
    const sg2 = hasWSpace(s.model);
    return {
      model: s.model.name,
      keys: [...s.keyframes],
      steps: Number(steps.input.value),
      method: (method.input.value || undefined) as InterpolateRequest['method'],
      loop: loop.checked,
      layers: sg2 && layers.value !== 'all' ? layers.value : undefined,
      ...seedFields(s),
      scale: 2,
    };
  };
  add.addEventListener('click', () => {
    const ref = currentRef(store.get());
    const keys = store.get().keyframes;
    if (ref && keys.length < MAX_KEYS) setKeys([...keys, ref]);
  });
  addSaved.addEventListener('change', () => {
    const keys = store.get().keyframes;
    if (addSaved.value && keys.length < MAX_KEYS) setKeys([...keys, { latent: addSaved.value }]);
    addSaved.value = '';
  });
  preview.addEventListener('click', async () => {
    const b = body();
    if (!b) return;
    controller?.abort();
    const c = new AbortController();
    controller = c;
    stop();
    status.info('rendering the path…');
    try {
      const r = await api.interpolate(b, c.signal);
      if (c.signal.aborted) return URL.revokeObjectURL(r.url);
      await new Promise<void>((resolve) => {
        stripImg.onload = () => resolve();
        stripImg.onerror = () => resolve();
        stripImg.src = r.url;
      });
      if (shownUrl) URL.revokeObjectURL(shownUrl);
      shownUrl = r.url;
      stripImg.dataset.version = String(Number(stripImg.dataset.version ?? '0') + 1);
      command.set(r.command);
      frames = { img: stripImg, n: r.frames ?? 1 };
      play.disabled = false;
      playerRow.hidden = false;
      status.info(`${r.frames} frames`);
      start();
    } catch (e) {
      if (!c.signal.aborted) status.error((e as Error).message);
    }
  });
  gif.addEventListener('click', async () => {
    const b = body();
    if (!b) return;
    try {
      const job = await api.submitJob('interpolate-gif', {
        ...b,
        scale: 4,
        fps: Number(fps.input.value),
        video: video.input.value,
      });
      jobs.add(job, (j) => {
        const r = j.result as { videoError?: string | null } | undefined;
        if (j.state !== 'done') status.error(`export ${j.state}: ${j.error ?? ''}`);
        else if (r?.videoError) status.error(`GIF saved; ${r.videoError}`);
        else status.info(`export done (job ${j.id})`);
      });
      status.info(`exporting: job ${job.id} (in Jobs)`);
    } catch (e) {
      status.error((e as Error).message);
    }
  });
  store.watch(['model'], (s) => {
    setKeys([]);
    stop();
    frames = null;
    play.disabled = true;
    playerRow.hidden = true;
    const choices = layerChoices(s.model);
    clear(layers, ...choices.map((c) => h('option', { value: c.value }, c.text)));
    layers.parentElement?.classList.toggle('hidden', !choices.length);
  });
  store.watch(['keyframes'], drawKeys);
  store.watch(['model', 'savedVersion'], (s) => {
    void api.latents().then((all) => {
      const mine = all.filter((l) => !l.error && l.model === s.model?.name);
      clear(
        addSaved,
        h('option', { value: '' }, mine.length ? '+ saved latent…' : 'no saved latents'),
        ...mine.map((l) => h('option', { value: l.path }, refName({ latent: l.path }))),
      );
    });
  });
  return panel(
    'Interpolation',
    'panel-interp',
    keysEl,
    h('div', { class: 'row' }, add, addSaved),
    h('div', { class: 'row' }, steps.el, method.el),
    h(
      'div',
      { class: 'row' },
      h('label', { class: 'field' }, h('span', { class: 'label' }, 'move layers'), layers),
      h('label', { class: 'field' }, loop, h('span', {}, 'loop')),
      preview,
    ),
    playerRow,
    stripImg,
    h('div', { class: 'row' }, video.el, gif, noVideo),
    status.el,
    command.el,
  ).el;
}
