import type { FlagSpec, ParsedArgs } from './args.js';
import { formatOptionHelp, parseOptionArgs, type VerbSpec } from '../index.js';

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

/**
 * A CLI verb over a library verb's option table: argv -> partial options (nothing filled in) -> `run`,
 * which resolves them with the library's `resolveXOptions` and calls the library verb.
 */
export function tableCommand(c: {
  name: string;
  summary: string;
  usage: string;
  spec: VerbSpec | ((argv: readonly string[]) => VerbSpec);
  run(partial: Record<string, unknown>, out: (line: string) => void, argv: readonly string[]): Promise<void>;
}): Command {
  const specOf = (argv: readonly string[]) => (typeof c.spec === 'function' ? c.spec(argv) : c.spec);
  return {
    name: c.name,
    summary: c.summary,
    usage: c.usage,
    flags: [],
    run() {
      throw new Error(`${c.name}: runs through runArgv`);
    },
    runArgv: (argv, out) =>
      c.run(parseOptionArgs(specOf(argv), argv.slice(specOf(argv).words.length - 1)), out, argv),
    flagHelp: () => formatOptionHelp(specOf([])),
  };
}
