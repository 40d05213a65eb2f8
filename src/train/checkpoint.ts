import { copyFile, link, readFile, rm, stat } from 'node:fs/promises';
import { CheckpointError, FormatError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { writeFileAtomic } from '../formats/atomicFiles.js';
import { readSafetensors, writeSafetensors } from '../formats/safetensors.js';
import type { Adam, AdamGroupState } from '../optim/adam.js';

/**
 * A training checkpoint is ONE safetensors file: tensors named `<group>/<key>` (groups such as
 * 'G', 'D', 'G_ema', 'optG.m', 'optG.v') and, in the metadata, the JSON state a run needs to
 * continue exactly (progress, RNG and sampler states, config, options). One file means one atomic
 * rename: a reader never sees weights from one step and RNG states from another.
 */

export const CHECKPOINT_FORMAT = 'latentlab-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface Checkpoint<S = unknown> {
  /** Named tensor groups; a group name has no '/', keys may. */
  groups: Readonly<Record<string, ReadonlyMap<string, Tensor>>>;
  /** JSON-serialisable run state (numbers, strings, arrays, plain objects). */
  state: S;
}

export interface SaveCheckpointOptions {
  /** Keep the checkpoint being replaced as `<path>.prev` (default true). */
  keepPrevious?: boolean;
  /**
   * Runs after the new file is written and fsynced, before it replaces the old one. Tests throw
   * here to simulate a crash mid-save; nothing else should need it.
   */
  beforeRename?: () => void | Promise<void>;
}

export const previousPath = (path: string): string => `${path}.prev`;

/** Encodes a checkpoint to safetensors bytes. */
export function encodeCheckpoint(ckpt: Checkpoint): Uint8Array {
  const tensors = new Map<string, Tensor>();
  for (const [group, items] of Object.entries(ckpt.groups)) {
    if (!group || group.includes('/'))
      throw new CheckpointError('<checkpoint>', `bad group name '${group}': must be non-empty without '/'`);
    for (const [key, t] of items) tensors.set(`${group}/${key}`, t);
  }
  return writeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    version: String(CHECKPOINT_VERSION),
    groups: JSON.stringify(Object.keys(ckpt.groups)),
    state: JSON.stringify(ckpt.state),
  });
}

/** Decodes `encodeCheckpoint` bytes; `file` names the source in errors. */
export function decodeCheckpoint<S = unknown>(bytes: Uint8Array, file = '<checkpoint>'): Checkpoint<S> {
  let contents: ReturnType<typeof readSafetensors>;
  try {
    contents = readSafetensors(bytes, { file });
  } catch (err) {
    if (err instanceof FormatError) throw new CheckpointError(file, `corrupt checkpoint: ${err.message}`);
    throw err;
  }
  const { tensors, metadata } = contents;
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      file,
      `not a latentlab checkpoint (metadata format ${JSON.stringify(metadata.format)})`,
    );
  }
  if (metadata.version !== String(CHECKPOINT_VERSION)) {
    throw new CheckpointError(
      file,
      `checkpoint version ${metadata.version} is not supported (this build reads ${CHECKPOINT_VERSION})`,
    );
  }
  let state: S;
  let names: string[];
  try {
    state = JSON.parse(metadata.state ?? 'null');
    names = JSON.parse(metadata.groups ?? '[]');
  } catch (err) {
    throw new CheckpointError(file, `checkpoint state is not valid JSON: ${(err as Error).message}`);
  }
  const groups: Record<string, Map<string, Tensor>> = {};
  for (const g of names) groups[g] = new Map();
  for (const [name, t] of tensors) {
    const slash = name.indexOf('/');
    const group = name.slice(0, slash);
    if (slash <= 0 || !groups[group])
      throw new CheckpointError(file, `tensor '${name}' is in no declared group`);
    groups[group].set(name.slice(slash + 1), t);
  }
  return { groups, state };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether `path` or its `.prev` exists (a run folder that holds a checkpoint, even a half-saved one). */
export async function hasCheckpoint(path: string): Promise<boolean> {
  return (await exists(path)) || (await exists(previousPath(path)));
}

/**
 * Writes a checkpoint crash-safely (writeFileAtomic, durable): the bytes go to a temporary beside
 * `path` and are fsynced, the current file is hard-linked (or copied) to `<path>.prev`, and the
 * temporary is renamed over `<path>`. A crash at any point leaves `<path>` either the old or the new
 * complete checkpoint.
 */
