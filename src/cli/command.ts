import type { FlagSpec, ParsedArgs } from './args.js';

/** A CLI verb: parses nothing itself, calls library functions, prints through `out`. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  flags: readonly FlagSpec[];
  run(args: ParsedArgs, out: (line: string) => void): Promise<void>;
}
