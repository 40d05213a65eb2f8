import { api, type DirectionFile, type EditRequest, hasWSpace } from '../api.js';
import { directionFacts } from '../directionFacts.js';
import { panel, statusLine } from '../components/controls.js';
import { clear, h } from '../dom.js';
import { layerChoices, renderRequest, type StudioStore } from '../state.js';
import type { JobsPanel } from './jobs.js';

const METHODS = [
  { method: 'sefa', text: 'SeFa', params: { components: 16, num: 5000 } },
  { method: 'ganspace', text: 'GANSpace', params: { components: 16, num: 20000 } },
  { method: 'interfacegan', text: 'InterFaceGAN (classes)', params: { num: 5000 } },
] as const;
/** The strip under each direction: the current latent moved by these many sigma. */
const STRIP = [-2, -1, 0, 1, 2];
const METHOD_NAMES: Record<string, string> = {
  sefa: 'SeFa',
  ganspace: 'GANSpace',
  interfacegan: 'InterFaceGAN',
};

/** A direction's default name: class names as they are, 'pc3 (5.2 %)' where its variance share is known. */
export function directionName(file: DirectionFile, k: number): string {
  const label = file.labels?.[k] ?? `#${k}`;
  const share = file.shares?.[k];
  return share === undefined || share === null ? label : `${label} (${(100 * share).toFixed(1)} %)`;
}

/** Names a person gave directions, per file, kept in this browser. */
const renamed = {
  key: (path: string) => `latentlab.directionNames.${path}`,
  get(path: string): Record<number, string> {
    try {
      return JSON.parse(localStorage.getItem(this.key(path)) ?? '{}') as Record<number, string>;
    } catch {
      return {};
    }
  },
  set(path: string, k: number, name: string | null): void {
    const all = this.get(path);
    if (name) all[k] = name;
    else delete all[k];
    localStorage.setItem(this.key(path), JSON.stringify(all));
  },
};

interface Row {
  el: HTMLElement;
  sync(strength: number, layers: [number, number] | undefined): void;
  strip: HTMLImageElement;
  stripVersion: string;
}

/**
 * The direction explorer (GANSpace's UI, in the page): every direction of a file as a named row with a
 * slider, a typed value, its own reset and layer range, and a strip of -2..+2 sigma on the current latent.
 * The store's edits are the truth: undo/redo and the PCA drag move the sliders too.
 */
