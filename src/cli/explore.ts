import { ArgumentError, type GanModel, loadModel, requireModelPath, type VerbSpec } from '../index.js';
import { type Command, tableCommand } from './command.js';
import type { FlagSpec, ParsedFlags } from './args.js';

/** Flags and helpers of `latentlab latent` (the walk verbs read their option tables) and progress bars. */

export const modelFlag: FlagSpec = {
  name: 'model',
  type: 'string',
  help: 'bundle folder or checkpoint (.pkl, .pt, .pth)',
};

export function str(flags: ParsedFlags, name: string, verb: string): string {
  const v = flags[name];
  if (v === undefined || v === '') throw new ArgumentError(`${verb}: --${name} is required`);
  return String(v);
}

export function upscaleFactor(flags: ParsedFlags): number {
  const factor = Number(flags.upscale);
  if (!Number.isInteger(factor) || factor < 1 || factor > 16)
    throw new ArgumentError('--upscale must be an integer 1..16');
  return factor;
}

export async function modelFrom(flags: ParsedFlags, verb: string): Promise<GanModel> {
  return loadModel(str(flags, 'model', verb));
}

/** A progress bar on stderr while it is a terminal (silent in logs and tests). */
export function progressBar(label: string): (done: number, total: number) => void {
  if (!process.stderr.isTTY) return () => {};
  const start = Date.now();
  return (done, total) => {
    const width = 30;
    const filled = Math.round((done / Math.max(total, 1)) * width);
    const secs = ((Date.now() - start) / 1000).toFixed(1);
    process.stderr.write(
      `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${secs}s`,
    );
    if (done >= total) process.stderr.write('\n');
  };
}

/**
 * A latent-walk verb (mix, truncation, noise, arith): flags -> its resolver -> its library function, which
 * reports each file it wrote.
 */
export function walkCommand<O>(c: {
  name: string;
  summary: string;
  usage: string;
  spec: VerbSpec;
  resolve: (partial: Partial<O>, model: GanModel) => O;
  run: (
    model: GanModel,
    o: O,
    hooks: { onProgress: (done: number, total: number) => void },
  ) => Promise<{ written: string[] }>;
}): Command {
  return tableCommand({
    ...c,
    async run(partial, out) {
      const model = await loadModel(requireModelPath(partial, c.name));
      const r = await c.run(model, c.resolve(partial as Partial<O>, model), {
        onProgress: progressBar('render'),
      });
      for (const line of r.written) out(`wrote ${line}`);
    },
  });
}
