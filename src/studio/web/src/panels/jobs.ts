import { api, type JobRecord, watchJob } from '../api.js';
import { copyCommand, panel, progressBar, statusLine, textField } from '../components/controls.js';
import { clear, h } from '../dom.js';
import { parseSeeds } from '../ranges.js';
import { seedFields, type StudioStore } from '../state.js';

/** One job: state, live progress over SSE, cancel, result files and its CLI command. */
function jobRow(job: JobRecord, onEnd?: (job: JobRecord) => void): HTMLElement {
  const bar = progressBar();
  const state = h('span', { class: `badge ${job.state}`, 'data-testid': 'job-state' }, job.state);
  const cancel = h('button', { type: 'button', class: 'secondary', 'data-testid': 'job-cancel' }, 'cancel');
  const files = h('div', { class: 'job-files' });
  const command = copyCommand();
  const error = h('p', { class: 'status error' });
  const row = h(
    'div',
    { class: 'job', 'data-testid': 'job', dataset: { id: job.id } },
    h('div', { class: 'row' }, h('strong', {}, job.kind), state, cancel),
    bar.el,
    error,
    files,
    command.el,
  );
  cancel.addEventListener(
    'click',
    () => void api.cancelJob(job.id).catch((e: Error) => (error.textContent = e.message)),
  );
  const draw = (j: JobRecord) => {
    state.textContent = j.state;
    state.className = `badge ${j.state}`;
    cancel.hidden = !['queued', 'running'].includes(j.state);
    if (j.progress) bar.set(j.progress.step, j.progress.total, j.progress.message);
    if (j.state === 'done') bar.set(1, 1, j.progress?.message ?? 'done');
    error.textContent = j.error ?? '';
    command.set(j.command ?? '');
    const shown = (j.files ?? []).filter((f) => /(grid\.png|\.gif|\.mp4|\.webm)$/.test(f));
    clear(
      files,
      ...shown.map((f) =>
        /\.(mp4|webm)$/.test(f)
          ? h('video', {
              src: api.fileUrl(f),
              class: 'pixelated thumb',
              controls: true,
              loop: true,
              muted: true,
            })
          : h(
              'a',
              { href: api.fileUrl(f), target: '_blank' },
              h('img', { src: api.fileUrl(f), class: 'pixelated thumb', alt: f }),
            ),
      ),
    );
    if (j.files?.length)
      files.append(
        h(
          'span',
          { class: 'caption' },
          `${j.files.length} files in the workspace: ${j.files[0].split('/').slice(0, 2).join('/')}/`,
        ),
      );
  };
  draw(job);
  const ended = (j: JobRecord) => {
    draw(j);
    if (!['queued', 'running'].includes(j.state)) onEnd?.(j);
  };
  if (['queued', 'running'].includes(job.state))
    watchJob(job.id, { state: ended, progress: (p) => bar.set(p.step, p.total, p.message) });
  return row;
}

export interface JobsPanel {
  el: HTMLElement;
  /** Shows a job submitted elsewhere (an import, a projection); `onEnd` runs when it finishes. */
  add(job: JobRecord, onEnd?: (job: JobRecord) => void): void;
}

/** The job queue: start an image export of many seeds, watch every job's progress, cancel. */
export function jobsPanel(store: StudioStore): JobsPanel {
  const status = statusLine();
  const list = h('div', { class: 'jobs', 'data-testid': 'job-list' });
  const seeds = textField({ label: 'seeds', value: '0-255', testId: 'export-seeds' });
  const start = h('button', { type: 'button', 'data-testid': 'export-start' }, 'export images');
  start.addEventListener('click', async () => {
    const s = store.get();
    if (!s.model) return;
    try {
      const job = await api.submitJob('render-seeds', {
        model: s.model.name,
        seeds: parseSeeds(seeds.input.value, 2048),
        ...seedFields(s),
        scale: 1,
      });
      list.prepend(jobRow(job));
      status.clear();
    } catch (e) {
      status.error((e as Error).message);
    }
  });
  void api.jobs().then(
    (jobs) => list.append(...jobs.map((j) => jobRow(j))),
    (e: Error) => status.error(e.message),
  );
  const el = panel(
    'Jobs',
    'panel-jobs',
    h(
      'p',
      { class: 'hint' },
      'Long work runs in the server’s job queue; results are saved in the workspace and survive a restart.',
    ),
    h('div', { class: 'row' }, seeds.el, start),
    status.el,
    list,
  ).el;
  return { el, add: (job, onEnd) => list.prepend(jobRow(job, onEnd)) };
}
