import { createHash } from 'node:crypto';
import { ArgumentError } from './errors.js';
import { formatRange, parseRange } from './ranges.js';

/**
 * One option of a verb: the field of its resolved options, the CLI flag that sets it, and how the
 * value is written on a command line. A verb's options module keeps these tables next to its
 * `resolveXOptions`, so the CLI, the studio and `formatArgs` read one definition.
 */
export interface OptionSpec {
  /** Field of the resolved options. */
  key: string;
  /** Flag name without '--'; a `positional` option is written bare, in table order. */
  flag: string;
  kind: 'string' | 'number' | 'boolean' | 'seeds' | 'custom';
  help: string;
  positional?: boolean;
  /** May be given several times (the value is an array, one entry per flag). */
  repeat?: boolean;
  /**
   * The value the resolver decides when the option is not given and no other option changes it:
   * `formatArgs` leaves an option out when its resolved value equals this. Options whose default
   * depends on other options or on the model have none and are always written (when not null).
   */
  default?: unknown;
  /** Shown in --help where `default` is absent (e.g. 'adam: yes; lbfgs: no'). */
  defaultText?: string;
  /** Allowed values of a string option. */
  choices?: readonly string[];
  /** custom kind: text -> value (throw ArgumentError on bad text) and value -> text. */
  parse?: (text: string) => unknown;
  format?: (value: unknown) => string;
}

/** The words after `latentlab` that name a verb (`['directions', 'sefa']`), and its option table. */
export interface VerbSpec {
  words: readonly string[];
  options: readonly OptionSpec[];
}

function parseValue(spec: OptionSpec, text: string, where: string): unknown {
  switch (spec.kind) {
    case 'number': {
      const n = text.trim() === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(n))
        throw new ArgumentError(`${where}: --${spec.flag} expects a number, got '${text}'`);
      return n;
    }
    case 'seeds':
      return parseRange(text, spec.flag);
    case 'custom':
      return spec.parse!(text);
    default:
      if (spec.choices && !spec.choices.includes(text))
        throw new ArgumentError(`${where}: --${spec.flag} must be ${spec.choices.join(', ')}; got '${text}'`);
      return text;
  }
}

function formatValue(spec: OptionSpec, value: unknown): string {
  if (spec.kind === 'seeds') return formatRange(value as number[]);
  if (spec.kind === 'custom') return spec.format!(value);
  return String(value);
}

/**
 * argv (after the verb's words) -> the partial options it names. Nothing absent is filled in: defaults
 * are the resolver's alone. `--flag=value`, `--switch`, `--no-switch`; unknown flags are refused by name.
 */
export function parseOptionArgs(spec: VerbSpec, argv: readonly string[]): Record<string, unknown> {
  const where = spec.words.join(' ');
  const byFlag = new Map(spec.options.filter((o) => !o.positional).map((o) => [o.flag, o]));
  const positionals = spec.options.filter((o) => o.positional);
  const out: Record<string, unknown> = {};
  let nextPositional = 0;
  const set = (o: OptionSpec, value: unknown) => {
    if (o.repeat) out[o.key] = [...((out[o.key] as unknown[] | undefined) ?? []), value];
    else out[o.key] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      const o = positionals[nextPositional];
      if (!o) throw new ArgumentError(`${where}: unexpected argument '${arg}'`);
      if (!o.repeat) nextPositional++;
      set(o, parseValue(o, arg, where));
      continue;
    }
    const eq = arg.indexOf('=');
    let name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let negated = false;
    if (!byFlag.has(name) && name.startsWith('no-') && byFlag.get(name.slice(3))?.kind === 'boolean') {
      name = name.slice(3);
      negated = true;
    }
    const o = byFlag.get(name);
    if (!o) throw new ArgumentError(`${where}: unknown flag --${name} (see 'latentlab ${where} --help')`);
    if (o.kind === 'boolean') {
      if (eq >= 0)
        throw new ArgumentError(`${where}: --${name} is a switch (write --${name} or --no-${name})`);
      set(o, !negated);
      continue;
    }
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined) throw new ArgumentError(`${where}: --${name} needs a value`);
    set(o, parseValue(o, raw, where));
  }
  return out;
}

