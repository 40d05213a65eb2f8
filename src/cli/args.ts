import { ArgumentError } from '../index.js';

/** One flag of a command: `--name value` (or a boolean switch). */
export interface FlagSpec {
  name: string;
  type: 'string' | 'number' | 'boolean';
  help: string;
  default?: string | number | boolean;
}

export type ParsedFlags = Record<string, string | number | boolean | undefined>;

export interface ParsedArgs {
  flags: ParsedFlags;
  positionals: string[];
}

/** Parses `--flag value`, `--flag=value`, `--switch`, `--no-switch`; rejects unknown flags by name. */
export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], command: string): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const flags: ParsedFlags = {};
  for (const s of specs) if (s.default !== undefined) flags[s.name] = s.default;
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let negated = false;
    if (!byName.has(name) && name.startsWith('no-') && byName.get(name.slice(3))?.type === 'boolean') {
      name = name.slice(3);
      negated = true;
    }
    const spec = byName.get(name);
    if (!spec)
      throw new ArgumentError(`${command}: unknown flag --${name} (see 'latentlab ${command} --help')`);
    if (spec.type === 'boolean') {
      flags[name] = !negated;
      continue;
    }
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined) throw new ArgumentError(`${command}: --${name} needs a value`);
    if (spec.type === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n))
        throw new ArgumentError(`${command}: --${name} expects a number, got '${raw}'`);
      flags[name] = n;
    } else flags[name] = raw;
  }
  return { flags, positionals };
}

export function formatFlags(specs: readonly FlagSpec[]): string {
  return specs
    .map((s) => {
      const head = `  --${s.name}${s.type === 'boolean' ? '' : ` <${s.type}>`}`;
      const dflt = s.default !== undefined && s.default !== false ? ` (default: ${s.default})` : '';
      return `${head.padEnd(28)} ${s.help}${dflt}`;
    })
    .join('\n');
}
