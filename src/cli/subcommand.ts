import { ArgumentError } from '../index.js';
import type { FlagSpec, ParsedArgs, ParsedFlags } from './args.js';
import type { Command } from './command.js';

/** One subcommand of a verb (`latentlab directions sefa ...`): its own flags, refused for the others. */
export interface Subcommand {
  name: string;
  summary: string;
  usage: string;
  flags: readonly FlagSpec[];
  run(flags: ParsedFlags, out: (line: string) => void, positionals: string[]): Promise<void>;
}

/** A verb whose first positional picks a subcommand; flags are the union, checked per subcommand. */
export function verbWithSubcommands(name: string, summary: string, subs: readonly Subcommand[]): Command {
  // One flag list for the parser: a name two subcommands type differently is parsed as a string
  // and converted for the subcommand that runs (e.g. --components: a count for sefa, a list for eval).
  const seen = new Map<string, FlagSpec>();
  for (const f of subs.flatMap((s) => s.flags)) {
    const prev = seen.get(f.name);
    if (!prev) seen.set(f.name, { ...f, default: undefined });
    else if (prev.type !== f.type) seen.set(f.name, { ...prev, type: 'string', help: `${prev.help} / ${f.help}` });
  }
  return {
    name,
    summary: `${summary} (${subs.map((s) => s.name).join(', ')})`,
    usage: [`latentlab ${name} <${subs.map((s) => s.name).join('|')}> [flags]`, ...subs.map((s) => `  ${s.usage}`)].join('\n'),
    flags: [...seen.values()],
    async run({ flags, positionals }: ParsedArgs, out) {
      const [which, ...rest] = positionals;
      const sub = subs.find((s) => s.name === which);
      if (!sub)
        throw new ArgumentError(
          `${name}: ${which === undefined ? 'which one?' : `unknown subcommand '${which}'`} (one of: ${subs.map((s) => s.name).join(', ')})`,
        );
      const accepted = new Map(sub.flags.map((f) => [f.name, f]));
      for (const [k, v] of Object.entries(flags))
        if (v !== undefined && !accepted.has(k)) throw new ArgumentError(`${name} ${which}: --${k} is not a ${which} flag`);
      const withDefaults: ParsedFlags = { ...flags };
      for (const f of sub.flags) {
        const v = withDefaults[f.name];
        if (v === undefined && f.default !== undefined) withDefaults[f.name] = f.default;
        else if (f.type === 'number' && typeof v === 'string') {
          const n = Number(v);
          if (v.trim() === '' || !Number.isFinite(n)) throw new ArgumentError(`${name} ${which}: --${f.name} expects a number, got '${v}'`);
          withDefaults[f.name] = n;
        }
      }
      await sub.run(withDefaults, out, rest);
    },
  };
}

export function requireString(flags: ParsedFlags, name: string, where: string): string {
  const v = flags[name];
  if (typeof v !== 'string' || !v) throw new ArgumentError(`${where}: --${name} is required`);
  return v;
}

export function optionalString(flags: ParsedFlags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' && v ? v : undefined;
}

export function integer(flags: ParsedFlags, name: string, fallback: number, where: string, min = 0): number {
  const v = flags[name] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ArgumentError(`${where}: --${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

export function number(flags: ParsedFlags, name: string, fallback: number, where: string): number {
  const v = flags[name] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgumentError(`${where}: --${name} must be a number, got ${String(v)}`);
  return v;
}

/** '--layers 0-3' (inclusive ws rows, like --seeds) or '4' → half-open [start, end). */
export function layerRange(flags: ParsedFlags, where: string): [number, number] | undefined {
  const v = flags.layers;
  if (v === undefined) return undefined;
  const m = /^(\d+)(?:-(\d+))?$/.exec(String(v).trim());
  if (!m) throw new ArgumentError(`${where}: --layers takes ws rows like 0-3 (inclusive), got '${String(v)}'`);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (b < a) throw new ArgumentError(`${where}: --layers ${String(v)} runs backwards`);
  return [a, b + 1];
}
