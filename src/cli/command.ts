import type { FlagSpec, ParsedArgs } from './args.js';
import { ArgumentError, formatOptionHelp, parseOptionArgs, type VerbSpec } from '../index.js';


/**
 * Splits transport flags (how a run travels, e.g. `--queue URL`; not options of the verb) from the
 * verb's own arguments: `--name value` or `--name=value`.
 */
function splitTransport(
  argv: readonly string[],
  transport: readonly { name: string }[] | undefined,
): { rest: string[]; found: Record<string, string> } {
  const rest: string[] = [];
  const found: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const t = transport?.find((f) => argv[i] === `--${f.name}` || argv[i].startsWith(`--${f.name}=`));
    if (!t) rest.push(argv[i]);
    else if (argv[i].includes('=')) found[t.name] = argv[i].slice(argv[i].indexOf('=') + 1);
    else found[t.name] = argv[++i] ?? '';
  }
  return { rest, found };
}

/** A CLI verb: parses nothing itself, calls library functions, prints through `out`. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  flags: readonly FlagSpec[];
  run(args: ParsedArgs, out: (line: string) => void): Promise<void>;
  /** Verbs with an option table take argv whole (their flags live beside their resolver). */
  runArgv?(argv: readonly string[], out: (line: string) => void): Promise<void>;
  /** Flag help of a verb with an option table. */
  flagHelp?(): string;
}

/** A table-driven verb or subcommand but for its option table: its help and what runs the parsed partial options. */
interface TableRun {
  summary: string;
  usage: string;
  /** Where it runs, not what it computes (e.g. --queue): taken off argv, not part of the options. */
  transport?: readonly { name: string; help: string }[];
  run(
    partial: Record<string, unknown>,
    out: (line: string) => void,
    transport: Record<string, string>,
  ): Promise<void>;
}

/** Help lines of transport flags, in formatOptionHelp's layout. */
function transportHelp(transport: TableRun['transport']): string[] {
  return (transport ?? []).map((t) => `  ${`--${t.name} <string>`.padEnd(28)} ${t.help}`);
}

/**
 * A CLI verb over a library verb's option table: argv -> partial options (nothing filled in) -> `run`,
 * which resolves them with the library's `resolveXOptions` and calls the library verb.
 */
export function tableCommand(c: TableRun & { name: string; spec: VerbSpec | ((argv: readonly string[]) => VerbSpec) }): Command {
  const specOf = (argv: readonly string[]) => (typeof c.spec === 'function' ? c.spec(argv) : c.spec);
  const take = (argv: readonly string[]) => splitTransport(argv, c.transport);
  return {
    name: c.name,
    summary: c.summary,
    usage: c.usage,
    flags: [],
    run() {
      throw new Error(`${c.name}: runs through runArgv`);
    },
    runArgv: (argv, out) => {
      const { rest, found } = take(argv);
      return c.run(parseOptionArgs(specOf(rest), rest.slice(specOf(rest).words.length - 1)), out, found);
    },
    flagHelp: () =>
      [
        formatOptionHelp(specOf([])),
        ...transportHelp(c.transport),
      ].join('\n'),
  };
}

/** One subcommand of a table-driven verb (`latentlab directions sefa ...`): its option table and its run. */
export interface TableSubcommand extends TableRun {
  spec: VerbSpec;
}

/** A verb whose first word picks a subcommand, each with its own option table (spec.words[1]). */
export function tableSubcommands(name: string, summary: string, subs: readonly TableSubcommand[]): Command {
  const names = subs.map((s) => s.spec.words[1]);
  const pick = (which: string | undefined) => {
    const sub = subs.find((s) => s.spec.words[1] === which);
    if (!sub)
      throw new ArgumentError(
        `${name}: ${which === undefined ? 'which one?' : `unknown subcommand '${which}'`} (one of: ${names.join(', ')})`,
      );
    return sub;
  };
  return {
    name,
    summary: `${summary} (${names.join(', ')})`,
    usage: [`latentlab ${name} <${names.join('|')}> [flags]`, ...subs.map((s) => `  ${s.usage}`)].join('\n'),
    flags: [],
    run() {
      throw new Error(`${name}: runs through runArgv`);
    },
    runArgv: (argv, out) => {
      const [which, ...rest] = argv;
      const sub = pick(which);
      const { rest: args, found } = splitTransport(rest, sub.transport);
      return sub.run(parseOptionArgs(sub.spec, args), out, found);
    },
    flagHelp: () =>
      subs
        .map((s) =>
          [
            `${s.spec.words.join(' ')}: ${s.summary}`,
            formatOptionHelp(s.spec),
            ...transportHelp(s.transport),
          ].join('\n'),
        )
        .join('\n\n'),
  };
}
