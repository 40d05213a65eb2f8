import { api } from '../api.js';
import { panel, statusLine } from '../components/controls.js';
import { clear, h } from '../dom.js';
import type { StudioStore } from '../state.js';

/** The latents saved in the workspace (for the current model); clicking one opens it in the latent view. */
export function savedLatentsPanel(store: StudioStore): HTMLElement {
  const status = statusLine();
  const list = h('div', { class: 'saved', 'data-testid': 'saved-latents' });
  store.watch(['model', 'savedVersion'], (s) => {
    void api.latents().then(
      (latents) => {
        const mine = latents.filter((l) => !l.error && l.model === s.model?.name);
        clear(
          list,
          ...mine.map((l) => {
            const item = h(
              'button',
              {
                type: 'button',
                class: 'saved-latent secondary',
                title: `${l.path} (${l.space}, ${l.rows} row(s))`,
                'data-testid': 'saved-latent',
              },
              l.image
                ? h('img', {
                    src: `${api.fileUrl(l.image)}?v=${s.savedVersion}`,
                    class: 'pixelated thumb',
                    alt: l.path,
                  })
                : null,
              h(
                'span',
                { class: 'caption' },
                l.path.replace(/^latents\//, '').replace(/\.latent\.safetensors$/, ''),
              ),
            );
            item.addEventListener('click', () => store.set({ selectedFile: l.path }));
            return item;
          }),
        );
        if (!mine.length) list.append(h('span', { class: 'hint' }, 'no saved latents for this model yet'));
      },
      (e: Error) => status.error(e.message),
    );
  });
  return panel('Saved latents', 'panel-saved', list, status.el).el;
}
