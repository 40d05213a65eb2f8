import { readFile, writeFile } from 'node:fs/promises';
import type { Tensor } from '../core/tensor.js';
import { readNpy, writeNpy } from './npy.js';
import { readNpz, type WriteNpzOptions, writeNpz } from './npz.js';
import { type NvidiaSnapshot, readNvidiaPickle } from './nvidiaPickle.js';
import type { GlobalTable, PyValue } from './pyValue.js';
import { readSafetensors, type SafetensorsContents, writeSafetensors } from './safetensors.js';
import { readTorchFile } from './torch.js';

/** Path-based wrappers over the buffer readers and writers; errors name the path. */

export async function loadTorchFile(path: string, globals?: GlobalTable): Promise<PyValue> {
  return readTorchFile(await readFile(path), { file: path, globals });
}

export async function loadNvidiaPickle(path: string): Promise<NvidiaSnapshot> {
  return readNvidiaPickle(await readFile(path), { file: path });
}

export async function loadNpy(path: string): Promise<Tensor> {
  return readNpy(await readFile(path), { file: path });
}

export async function saveNpy(path: string, t: Tensor): Promise<void> {
  await writeFile(path, writeNpy(t));
}

export async function loadNpz(path: string): Promise<Map<string, Tensor>> {
  return readNpz(await readFile(path), { file: path });
}

export async function saveNpz(
  path: string,
  arrays: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  options?: WriteNpzOptions,
): Promise<void> {
  await writeFile(path, writeNpz(arrays, options));
}

export async function loadSafetensors(path: string): Promise<SafetensorsContents> {
  return readSafetensors(await readFile(path), { file: path });
}

export async function saveSafetensors(
  path: string,
  tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  await writeFile(path, writeSafetensors(tensors, metadata));
}
