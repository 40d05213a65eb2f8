import { api, type JobRecord, watchJob } from '../api.js';
import { copyCommand, panel, progressBar, statusLine, textField } from '../components/controls.js';
import { clear, h } from '../dom.js';
import { parseSeeds } from '../ranges.js';
import { seedFields, type StudioStore } from '../state.js';

const PAGE = 8;
const LIVE = ['queued', 'running'];
const METHOD_NAMES: Record<string, string> = {
  sefa: 'SeFa',
  ganspace: 'GANSpace',
  interfacegan: 'InterFaceGAN',
};

/** '0-3,7' from [0,1,2,3,7] (for titles only; commands come from the server). */
function seedRange(seeds: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < seeds.length;) {
    let j = i;
    while (j + 1 < seeds.length && seeds[j + 1] === seeds[j] + 1) j++;
    parts.push(j > i ? `${seeds[i]}-${seeds[j]}` : `${seeds[i]}`);
    i = j + 1;
  }
  const text = parts.join(',');
  return text.length > 24 ? `${text.slice(0, 22)}…` : text;
}

/** A title that tells jobs of one kind apart by what they were asked. */
export function jobTitle(j: JobRecord): string {
  const p = j.params as Record<string, unknown>;
  switch (j.kind) {
    case 'render-seeds': {
      const seeds = (p.seeds as number[]) ?? [];
      return `export · ${seeds.length} seeds (${seedRange(seeds)}) · ψ ${p.psi ?? 1}`;
    }
    case 'directions':
      return p.method === 'interfacegan'
        ? `directions · InterFaceGAN · classes · ${p.num} samples`
        : `directions · ${METHOD_NAMES[p.method as string] ?? p.method} · ${p.components} components · ${p.num} samples`;
    case 'project':
      return `projection · ${String(p.space).toUpperCase()} · ${p.optimizer === 'lbfgs' ? 'L-BFGS' : 'Adam'} · ${p.steps} steps · ${p.loss}${p.mask ? ' · sketch' : ''}`;
    case 'interpolate-gif':
      return `interpolation · ${(p.keys as unknown[]).length} keys × ${p.steps} frames · ${p.video && p.video !== 'none' ? `GIF + ${String(p.video).toUpperCase()}` : 'GIF'}`;
    case 'import-model':
      return `import · ${p.name}`;
    default:
      return j.kind;
  }
}

const when = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

interface JobRow {
  el: HTMLDetailsElement;
  draw(j: JobRecord): void;
}

/** One job, collapsible: title, state, progress over SSE, cancel/delete, thumbnails, links, a ZIP, its command. */
function jobRow(job: JobRecord, remove: (id: string) => void, onEnd?: (job: JobRecord) => void): JobRow {
  const bar = progressBar();
  const state = h('span', { class: `badge ${job.state}`, 'data-testid': 'job-state' }, job.state);
  const cancel = h('button', { type: 'button', class: 'secondary', 'data-testid': 'job-cancel' }, 'cancel');
  const del = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      'data-testid': 'job-delete',
      title: 'delete this job and its files',
    },
    'delete',
  );
  const files = h('div', { class: 'job-files', 'data-testid': 'job-files' });
  const command = copyCommand();
  const error = h('p', { class: 'status error' });
  const title = h(
    'span',
    { class: 'job-title', 'data-testid': 'job-title', title: jobTitle(job) },
    jobTitle(job),
  );
  const el = h(
    'details',
    {
      class: 'job',
      'data-testid': 'job',
      dataset: { id: job.id, kind: job.kind },
      open: LIVE.includes(job.state),
    },
    h('summary', {}, title, h('span', { class: 'job-when' }, when(job.createdAt)), state),
    h(
      'div',
      { class: 'job-body' },
      bar.el,
      error,
      files,
      h('div', { class: 'row' }, cancel, del),
      command.el,
    ),
  );
  cancel.addEventListener(
    'click',
    () => void api.cancelJob(job.id).catch((e: Error) => (error.textContent = e.message)),
  );
  del.addEventListener(
    'click',
    () =>
      void api.deleteJob(job.id).then(
        () => remove(job.id),
        (e: Error) => (error.textContent = e.message),
      ),
  );
  const draw = (j: JobRecord) => {
    state.textContent = j.state;
    state.className = `badge ${j.state}`;
    cancel.hidden = !LIVE.includes(j.state);
    del.hidden = LIVE.includes(j.state);
    if (j.progress) bar.set(j.progress.step, j.progress.total, j.progress.message);
    if (j.state === 'done') bar.set(1, 1, j.progress?.message ?? 'done');
    bar.el.hidden = !LIVE.includes(j.state) && j.state !== 'done';
    const result = (j.result ?? {}) as { videoError?: string | null; images?: number; gridImages?: number };
    error.textContent = [j.error, result.videoError].filter(Boolean).join(' — ');
    command.set(j.command ?? '');
    const all = j.files ?? [];
    const shown = all.filter((f) => /(grid\.png|projected\.png|\.gif|\.mp4|\.webm)$/.test(f));
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
              { href: api.fileUrl(f), target: '_blank', title: f },
              h('img', { src: api.fileUrl(f), class: 'pixelated thumb', alt: f.split('/').pop() }),
            ),
      ),
    );
    if (result.gridImages && result.images && result.gridImages < result.images)
      files.append(
        h('span', { class: 'caption' }, `grid: the first ${result.gridImages} of ${result.images} images`),
      );
    if (all.length) {
      const links = all
        .slice(0, 6)
        .map((f) =>
          h(
            'a',
            { href: api.fileUrl(f), target: '_blank', download: f.split('/').pop() },
            f.split('/').pop(),
          ),
        );
      files.append(
        h(
          'div',
          { class: 'job-links' },
          h(
            'a',
            { href: api.jobZipUrl(j.id), download: '', class: 'zip', 'data-testid': 'job-zip' },
            `⬇ all ${all.length} files (zip)`,
          ),
          ...links,
          all.length > links.length
            ? h(
                'span',
                { class: 'caption' },
                `… ${all.length - links.length} more in ${all[0].split('/').slice(0, 2).join('/')}/`,
              )
            : null,
        ),
      );
    }
  };
  draw(job);
  if (LIVE.includes(job.state))
    watchJob(job.id, {
      state: (j) => {
        draw(j);
        if (!LIVE.includes(j.state)) {
          el.open = j.state !== 'done' || el.open;
          onEnd?.(j);
        }
      },
      progress: (p) => bar.set(p.step, p.total, p.message),
    });
  return { el, draw };
}

