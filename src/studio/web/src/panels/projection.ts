import { api, type JobRecord, type ModelSummary, watchJob } from '../api.js';
import { copyCommand, panel, progressBar, select, slider, statusLine } from '../components/controls.js';
import { lossChart } from '../components/lossChart.js';
import { sketchCanvas } from '../components/sketchCanvas.js';
import { clear, h } from '../dom.js';
import type { StudioStore } from '../state.js';
import { jobTitle } from './jobs.js';

const LIVE = ['queued', 'running'];
/** Cards of earlier projections shown on load (newest first). */
const RECENT = 3;

interface ProjectResult {
  loss: number;
  psnr?: number;
  ssim?: number;
  seconds: number;
}

const metricsText = (psnr?: number, ssim?: number) =>
  psnr === undefined ? '' : `PSNR ${psnr.toFixed(2)} dB · SSIM ${(ssim ?? 0).toFixed(3)}`;

/**
 * One projection job as a card: the target as the projection sees it, the live reconstruction, the loss
 * chart, PSNR/SSIM, its own progress, cancel and "edit the result"; it never looks at another job.
 */
function projectionCard(store: StudioStore, job: JobRecord, onEnd: (j: JobRecord) => void): HTMLElement {
  const p = job.params as { image: string; model: string; steps: number };
  const bar = progressBar();
  const chart = lossChart({ testId: 'card-chart', width: 280, height: 130 });
  chart.reset(p.steps);
  const state = h('span', { class: `badge ${job.state}`, 'data-testid': 'card-state' }, job.state);
  const target = h('img', {
    class: 'frame pixelated',
    alt: 'target as prepared',
    'data-testid': 'card-target',
  });
  const frame = h('img', { class: 'frame pixelated', alt: 'reconstruction', 'data-testid': 'card-frame' });
  const metrics = h('span', { class: 'metrics', 'data-testid': 'card-metrics' });
  const message = h('p', { class: 'status' });
  const cancel = h('button', { type: 'button', class: 'secondary', 'data-testid': 'card-cancel' }, 'cancel');
  const edit = h('button', { type: 'button', 'data-testid': 'card-edit' }, 'edit the result');
  const close = h(
    'button',
    {
      type: 'button',
      class: 'icon secondary',
      title: 'close this card (the job stays in Jobs)',
      'data-testid': 'card-close',
    },
    '×',
  );
  const command = copyCommand('card-command');
  command.set(job.command ?? '');
  const card = h(
    'article',
    { class: 'card', 'data-testid': 'project-card', dataset: { job: job.id, state: job.state } },
    h('header', {}, h('span', { class: 'job-title', title: jobTitle(job) }, jobTitle(job)), state, close),
    h(
      'div',
      { class: 'row frames' },
      h('figure', {}, target, h('figcaption', {}, 'target (as prepared)')),
      h('figure', {}, frame, h('figcaption', {}, 'reconstruction')),
      chart.el,
    ),
    bar.el,
    h('div', { class: 'row' }, metrics, cancel, edit),
    message,
    command.el,
  );
  void api.targetPreview(p.model, p.image).then(
    (r) => (target.src = r.url),
    (e: Error) => (message.textContent = `target: ${e.message}`),
  );
  const draw = (j: JobRecord) => {
    card.dataset.state = j.state;
    state.textContent = j.state;
    state.className = `badge ${j.state}`;
    cancel.hidden = !LIVE.includes(j.state);
    edit.hidden = j.state !== 'done';
    if (j.state === 'queued') bar.set(0, p.steps, 'queued (waits for the running job)');
    if (j.state === 'done') {
      const r = j.result as ProjectResult;
      frame.src = api.fileUrl(`jobs/${j.id}/projected.png`);
      bar.set(1, 1, `done: loss ${r.loss.toPrecision(4)} in ${r.seconds.toFixed(1)} s`);
      metrics.textContent = metricsText(r.psnr, r.ssim);
    } else if (!LIVE.includes(j.state)) {
      message.className = 'status error';
      message.textContent = `${j.state}${j.error ? `: ${j.error}` : ''}`;
    }
  };
  draw(job);
  // a card of a finished projection (after a reload) draws its whole loss history from loss.json
  const history = (j: JobRecord) => {
    if (j.state !== 'done' || chart.points() > 0) return;
    void fetch(api.fileUrl(`jobs/${j.id}/loss.json`))
      .then((r) => (r.ok ? (r.json() as Promise<{ history: number[] }>) : null))
      .then((l) => l?.history.forEach((loss, i) => chart.push(i + 1, loss)));
  };
  history(job);
  cancel.addEventListener('click', () => {
    cancel.disabled = true;
    void api.cancelJob(job.id).catch((e: Error) => (message.textContent = e.message));
  });
  edit.addEventListener('click', () =>
    store.set({
      selectedFile: `jobs/${job.id}/projected.latent.safetensors`,
      noiseResample: null,
      edits: [],
    }),
  );
  close.addEventListener('click', () => card.remove());
  if (LIVE.includes(job.state))
    watchJob(job.id, {
      progress: (pr) => {
        bar.set(pr.step, pr.total, `step ${pr.step}/${pr.total}`);
        if (typeof pr.loss === 'number') chart.push(pr.step, pr.loss);
        if (typeof pr.frame === 'string') frame.src = pr.frame;
        if (typeof pr.psnr === 'number') metrics.textContent = metricsText(pr.psnr, pr.ssim as number);
      },
      state: (j) => {
        draw(j);
        if (!LIVE.includes(j.state)) onEnd(j);
      },
    });
  return card;
}