export async function saveCheckpoint(
  path: string,
  ckpt: Checkpoint,
  options: SaveCheckpointOptions = {},
): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(ckpt), {
    durable: true,
    beforeRename: async () => {
      await options.beforeRename?.();
      if ((options.keepPrevious ?? true) && (await exists(path))) await keepAsPrevious(path);
    },
  });
}

async function keepAsPrevious(path: string): Promise<void> {
  const prev = previousPath(path);
  await rm(prev, { force: true });
  try {
    await link(path, prev);
  } catch {
    await copyFile(path, prev);
  }
}

/** Reads one checkpoint file; errors are CheckpointErrors naming the file. */
export async function loadCheckpoint<S = unknown>(path: string): Promise<Checkpoint<S>> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new CheckpointError(path, `cannot read checkpoint: ${(err as Error).message}`);
  }
  return decodeCheckpoint<S>(bytes, path);
}

export interface LoadedCheckpoint<S> {
  checkpoint: Checkpoint<S>;
  /** The file actually read: `path`, or `<path>.prev` when `path` was missing or corrupt. */
  path: string;
  /** Why `path` was not used, when the previous checkpoint was. */
  fallbackReason?: string;
}

/**
 * The newest readable checkpoint: `path`, else `<path>.prev` (a save interrupted by something
 * worse than a process crash, e.g. a full disk). Null when neither file exists.
 */
export async function loadLatestCheckpoint<S = unknown>(path: string): Promise<LoadedCheckpoint<S> | null> {
  const prev = previousPath(path);
  if (!(await exists(path))) {
    if (!(await exists(prev))) return null;
    return {
      checkpoint: await loadCheckpoint<S>(prev),
      path: prev,
      fallbackReason: `${path} does not exist`,
    };
  }
  try {
    return { checkpoint: await loadCheckpoint<S>(path), path };
  } catch (err) {
    if (!(err instanceof CheckpointError) || !(await exists(prev))) throw err;
    return { checkpoint: await loadCheckpoint<S>(prev), path: prev, fallbackReason: err.message };
  }
}

/** The JSON half of an Adam optimiser's state (the moments go into tensor groups). */
export interface AdamJsonState {
  groups: AdamGroupState[];
  /** Per-parameter update counts, in the optimiser's parameter order. */
  steps: number[];
}

/**
 * Splits an Adam state into tensor groups `<name>.m` and `<name>.v` (keyed by parameter name, so a
 * checkpoint is readable without knowing the parameter order) plus its JSON part.
 */
export function packAdam(
  name: string,
  adam: Adam,
  paramNames: readonly string[],
): { groups: Record<string, Map<string, Tensor>>; state: AdamJsonState } {
  const params = adam.parameters;
  if (paramNames.length !== params.length) {
    throw new CheckpointError(name, `packAdam: ${paramNames.length} names for ${params.length} parameters`);
  }
  const s = adam.state();
  const m = new Map<string, Tensor>();
  const v = new Map<string, Tensor>();
  s.params.forEach((p, i) => {
    m.set(paramNames[i], new Tensor('float32', params[i].shape, p.m));
    v.set(paramNames[i], new Tensor('float32', params[i].shape, p.v));
  });
  return {
    groups: { [`${name}.m`]: m, [`${name}.v`]: v },
    state: { groups: s.groups, steps: s.params.map((p) => p.step) },
  };
}

/** Restores what `packAdam` stored into an optimiser built over the same named parameters. */
export function unpackAdam(
  name: string,
  adam: Adam,
  paramNames: readonly string[],
  groups: Readonly<Record<string, ReadonlyMap<string, Tensor>>>,
  state: AdamJsonState,
  file = '<checkpoint>',
): void {
  const m = groups[`${name}.m`];
  const v = groups[`${name}.v`];
  if (!m || !v) throw new CheckpointError(file, `no optimiser moments '${name}.m'/'${name}.v'`);
  if (!state || !Array.isArray(state.steps) || state.steps.length !== paramNames.length) {
    throw new CheckpointError(
      file,
      `optimiser '${name}' state has ${state?.steps?.length} step counts for ${paramNames.length} parameters`,
    );
  }
  const moment = (g: ReadonlyMap<string, Tensor>, key: string, which: string): Float32Array => {
    const t = g.get(key);
    if (t?.dtype !== 'float32')
      throw new CheckpointError(file, `missing float32 moment ${name}.${which}/${key}`);
    return t.data as Float32Array;
  };
  adam.loadState({
    groups: state.groups,
    params: paramNames.map((key, i) => ({
      step: state.steps[i],
      m: moment(m, key, 'm'),
      v: moment(v, key, 'v'),
    })),
  });
}
