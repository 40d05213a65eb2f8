import { api, type JobRecord, watchJob } from '../api.js';
import { copyCommand, panel, progressBar, select, slider, statusLine } from '../components/controls.js';
import { lossChart } from '../components/lossChart.js';
import { sketchCanvas } from '../components/sketchCanvas.js';
import { h } from '../dom.js';
import type { StudioStore } from '../state.js';

/**
 * Upload an image (or draw a sketch) -> live projection into the model's latent space: reconstruction
 * frames and the loss chart arrive over SSE while it runs; the result opens in the latent view to edit.
 */
export function projectionPanel(store: StudioStore): HTMLElement {
  const status = statusLine();
  const command = copyCommand('project-command');
  const bar = progressBar();
  const chart = lossChart({ testId: 'project-chart' });
  const frame = h('img', { class: 'frame pixelated', alt: 'reconstruction', 'data-testid': 'project-frame' });
  const targetView = h('img', { class: 'frame pixelated', alt: 'target' });
  const file = h('input', {
    type: 'file',
    accept: 'image/png,image/jpeg,image/webp',
    'data-testid': 'project-file',
  });
  const sketch = sketchCanvas({ testId: 'sketch' });
  const source = select<'upload' | 'sketch'>({
    label: 'target',
    value: 'upload',
    testId: 'project-source',
    options: [
      { value: 'upload', text: 'an uploaded image' },
      { value: 'sketch', text: 'a sketch (masked, with the L2 prior)' },
    ],
    onChange: (v) => {
      file.classList.toggle('hidden', v !== 'upload');
      sketch.el.classList.toggle('hidden', v !== 'sketch');
    },
  });
  sketch.el.classList.add('hidden');
  const space = select<string>({
    label: 'space',
    value: 'w',
    testId: 'project-space',
    options: [
      { value: 'w', text: 'W' },
      { value: 'w+', text: 'W+' },
      { value: 'z', text: 'z' },
    ],
    onChange: () => {},
  });
  const optimizer = select<string>({
    label: 'optimiser',
    value: 'adam',
    testId: 'project-optimizer',
    options: [
      { value: 'adam', text: 'Adam (NVIDIA schedule)' },
      { value: 'lbfgs', text: 'L-BFGS' },
    ],
    onChange: () => {},
  });
  const loss = select<string>({
    label: 'loss',
    value: 'pixel',
    testId: 'project-loss',
    options: [
      { value: 'pixel', text: 'pixel MSE' },
      { value: 'pixel+classifier', text: '+ classifier features' },
      { value: 'pixel+discriminator', text: '+ discriminator features' },
    ],
    onChange: () => {},
  });
  const init = select<string>({
    label: 'start from',
    value: 'mean',
    testId: 'project-init',
    options: [
      { value: 'mean', text: 'the mean w (NVIDIA)' },
      { value: 'encoder', text: 'the encoder’s guess (W+)' },
      { value: 'latent', text: 'the shown saved latent' },
    ],
    onChange: (v) => {
      if (v === 'encoder') space.input.value = 'w+';
    },
  });
  const steps = slider({
    label: 'steps',
    min: 10,
    max: 1000,
    step: 10,
    value: 200,
    testId: 'project-steps',
    onInput: () => {},
  });
  const start = h('button', { type: 'button', 'data-testid': 'project-start' }, 'project');
  const cancel = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'project-cancel' },
    'cancel',
  );
  const edit = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'project-edit' },
    'edit the result',
  );
  cancel.hidden = edit.hidden = true;
  let job: JobRecord | null = null;

  store.watch(['model'], (s) => {
    const dcgan = s.model?.architecture === 'dcgan';
    space.input.value = dcgan ? 'z' : 'w';
    space.input.disabled = dcgan;
    loss.input.querySelector<HTMLOptionElement>('option[value="pixel+classifier"]')!.disabled =
      s.model?.channels !== 1;
  });

  start.addEventListener('click', async () => {
    const s = store.get();
    if (!s.model) return;
    try {
      let image: string;
      let mask: string | undefined;
      if (source.input.value === 'sketch') {
        if (sketch.isEmpty()) return status.error('draw something first');
        const blobs = await sketch.toBlobs();
        image = (await api.uploadImage(blobs.image, 'sketch.png')).path;
        mask = (await api.uploadImage(blobs.mask, 'mask.png')).path;
      } else {
        const f = file.files?.[0];
        if (!f) return status.error('choose an image first');
        image = (await api.uploadImage(f, f.name)).path;
      }
      targetView.src = api.fileUrl(image);
      const params = {
        model: s.model.name,
        image,
        mask,
        space: space.input.value,
        optimizer: optimizer.input.value,
        steps: Number(steps.input.value),
        loss: loss.input.value,
        prior: mask ? 0.01 : 0,
        init: init.input.value,
        initLatent: init.input.value === 'latent' ? (s.selectedFile ?? undefined) : undefined,
      };
      job = await api.submitJob('project', params);
      command.set(job.command ?? '');
      chart.reset();
      bar.set(0, params.steps, 'queued');
      cancel.hidden = false;
      edit.hidden = true;
      status.info('projecting…');
      watchJob(job.id, {
        progress: (p) => {
          bar.set(p.step, p.total, `step ${p.step}/${p.total}`);
          if (typeof p.loss === 'number') chart.push(p.step, p.loss);
          if (typeof p.frame === 'string') frame.src = p.frame;
        },
        state: (j) => {
          job = j;
          if (j.state === 'running' || j.state === 'queued') return;
          cancel.hidden = true;
          if (j.state !== 'done')
            return status.error(`projection ${j.state}${j.error ? `: ${j.error}` : ''}`);
          frame.src = api.fileUrl(`jobs/${j.id}/projected.png`);
          edit.hidden = false;
          status.info(
            `done: loss ${(j.result as { loss: number }).loss.toPrecision(4)} in ${(j.result as { seconds: number }).seconds.toFixed(1)} s`,
          );
        },
      });
    } catch (e) {
      status.error((e as Error).message);
    }
  });
  cancel.addEventListener('click', () => job && void api.cancelJob(job.id));
  edit.addEventListener(
    'click',
    () =>
      job && store.set({ selectedFile: `jobs/${job.id}/projected.latent.safetensors`, noiseResample: null }),
  );

  return panel(
    'Projection',
    'panel-project',
    h('div', { class: 'row' }, source.el, file),
    sketch.el,
    h('div', { class: 'row' }, space.el, optimizer.el, loss.el),
    init.el,
    h('div', { class: 'row' }, steps.el, start, cancel),
    bar.el,
    h(
      'div',
      { class: 'row frames' },
      h('figure', {}, targetView, h('figcaption', {}, 'target')),
      h('figure', {}, frame, h('figcaption', {}, 'reconstruction')),
      chart.el,
    ),
    h('div', { class: 'row' }, edit),
    status.el,
    command.el,
  ).el;
}
