import { basename, resolve } from 'node:path';
import { ArgumentError } from '../../core/errors.js';
import type { VerbSpec } from '../../core/options.js';
import type { BundleManifest } from '../manifest.js';
import { writeBundle } from './bundle.js';
import { loadModel } from './loadModel.js';

/** `latentlab import`, resolved. */
export interface ImportOptions {
  /** The checkpoint (.pkl, .pt, .pth). */
  readonly file: string;
  /** Bundle folder to write. */
  readonly out: string;
  /** Which generator of a multi-network file (null: G_ema / g_ema). */
  readonly network: string | null;
  /** DCGAN: netD state dict to include. */
  readonly discriminator: string | null;
  /** Model name: the --out folder's name unless given (the studio lists models by it). */
  readonly name: string;
  readonly fp16: boolean;
}

export const IMPORT_SPEC: VerbSpec = {
  words: ['import'],
  options: [
    { key: 'file', flag: 'file', kind: 'string', help: 'checkpoint (.pkl, .pt, .pth)', positional: true },
    { key: 'out', flag: 'out', kind: 'string', help: 'bundle folder to write' },
    { key: 'network', flag: 'network', kind: 'string', help: 'which generator of the file', defaultText: 'G_ema / g_ema' },
    { key: 'discriminator', flag: 'discriminator', kind: 'string', help: 'DCGAN: netD state dict to include' },
    { key: 'name', flag: 'name', kind: 'string', help: 'model name', defaultText: 'the --out folder name' },
    { key: 'fp16', flag: 'fp16', kind: 'boolean', help: 'store weights as float16 (half the size)', default: false },
  ],
};

export function resolveImportOptions(p: Partial<ImportOptions>): ImportOptions {
  if (!p.file) throw new ArgumentError('import: give the checkpoint file');
  if (!p.out) throw new ArgumentError('import: --out DIR is required');
  const name = p.name ?? basename(resolve(p.out));
  if (!name) throw new ArgumentError('import: --name must not be empty');
  return {
    file: p.file,
    out: p.out,
    network: p.network ?? null,
    discriminator: p.discriminator ?? null,
    name,
    fp16: p.fp16 ?? false,
  };
}

/** `latentlab import`: the checkpoint read (nothing in it executed) and written as a bundle in `out`. */
export async function importModel(
  o: ImportOptions,
  hooks: { onStep?: (message: string) => void } = {},
): Promise<{ manifest: BundleManifest; hasDiscriminator: boolean }> {
  hooks.onStep?.('reading the checkpoint (nothing in it is executed)');
  const model = await loadModel(o.file, {
    network: o.network ?? undefined,
    discriminator: o.discriminator ?? undefined,
    name: o.name,
  });
  hooks.onStep?.('writing the bundle');
  // a bundle keeps its manifest on reading, so the name is applied here (a checkpoint already has it)
  const manifest = await writeBundle(o.out, model, { dtype: o.fp16 ? 'float16' : 'float32', name: o.name });
  const hasDiscriminator = model.d !== undefined;
  await model.release();
  return { manifest, hasDiscriminator };
}
