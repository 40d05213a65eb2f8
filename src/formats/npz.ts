import { FormatError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { ReadBudget } from './budget.js';
import { npyDataBytes, readNpy, writeNpy } from './npy.js';
import { readZip } from './zip.js';
import { writeZip } from './zipWrite.js';

/** numpy's .npz: a zip of `<name>.npy` members (savez stores them, savez_compressed deflates). */

export interface NpzOptions {
  /** Name used in errors. */
  file?: string;
  /** Budget for the arrays' bytes (default: derived from the archive's size, see budget.ts). */
  budget?: ReadBudget;
}

/** Reads every `.npy` member of an .npz archive, keyed by name without the suffix. */
export function readNpz(data: Uint8Array, options: NpzOptions = {}): Map<string, Tensor> {
  const file = options.file ?? '<npz>';
  const zip = readZip(data, { file });
  const budget = options.budget ?? new ReadBudget(file, data.length);
  const out = new Map<string, Tensor>();
  for (const entry of zip.entries) {
    if (!entry.name.endsWith('.npy')) continue;
    const what = `${file}:${entry.name}`;
    // The .npy header (at most 64 KiB + 12 bytes in practice) says how many bytes the array needs;
    // only then is the member inflated, and never past its header's promise.
    const head = zip.readPrefix(entry.name, Math.min(entry.size, 1 << 20));
    const total = npyDataBytes(head, what);
    if (total.end !== entry.size) {
      throw new FormatError(
        `${what}: the .npy header promises ${total.end} bytes, the member holds ${entry.size}`,
      );
    }
    budget.chargeTensor(total.data, `array '${entry.name}'`);
    out.set(entry.name.slice(0, -4), readNpy(zip.readPrefix(entry.name, total.end), { file: what }));
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