/** Start options that exist for this model: W-space starts only with W, the encoder only when there is one. */
function initOptions(m: ModelSummary | null): { value: string; text: string }[] {
  if (m?.architecture === 'dcgan')
    return [
      { value: 'mean', text: 'z = 0 (the centre of the prior)' },
      { value: 'latent', text: 'the shown saved latent' },
    ];
  return [
    { value: 'mean', text: 'the mean w (NVIDIA)' },
    ...(m?.encoder ? [{ value: 'encoder', text: 'the encoder’s guess (W+)' }] : []),
    { value: 'latent', text: 'the shown saved latent' },
  ];
}

/**
 * Upload an image (or draw a sketch) -> projection jobs, each shown as its own card with live frames, the
 * loss chart and PSNR/SSIM; several can run or wait at once.
 */
export function projectionPanel(store: StudioStore): HTMLElement {
  const status = statusLine();
  const cards = h('div', { class: 'cards', 'data-testid': 'project-cards' });
  const file = h('input', {
    type: 'file',
    accept: 'image/png,image/jpeg,image/webp',
    'data-testid': 'project-file',
    'aria-label': 'image to project',
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
    options: initOptions(null),
    onChange: (v) => {
      if (v === 'encoder') space.input.value = 'w+';
    },
  });
  const steps = slider({
    label: 'steps',
    min: 10,
    max: 5000,
    step: 10,
    value: 200,
    testId: 'project-steps',
    onInput: () => {},
  });
  const start = h('button', { type: 'button', 'data-testid': 'project-start' }, 'project');

  store.watch(['model'], (s) => {
    const dcgan = s.model?.architecture === 'dcgan';
    space.input.value = dcgan ? 'z' : 'w';
    space.input.disabled = dcgan;
    loss.input.querySelector<HTMLOptionElement>('option[value="pixel+classifier"]')!.disabled =
      s.model?.channels !== 1;
    clear(init.input, ...initOptions(s.model).map((o) => h('option', { value: o.value }, o.text)));
    // cards of another model's projections stay (their jobs are theirs); earlier ones load once
  });

  const addCard = (job: JobRecord, first = true) => {
    const card = projectionCard(store, job, () => store.set({ savedVersion: store.get().savedVersion + 1 }));
    if (first) cards.prepend(card);
    else cards.append(card);
  };

  start.addEventListener('click', async () => {
    const s = store.get();
    if (!s.model) return;
    // busy only while uploading and submitting: more projections may queue behind a running one
    start.disabled = true;
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
      if (init.input.value === 'latent' && !s.selectedFile)
        return status.error('open a saved latent first (or start from another point)');
      const job = await api.submitJob('project', {
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
      });
      addCard(job);
      status.info(`projection ${job.id} ${job.state}`);
    } catch (e) {
      status.error((e as Error).message);
    } finally {
      start.disabled = false;
    }
  });

  void api.jobs().then(
    (jobs) => {
      for (const j of jobs.filter((x) => x.kind === 'project').slice(0, RECENT)) addCard(j, false);
    },
    (e: Error) => status.error(e.message),
  );

  return panel(
    'Projection',
    'panel-project',
    h('div', { class: 'row' }, source.el, file),
    sketch.el,
    h('div', { class: 'row' }, space.el, optimizer.el, loss.el),
    init.el,
    h('div', { class: 'row' }, steps.el, start),
    status.el,
    cards,
  ).el;
}
