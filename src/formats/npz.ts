import { FormatError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { readNpy, writeNpy } from './npy.js';
import { readZip } from './zip.js';
import { writeZip } from './zipWrite.js';

/** numpy's .npz: a zip of `<name>.npy` members (savez stores them, savez_compressed deflates). */

export interface NpzOptions {
  /** Name used in errors. */
  file?: string;
}

/** Reads every `.npy` member of an .npz archive, keyed by name without the suffix. */
export function readNpz(data: Uint8Array, options: NpzOptions = {}): Map<string, Tensor> {
  const file = options.file ?? '<npz>';
  const zip = readZip(data, { file });
  const out = new Map<string, Tensor>();
  for (const entry of zip.entries) {
    if (!entry.name.endsWith('.npy')) continue;
    out.set(entry.name.slice(0, -4), readNpy(zip.read(entry.name), { file: `${file}:${entry.name}` }));
  }
  if (out.size === 0 && zip.entries.length > 0)
    throw new FormatError(`${file}: no .npy members in the archive`);
  return out;
}

export interface WriteNpzOptions {
  /** Deflate members, as numpy.savez_compressed does (default false, like numpy.savez). */
  compress?: boolean;
}

/** Writes arrays as an .npz archive that numpy.load reads. */
export function writeNpz(
  arrays: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  options: WriteNpzOptions = {},
): Uint8Array {
  const entries = arrays instanceof Map ? [...arrays] : Object.entries(arrays);
  return writeZip(
    entries.map(([name, t]) => ({
      name: `${name}.npy`,
      data: writeNpy(t),
      compress: options.compress ?? false,
    })),
    { align: 1 },
  );
}
