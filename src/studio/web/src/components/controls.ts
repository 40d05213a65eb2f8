import { h } from '../dom.js';

/** A labelled range input showing its value; `onInput` fires while dragging. */
export function slider(opts: {
  label: string;
  min: number;
  max: number;
  step: number;
  value: number;
  testId?: string;
  format?: (v: number) => string;
  onInput: (v: number) => void;
}): { el: HTMLElement; input: HTMLInputElement; set(v: number): void } {
  const fmt = opts.format ?? ((v: number) => String(v));
  const out = h('output', {}, fmt(opts.value));
  const input = h('input', {
    type: 'range',
    min: String(opts.min),
    max: String(opts.max),
    step: String(opts.step),
    value: String(opts.value),
    'data-testid': opts.testId,
  });
  input.addEventListener('input', () => {
    out.textContent = fmt(Number(input.value));
    opts.onInput(Number(input.value));
  });
  const el = h('label', { class: 'slider' }, h('span', { class: 'label' }, opts.label), input, out);
  return {
    el,
    input,
    set(v) {
      input.value = String(v);
      out.textContent = fmt(v);
    },
  };
}

/** A labelled <select>. */
export function select<T extends string>(opts: {
  label: string;
  options: readonly { value: T; text: string }[];
  value: T;
  testId?: string;
  onChange: (v: T) => void;
}): { el: HTMLElement; input: HTMLSelectElement } {
  const input = h(
    'select',
    { 'data-testid': opts.testId },
    ...opts.options.map((o) => h('option', { value: o.value, selected: o.value === opts.value }, o.text)),
  );
  input.addEventListener('change', () => opts.onChange(input.value as T));
  return { el: h('label', { class: 'field' }, h('span', { class: 'label' }, opts.label), input), input };
}

/** A labelled text input. */
export function textField(opts: {
  label: string;
  value: string;
  placeholder?: string;
  testId?: string;
  onChange?: (v: string) => void;
}): { el: HTMLElement; input: HTMLInputElement } {
  const input = h('input', {
    type: 'text',
    value: opts.value,
    placeholder: opts.placeholder,
    'data-testid': opts.testId,
  });
  if (opts.onChange) input.addEventListener('change', () => opts.onChange!(input.value));
  return { el: h('label', { class: 'field' }, h('span', { class: 'label' }, opts.label), input), input };
}

/** "copy as CLI command": copies the command and shows it, so it can be read and selected by hand too. */
export function copyCommand(testId?: string): { el: HTMLElement; set(command: string): void } {
  const code = h('code', { class: 'command', 'data-testid': testId ? `${testId}-text` : undefined });
  const button = h(
    'button',
    {
      class: 'secondary',
      type: 'button',
      'data-testid': testId,
      title: 'copy the CLI command that makes the same result',
    },
    'copy as CLI command',
  );
  button.addEventListener('click', async () => {
    const text = code.textContent ?? '';
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'copied';
    } catch {
      // clipboard needs a secure context or permission: select the text instead
      const range = document.createRange();
      range.selectNodeContents(code);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(range);
      button.textContent = 'selected — press Ctrl-C';
    }
    setTimeout(() => (button.textContent = 'copy as CLI command'), 1500);
  });
  return {
    el: h('div', { class: 'copy-command' }, button, code),
    set(command) {
      code.textContent = command;
      button.disabled = !command;
    },
  };
}

/** A titled panel. */
export function panel(
  title: string,
  testId: string,
  ...body: (Node | null)[]
): { el: HTMLElement; body: HTMLElement } {
  const content = h('div', { class: 'panel-body' }, ...body);
  return {
    el: h('section', { class: 'panel', 'data-testid': testId }, h('h2', {}, title), content),
    body: content,
  };
}

/** A progress bar with a caption. */
export function progressBar(): { el: HTMLElement; set(step: number, total: number, caption?: string): void } {
  const bar = h('progress', { max: '1', value: '0' });
  const caption = h('span', { class: 'caption' });
  return {
    el: h('div', { class: 'progress' }, bar, caption),
    set(step, total, text) {
      bar.max = Math.max(total, 1);
      bar.value = step;
      caption.textContent = text ?? `${step}/${total}`;
    },
  };
}

/** One line of status or error text for a panel. */
export function statusLine(): {
  el: HTMLElement;
  info(text: string): void;
  error(text: string): void;
  clear(): void;
} {
  const el = h('p', { class: 'status', role: 'status' });
  return {
    el,
    info(text) {
      el.className = 'status';
      el.textContent = text;
    },
    error(text) {
      el.className = 'status error';
      el.textContent = text;
    },
    clear() {
      el.textContent = '';
    },
  };
}