export function directionsPanel(store: StudioStore, jobs: JobsPanel): HTMLElement {
  const status = statusLine();
  let files: DirectionFile[] = [];
  const fileSelect = h('select', { 'data-testid': 'directions-file', 'aria-label': 'direction file' });
  const rowsEl = h('div', { class: 'direction-rows', 'data-testid': 'direction-sliders' });
  const showStrips = h('input', { type: 'checkbox', checked: true, 'data-testid': 'strips-toggle' });
  const resetAll = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'directions-reset' },
    'reset all',
  );
  let rows: Row[] = [];
  let file: DirectionFile | undefined;
  let stripTimer: number | undefined;
  let stripAbort: AbortController | null = null;

  const path = () => fileSelect.value;
  const numWs = () => store.get().model?.numWs ?? 0;
  const editsOf = (p: string) => store.get().edits.filter((e) => e.directions === p);
  /** Replaces this file's edit of component k (strength 0 removes it), keeping every other edit in order. */
  const setEdit = (k: number, strength: number, layers: [number, number] | undefined) => {
    const p = path();
    const others = store.get().edits.filter((e) => !(e.directions === p && e.component === k));
    const edit: EditRequest = { directions: p, component: k, strength, ...(layers ? { layers } : {}) };
    const at = store.get().edits.findIndex((e) => e.directions === p && e.component === k);
    const next = strength === 0 ? others : [...others];
    if (strength !== 0) next.splice(at < 0 ? next.length : at, 0, edit);
    if (JSON.stringify(next) !== JSON.stringify(store.get().edits)) store.set({ edits: next });
  };

  const rangeOptions = (def: [number, number] | null | undefined) => {
    const m = store.get().model;
    const choices = layerChoices(m).map((c) => ({
      value: `${c.rows[0]}-${c.rows[c.rows.length - 1] + 1}`,
      text: c.text,
    }));
    const d = def ? `${def[0]}-${def[1]}` : null;
    if (d && !choices.some((c) => c.value === d))
      choices.push({ value: d, text: `rows ${def![0]}–${def![1] - 1} (the file's)` });
    return choices;
  };
  const parseRange = (v: string): [number, number] | undefined => {
    const [a, b] = v.split('-').map(Number);
    return a === 0 && b === numWs() ? undefined : [a, b];
  };

  const makeRow = (k: number): Row => {
    const f = file!;
    const unit = f.sigma ? 'σ' : '';
    const base = directionName(f, k);
    const nameInput = h('input', {
      type: 'text',
      class: 'dir-name',
      value: renamed.get(f.path)[k] ?? base,
      title: `rename (default: ${base})`,
      'aria-label': `name of direction ${k}`,
      'data-testid': `direction-name-${k}`,
    });
    nameInput.addEventListener('change', () => {
      const v = nameInput.value.trim();
      renamed.set(f.path, k, v && v !== base ? v : null);
      if (!v) nameInput.value = base;
    });
    const range = h('input', {
      type: 'range',
      min: '-5',
      max: '5',
      step: '0.25',
      value: '0',
      'aria-label': `${base} strength`,
      'data-testid': `direction-${k}`,
    });
    const num = h('input', {
      type: 'number',
      min: '-100',
      max: '100',
      step: '0.05',
      value: '0',
      class: 'dir-value',
      'aria-label': `${base} strength (${unit || 'distance'})`,
      'data-testid': `direction-${k}-value`,
    });
    const reset = h(
      'button',
      { type: 'button', class: 'icon secondary', title: 'reset to 0', 'data-testid': `direction-${k}-reset` },
      '↺',
    );
    const layerSel = h('select', {
      class: 'dir-layers',
      'aria-label': `${base} layers`,
      'data-testid': `direction-${k}-layers`,
    });
    const def = f.layers ?? null;
    const opts = rangeOptions(def);
    const defValue = def ? `${def[0]}-${def[1]}` : opts[0]?.value;
    clear(
      layerSel,
      ...opts.map((o) => h('option', { value: o.value, selected: o.value === defValue }, o.text)),
    );
    const strip = h('img', {
      class: 'dir-strip pixelated',
      alt: `${base} from -2 to +2 ${unit}`,
      'data-testid': `direction-strip-${k}`,
    });
    const unitText = h('span', { class: 'unit' }, unit);
    const current = () => Number(num.value) || 0;
    const publish = (v: number) => setEdit(k, v, parseRange(layerSel.value));
    range.addEventListener('input', () => {
      num.value = range.value;
      publish(Number(range.value));
    });
    num.addEventListener('change', () => {
      const v = Math.max(-100, Math.min(100, Number(num.value) || 0));
      num.value = String(v);
      range.value = String(v);
      publish(v);
    });
    reset.addEventListener('click', () => {
      range.value = num.value = '0';
      publish(0);
    });
    layerSel.addEventListener('change', () => {
      publish(current());
      scheduleStrips();
    });
    // clicking a tile of the strip takes its strength
    strip.addEventListener('click', (e) => {
      const i = Math.min(STRIP.length - 1, Math.floor((e.offsetX / strip.clientWidth) * STRIP.length));
      range.value = num.value = String(STRIP[i]);
      publish(STRIP[i]);
    });
    const facts = directionFacts(f, k);
    const el = h(
      'div',
      { class: 'dir-row', 'data-testid': `direction-row-${k}` },
      h('div', { class: 'dir-head' }, nameInput, layerSel),
      ...(facts ? [h('div', { class: 'dir-facts', 'data-testid': `direction-facts-${k}` }, facts)] : []),
      h('div', { class: 'dir-controls' }, range, num, unitText, reset),
      strip,
    );
    return {
      el,
      strip,
      stripVersion: '',
      sync(strength, layers) {
        if (document.activeElement !== num) num.value = String(strength);
        range.value = String(strength);
        const v = layers ? `${layers[0]}-${layers[1]}` : `0-${numWs()}`;
        if ([...layerSel.options].some((o) => o.value === v)) layerSel.value = v;
      },
    };
  };

  const syncFromStore = () => {
    const own = editsOf(path());
    rows.forEach((r, k) => {
      const e = own.find((x) => x.component === k);
      r.sync(e?.strength ?? 0, e?.layers);
    });
  };

  /** Strips are drawn one after another (newest request wins), only while shown. */
  const scheduleStrips = () => {
    clearTimeout(stripTimer);
    stripTimer = window.setTimeout(() => void drawStrips(), 250);
  };
  const drawStrips = async () => {
    stripAbort?.abort();
    const controller = new AbortController();
    stripAbort = controller;
    const req = renderRequest(store.get());
    rowsEl.classList.toggle('no-strips', !showStrips.checked);
    if (!req || !showStrips.checked || !file || !hasWSpace(store.get().model)) return;
    // this file's rows as they are now (a new file aborts this loop through drawRows)
    const p = path();
    const current = rows;
    for (const [k, row] of current.entries()) {
      const layers = parseRange((row.el.querySelector('select') as HTMLSelectElement).value);
      const key = JSON.stringify([req, k, layers, p]);
      if (row.stripVersion === key) continue;
      try {
        const r = await api.strip(
          { ...req, directions: p, component: k, layers, strengths: STRIP, scale: 2 },
          controller.signal,
        );
        if (controller.signal.aborted) return URL.revokeObjectURL(r.url);
        const old = row.strip.src;
        row.strip.src = r.url;
        row.stripVersion = key;
        row.strip.dataset.version = String(Number(row.strip.dataset.version ?? '0') + 1);
        if (old.startsWith('blob:')) URL.revokeObjectURL(old);
      } catch (e) {
        if (!controller.signal.aborted) status.error((e as Error).message);
        return;
      }
    }
  };

  const drawRows = () => {
    stripAbort?.abort();
    file = files.find((f) => f.path === path());
    const count = file?.labels?.length ?? 0;
    rows = Array.from({ length: count }, (_, k) => makeRow(k));
    clear(rowsEl, ...rows.map((r) => r.el));
    if (!count) rowsEl.append(h('span', { class: 'hint' }, 'no direction file yet: discover some below'));
    syncFromStore();
    scheduleStrips();
  };
  const loadFiles = async (selectPath?: string) => {
    const s = store.get();
    if (!hasWSpace(s.model)) return;
    const keep = selectPath ?? path();
    // the PCA plot's own pc0/pc1 file (dragging) goes last
    const isPca = (f: DirectionFile) => /\/pca-w-/.test(f.path);
    files = (await api.directions(s.model.name))
      .filter((f) => !f.error)
      .sort((a, b) => Number(isPca(a)) - Number(isPca(b)));
    clear(
      fileSelect,
      ...files.map((f) =>
        h(
          'option',
          { value: f.path, selected: f.path === keep },
          `${METHOD_NAMES[f.method ?? ''] ?? f.method} · ${f.labels?.length ?? 0} directions · ${f.path}`,
        ),
      ),
    );
    drawRows();
  };
  fileSelect.addEventListener('change', drawRows);
  showStrips.addEventListener('change', scheduleStrips);
  resetAll.addEventListener('click', () => {
    const p = path();
    store.set({ edits: store.get().edits.filter((e) => e.directions !== p) });
  });

  const discover = METHODS.map(({ method, text, params }) => {
    const b = h('button', { type: 'button', class: 'secondary', 'data-testid': `discover-${method}` }, text);
    b.addEventListener('click', async () => {
      const s = store.get();
      if (!s.model) return;
      try {
        const job = await api.submitJob('directions', { model: s.model.name, method, ...params });
        status.info(`discovering ${text} directions (see Jobs)`);
        jobs.add(job, (j) => {
          if (j.state === 'done')
            void loadFiles(`jobs/${j.id}/directions.safetensors`).then(() =>
              status.info(`${text}: ${(j.result as { labels: string[] }).labels.length} directions`),
            );
          else status.error(`${text} ${j.state}: ${j.error ?? ''}`);
        });
      } catch (e) {
        status.error((e as Error).message);
      }
    });
    return b;
  });

  const el = panel(
    'Directions',
    'panel-directions',
    h(
      'div',
      { class: 'row' },
      h('label', { class: 'field grow' }, h('span', { class: 'label' }, 'file'), fileSelect),
      h('label', { class: 'field' }, showStrips, h('span', {}, '−2…+2 σ strips')),
      resetAll,
    ),
    rowsEl,
    h('div', { class: 'row' }, h('span', { class: 'label' }, 'discover'), ...discover),
    status.el,
  ).el;
  store.watch(['model'], (s) => {
    const sg2 = hasWSpace(s.model);
    el.classList.toggle('hidden', !sg2);
    stripAbort?.abort();
    clearTimeout(stripTimer);
    if (!sg2) {
      // another model's directions cannot move this one: forget them (and their strips)
      files = [];
      rows = [];
      file = undefined;
      clear(fileSelect);
      clear(rowsEl);
      return;
    }
    void loadFiles().catch((e: Error) => status.error(e.message));
  });
  store.watch(['edits'], syncFromStore);
  store.watch(
    ['selectedSeed', 'selectedFile', 'latentPsi', 'noiseMode', 'noiseSeed', 'noiseResample', 'edits'],
    scheduleStrips,
  );
  return el;
}
