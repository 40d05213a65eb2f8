import { api, type JobRecord, type SavedLatent } from '../api.js';
import { panel, statusLine } from '../components/controls.js';
import { clear, h } from '../dom.js';
import { refName, type StudioStore } from '../state.js';

const LATENT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;

/**
 * The latents saved in the workspace for the current model, and the results of finished projections:
 * open one in the latent view, add it as a keyframe, rename or delete it.
 */
export function savedLatentsPanel(store: StudioStore): HTMLElement {
  const status = statusLine();
  const list = h('div', { class: 'saved', 'data-testid': 'saved-latents' });
  const projections = h('div', { class: 'saved', 'data-testid': 'saved-projections' });

  const item = (opts: {
    path: string;
    image?: string;
    title: string;
    testId: string;
    actions: HTMLElement[];
  }) => {
    const open = h(
      'button',
      {
        type: 'button',
        class: 'saved-open secondary',
        title: `open ${opts.title}`,
        'data-testid': `${opts.testId}-open`,
      },
      opts.image
        ? h('img', {
            src: `${api.fileUrl(opts.image)}?v=${store.get().savedVersion}`,
            class: 'pixelated thumb',
            alt: '',
          })
        : null,
    );
    open.addEventListener('click', () =>
      store.set({ selectedFile: opts.path, edits: [], noiseResample: null }),
    );
    const key = h(
      'button',
      {
        type: 'button',
        class: 'icon secondary',
        title: 'add as an interpolation keyframe',
        'data-testid': 'saved-keyframe',
      },
      '+key',
    );
    key.addEventListener('click', () => {
      const keys = store.get().keyframes;
      if (keys.length < 8) store.set({ keyframes: [...keys, { latent: opts.path }] });
    });
    return h(
      'div',
      { class: 'saved-latent', 'data-testid': opts.testId, dataset: { path: opts.path } },
      open,
      h('span', { class: 'caption' }, opts.title),
      h('div', { class: 'key-actions' }, key, ...opts.actions),
    );
  };

  const latentItem = (l: SavedLatent) => {
    const name = refName({ latent: l.path });
    const rename = h(
      'button',
      { type: 'button', class: 'icon secondary', title: 'rename', 'data-testid': 'saved-rename' },
      '✎',
    );
    const del = h(
      'button',
      { type: 'button', class: 'icon secondary', title: 'delete', 'data-testid': 'saved-delete' },
      '🗑',
    );
    const el = item({
      path: l.path,
      image: l.image,
      title: name,
      testId: 'saved-latent',
      actions: [rename, del],
    });
    rename.addEventListener('click', () => {
      const input = h('input', {
        type: 'text',
        value: name,
        class: 'rename',
        'data-testid': 'saved-rename-input',
        'aria-label': 'new name',
      });
      const caption = el.querySelector('.caption')!;
      caption.replaceWith(input);
      input.focus();
      input.select();
      let done = false;
      const finish = async (commit: boolean) => {
        if (done) return;
        done = true;
        const v = input.value.trim();
        if (!commit || v === name || !v) return input.replaceWith(caption);
        if (!LATENT_NAME.test(v)) {
          status.error(`name '${v}': use letters, digits, '-', '_' and '.' only (no spaces)`);
          return input.replaceWith(caption);
        }
        try {
          const r = await api.renameLatent(l.path, v);
          const s = store.get();
          store.set({
            savedVersion: s.savedVersion + 1,
            ...(s.selectedFile === l.path ? { selectedFile: r.path } : {}),
            keyframes: s.keyframes.map((k) => (k.latent === l.path ? { latent: r.path } : k)),
          });
          status.info(`renamed to ${r.path}`);
        } catch (e) {
          status.error((e as Error).message);
          input.replaceWith(caption);
        }
      };
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') void finish(true);
        if (e.key === 'Escape') void finish(false);
      });
      input.addEventListener('blur', () => void finish(true));
    });
    del.addEventListener('click', async () => {
      if (!window.confirm(`Delete ${name}? Its file and picture go.`)) return;
      try {
        await api.deleteLatent(l.path);
        const s = store.get();
        store.set({
          savedVersion: s.savedVersion + 1,
          ...(s.selectedFile === l.path ? { selectedFile: null } : {}),
          keyframes: s.keyframes.filter((k) => k.latent !== l.path),
        });
        status.info(`deleted ${name}`);
      } catch (e) {
        status.error((e as Error).message);
      }
    });
    return el;
  };

  const projectionItem = (j: JobRecord) => {
    const psnr = (j.result as { psnr?: number } | undefined)?.psnr;
    return item({
      path: `jobs/${j.id}/projected.latent.safetensors`,
      image: `jobs/${j.id}/projected.png`,
      title: `projection ${j.id.slice(-6)}${psnr ? ` · ${psnr.toFixed(1)} dB` : ''}`,
      testId: 'saved-projection',
      actions: [
        h(
          'a',
          { href: api.jobZipUrl(j.id), download: '', class: 'icon', title: 'download the projection (zip)' },
          '⬇',
        ),
      ],
    });
  };

  store.watch(['model', 'savedVersion'], (s) => {
    void Promise.all([api.latents(), api.jobs()]).then(
      ([latents, jobs]) => {
        const mine = latents.filter((l) => !l.error && l.model === s.model?.name);
        clear(list, ...mine.map(latentItem));
        if (!mine.length) list.append(h('span', { class: 'hint' }, 'no saved latents for this model yet'));
        const done = jobs.filter(
          (j) => j.kind === 'project' && j.state === 'done' && j.params.model === s.model?.name,
        );
        clear(projections, ...done.slice(0, 12).map(projectionItem));
        projections.previousElementSibling?.classList.toggle('hidden', !done.length);
      },
      (e: Error) => status.error(e.message),
    );
  });
  return panel(
    'Saved latents',
    'panel-saved',
    list,
    h('h3', { class: 'hidden' }, 'projection results'),
    projections,
    status.el,
  ).el;
}
