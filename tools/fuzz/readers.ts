import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { LatentlabError } from '../../src/core/errors.js';
import { loadModel } from '../../src/models/io/loadModel.js';
import { readIdx } from '../../src/formats/idx.js';
import { readImage } from '../../src/formats/image.js';
import { readNpy } from '../../src/formats/npy.js';
import { readNpz } from '../../src/formats/npz.js';
import { NVIDIA_GLOBALS, readNvidiaPickle } from '../../src/formats/nvidiaPickle.js';
import { unpickle } from '../../src/formats/pickle.js';
import { readSafetensors } from '../../src/formats/safetensors.js';
import { collectTensors } from '../../src/formats/stateDict.js';
import { readTorchFile, torchGlobals } from '../../src/formats/torch.js';
import { readZip } from '../../src/formats/zip.js';
import { decodeLatent } from '../../src/latent/file.js';

/**
 * The readers the fuzzer drives, each as it is used on an untrusted file: parse, then touch what a
 * caller would (every zip entry, every tensor of a checkpoint). A reader either returns or throws;
 * the runner classifies a LatentlabError as typed and anything else as untyped.
 */
export const READERS = {
  pickle: (b: Uint8Array, file: string) => {
    unpickle(b, { file, globals: torchGlobals(NVIDIA_GLOBALS) });
  },
  torch: (b: Uint8Array, file: string) => {
    collectTensors(readTorchFile(b, { file }));
  },
  nvidia: (b: Uint8Array, file: string) => {
    const snap = readNvidiaPickle(b, { file });
    JSON.stringify([...snap.networks.values()].map((n) => [n.initKwargs, n.modules.length]));
  },
  zip: (b: Uint8Array, file: string) => {
    const zip = readZip(b, { file });
    for (const e of zip.entries) zip.readPrefix(e.name, Math.min(e.size, 4096));
  },
  npz: (b: Uint8Array, file: string) => {
    readNpz(b, { file });
  },
  npy: (b: Uint8Array, file: string) => {
    readNpy(b, { file });
  },
  safetensors: (b: Uint8Array, file: string) => {
    readSafetensors(b, { file });
  },
  idx: (b: Uint8Array, file: string) => {
    readIdx(b, { file });
  },
  image: async (b: Uint8Array, file: string) => {
    await readImage(b, { maxPixels: 16_000_000, name: file });
  },
  latent: (b: Uint8Array, file: string) => {
    decodeLatent(b, file);
  },
} as const satisfies Record<string, (b: Uint8Array, file: string) => void | Promise<void>>;

/**
 * Not fuzzed by default (slow per input): the whole import path, `loadModel` on the bytes written
 * to a temporary file named like `file` (.pkl, .pt), as `latentlab import` and the studio run it.
 */
export const EXTRA_READERS = {
  import: async (b: Uint8Array, file: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'latentlab-fuzz-'));
    const path = join(dir, basename(file));
    try {
      writeFileSync(path, b);
      await loadModel(path);
    } catch (err) {
      // name the file as the caller knows it, not the temporary copy
      if (err instanceof Error) err.message = err.message.split(path).join(file);
      throw err;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
} as const;

export type ReaderName = keyof typeof READERS | keyof typeof EXTRA_READERS;
export const READER_NAMES = Object.keys(READERS) as ReaderName[];
const ALL: Record<string, (b: Uint8Array, file: string) => void | Promise<void>> = { ...READERS, ...EXTRA_READERS };

export type Outcome = 'ok' | 'typed' | 'untyped' | 'hang' | 'rss';

/** Runs one input in this process: ok, typed (a LatentlabError whose message names the file) or untyped. */
export async function runReader(
  reader: ReaderName,
  bytes: Uint8Array,
  file: string,
): Promise<{ outcome: Outcome; message: string }> {
  try {
    await ALL[reader](bytes, file);
    return { outcome: 'ok', message: '' };
  } catch (err) {
    const e = err as Error;
    const message = `${e?.name ?? typeof err}: ${String(e?.message ?? '').slice(0, 400)}`;
    // A typed error must also name the file, so a person knows which input was refused.
    if (err instanceof LatentlabError && e.message.includes(file)) return { outcome: 'typed', message };
    return { outcome: 'untyped', message };
  }
}