export interface JobsPanel {
  el: HTMLElement;
  /** Shows a job submitted elsewhere (an import, a projection); `onEnd` runs when it finishes. */
  add(job: JobRecord, onEnd?: (job: JobRecord) => void): void;
}

/** The job queue: an image export of many seeds, every job paged and collapsible, cancel, delete, clear. */
export function jobsPanel(store: StudioStore): JobsPanel {
  const status = statusLine();
  const list = h('div', { class: 'jobs', 'data-testid': 'job-list' });
  const pager = h('div', { class: 'row pager', 'data-testid': 'job-pager' });
  const records: JobRecord[] = [];
  const rows = new Map<string, JobRow>();
  let page = 0;

  const remove = (id: string) => {
    const i = records.findIndex((r) => r.id === id);
    if (i >= 0) records.splice(i, 1);
    rows.delete(id);
    draw();
  };
  const rowOf = (j: JobRecord, onEnd?: (job: JobRecord) => void) => {
    let r = rows.get(j.id);
    if (!r) {
      r = jobRow(j, remove, (done) => {
        const at = records.findIndex((x) => x.id === done.id);
        if (at >= 0) records[at] = done;
        onEnd?.(done);
      });
      rows.set(j.id, r);
    }
    return r;
  };
  const draw = () => {
    const pages = Math.max(1, Math.ceil(records.length / PAGE));
    page = Math.min(page, pages - 1);
    clear(list, ...records.slice(page * PAGE, (page + 1) * PAGE).map((j) => rowOf(j).el));
    if (!records.length) list.append(h('span', { class: 'hint' }, 'no jobs yet'));
    const prev = h(
      'button',
      { type: 'button', class: 'secondary', disabled: page === 0, 'data-testid': 'jobs-prev' },
      '‹ newer',
    );
    const next = h(
      'button',
      { type: 'button', class: 'secondary', disabled: page >= pages - 1, 'data-testid': 'jobs-next' },
      'older ›',
    );
    prev.addEventListener('click', () => ((page -= 1), draw()));
    next.addEventListener('click', () => ((page += 1), draw()));
    const from = records.length ? page * PAGE + 1 : 0;
    const to = Math.min(records.length, (page + 1) * PAGE);
    clear(
      pager,
      prev,
      h('span', { class: 'caption' }, `${from}–${to} of ${records.length}`),
      next,
      clearDone,
    );
  };
  const clearDone = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      'data-testid': 'jobs-clear',
      title: 'delete every finished job and its files',
    },
    'clear finished',
  );
  clearDone.addEventListener('click', async () => {
    try {
      const { removed } = await api.clearJobs();
      for (const id of removed) remove(id);
      status.info(`deleted ${removed.length} finished job(s)`);
    } catch (e) {
      status.error((e as Error).message);
    }
  });

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
      add(job);
      status.clear();
    } catch (e) {
      status.error((e as Error).message);
    }
  });
  const add = (job: JobRecord, onEnd?: (job: JobRecord) => void) => {
    records.unshift(job);
    rowOf(job, onEnd);
    page = 0;
    draw();
  };
  draw();
  void api.jobs().then(
    (jobs) => {
      for (const j of jobs) if (!rows.has(j.id)) records.push(j);
      draw();
    },
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
    pager,
    list,
  ).el;
  return { el, add };
}