/** Canonical JSON: object keys sorted, so equal options give equal text (and equal hashes). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/**
 * Resolved options -> the argv (verb words first) that resolves back to them: every option whose value
 * is not its fixed default, in table order.
 */
export function formatOptionArgs(spec: VerbSpec, options: object): string[] {
  const resolved = options as Readonly<Record<string, unknown>>;
  const args = [...spec.words];
  const positional: string[] = [];
  for (const o of spec.options) {
    const value = resolved[o.key];
    if (value === undefined || value === null) continue;
    if (o.default !== undefined && same(value, o.default)) continue;
    const values = o.repeat ? (value as unknown[]) : [value];
    for (const v of values) {
      if (o.positional) positional.push(formatValue(o, v));
      else if (o.kind === 'boolean') args.push(v ? `--${o.flag}` : `--no-${o.flag}`);
      else {
        const text = formatValue(o, v);
        // a value starting with '--' would read as a flag: glue it on
        if (text.startsWith('-') && !/^-?\d/.test(text)) args.push(`--${o.flag}=${text}`);
        else args.push(`--${o.flag}`, text);
      }
    }
  }
  return [...args, ...positional];
}

/** The names (flags) of options whose values differ between two resolved option sets. */
export function differingOptions(spec: VerbSpec, optionsA: object, optionsB: object): string[] {
  const a = optionsA as Readonly<Record<string, unknown>>;
  const b = optionsB as Readonly<Record<string, unknown>>;
  const known = new Set(spec.options.map((o) => o.key));
  const names = spec.options
    .filter((o) => !same(a[o.key], b[o.key]))
    .map((o) => (o.positional ? o.key : `--${o.flag}`));
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
    if (!known.has(k) && !same(a[k], b[k])) names.push(k);
  return names;
}

/** sha256 of the canonical JSON of a value (options keys for resume and job ids). */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** Quotes a shell word when it needs it (POSIX sh). */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=,+@%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** argv -> one line for a POSIX shell. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellWord).join(' ');
}

/** The inverse of `shellJoin` (single quotes, backslash escapes outside quotes; no expansions). */
export function shellSplit(line: string): string[] {
  const out: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new ArgumentError('unterminated quote in command');
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else if (/\s/.test(c)) {
      if (word !== null) out.push(word);
      word = null;
    } else word = (word ?? '') + c;
  }
  if (word !== null) out.push(word);
  return out;
}

/** One --help line per option. */
export function formatOptionHelp(spec: VerbSpec): string {
  return spec.options
    .map((o) => {
      const head = o.positional
        ? `  ${o.key.toUpperCase()}`
        : `  --${o.flag}${o.kind === 'boolean' ? '' : ` <${o.kind === 'custom' || o.kind === 'seeds' ? 'value' : o.kind}>`}`;
      const shown =
        o.default !== undefined &&
        o.default !== null &&
        o.default !== false &&
        (!Array.isArray(o.default) || o.default.length > 0);
      const d = o.defaultText
        ? ` (default: ${o.defaultText})`
        : shown
          ? ` (default: ${Array.isArray(o.default) ? JSON.stringify(o.default) : String(o.default)})`
          : '';
      const many = o.repeat ? ' (repeatable)' : '';
      return `${head.padEnd(28)} ${o.help}${many}${d}`;
    })
    .join('\n');
}

/** The command line a user can copy: `npx latentlab <verb> <flags>` for resolved options. */
export function formatCommand(spec: VerbSpec, resolved: object): string {
  return shellJoin(['npx', 'latentlab', ...formatOptionArgs(spec, resolved)]);
}
