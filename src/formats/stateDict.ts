import { CheckpointError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { asTensor } from './numpyPickle.js';
import { describeKey, describeKeys, describePy, PyDict, PyObject, type PyValue } from './pyValue.js';

/**
 * Flat `name → Tensor` maps from unpickled data: an nn.Module kept as plain data (its
 * `_parameters`, `_buffers`, `_modules`) or a nested dict of tensors. Walks are bounded and
 * cycle-safe, since a malicious pickle can build cycles or exponentially shared graphs.
 */

const MAX_MODULE_DEPTH = 200;
const MAX_ENTRIES = 1_000_000;
/** Real networks have hundreds of modules; a module reached through many shared paths counts each time. */
const MAX_MODULES = 100_000;

/** A dotted name: string and integer keys as they are, anything else by a bounded description. */
function joinName(path: string, key: PyValue): string {
  const k =
    (typeof key === 'string' && key.length <= 200) || typeof key === 'number' ? String(key) : describeKey(key);
  return path ? `${path}.${k}` : k;
}

/** One module in a tree, in the order `named_modules()` would visit it. */
export interface ModuleNode {
  /** Dotted path from the root ('' for the root). */
  path: string;
  module: PyObject;
}

function dictAttr(file: string, m: PyObject, path: string, key: string): PyDict | undefined {
  const v = m.attrs.get(key);
  if (v === undefined || v === null) return undefined;
  if (!(v instanceof PyDict)) {
    throw new CheckpointError(
      file,
      `module '${path || '<root>'}' (${m.name}): ${key} is ${describePy(v)}, expected a dict`,
    );
  }
  return v;
}

/** Modules of a tree, depth first, parents before children. */
export function moduleTree(root: PyObject, file: string): ModuleNode[] {
  const out: ModuleNode[] = [];
  const onPath = new Set<PyObject>();
  const visit = (m: PyObject, path: string, depth: number): void => {
    if (depth > MAX_MODULE_DEPTH)
      throw new CheckpointError(file, `modules nest deeper than ${MAX_MODULE_DEPTH} at '${path}'`);
    if (onPath.has(m)) throw new CheckpointError(file, `module '${path}' contains itself`);
    if (out.length >= MAX_MODULES)
      throw new CheckpointError(file, `more than ${MAX_MODULES} modules (shared submodules repeated?)`);
    onPath.add(m);
    out.push({ path, module: m });
    for (const [name, child] of dictAttr(file, m, path, '_modules') ?? []) {
      if (child === null) continue;
      const childPath = joinName(path, name);
      if (!(child instanceof PyObject)) {
        throw new CheckpointError(
          file,
          `submodule '${childPath}' is ${describePy(child)}, expected a module object`,
        );
      }
      visit(child, childPath, depth + 1);
    }
    onPath.delete(m);
  };
  visit(root, '', 0);
  return out;
}

/**
 * What `module.state_dict()` returns, for a module kept as data: each module's parameters,
 * then its persistent buffers, then its children's, with dotted names. None entries are skipped.
 */
export function moduleStateDict(root: PyObject, file: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const skipSets = new Map<unknown, Set<PyValue>>();
  let work = 0;
  for (const { path, module } of moduleTree(root, file)) {
    const skip = module.attrs.get('_non_persistent_buffers_set');
    let nonPersistent = skipSets.get(skip);
    if (!nonPersistent) {
      nonPersistent = new Set<PyValue>(skip instanceof Set || Array.isArray(skip) ? skip : []);
      skipSets.set(skip, nonPersistent);
    }
    for (const key of ['_parameters', '_buffers']) {
      const dict = dictAttr(file, module, path, key);
      work += dict?.size ?? 0;
      if (work > MAX_ENTRIES)
        throw new CheckpointError(file, `more than ${MAX_ENTRIES} parameter entries (shared modules repeated?)`);
      for (const [name, value] of dict ?? []) {
        if (value === null || (key === '_buffers' && nonPersistent.has(name))) continue;
        const full = joinName(path, name);
        const t = asTensor(value);
        if (!t) throw new CheckpointError(file, `${full} is ${describePy(value)}, expected a tensor`);
        out.set(full, t);
      }
    }
  }
  return out;
}

/**
 * Every tensor reachable through dicts, lists and tuples, named by dotted path
 * ('g_ema.style.1.weight', 'latent_avg', 'optim.state.0.exp_avg'). Other values are skipped.
 * A container reached twice (pickles share objects) is named by its first path only.
 */
export function collectTensors(value: PyValue, prefix = ''): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const seen = new Set<unknown>();
  const walk = (v: PyValue, path: string, depth: number): void => {
    const t = asTensor(v);
    if (t) {
      if (out.size < MAX_ENTRIES) out.set(path, t);
      return;
    }
    if (depth > MAX_MODULE_DEPTH || v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    const join = (k: PyValue) => joinName(path, k);
    if (v instanceof PyDict) for (const [k, x] of v) walk(x, join(k), depth + 1);
    else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) walk(v[i], join(i), depth + 1);
  };
  walk(value, prefix, 0);
  return out;
}

/**
 * A state dict (`name → tensor`) from a dict whose values are all tensors, e.g. what
 * `torch.save(model.state_dict())` wrote, or the entry `key` of a checkpoint dict.
 */
export function stateDictFrom(value: PyValue, file: string, key?: string): Map<string, Tensor> {
  let v = value;
  if (key !== undefined) {
    if (!(value instanceof PyDict) || !value.has(key)) {
      const keys = value instanceof PyDict ? describeKeys(value.keys()) : describePy(value);
      throw new CheckpointError(file, `no '${key}' in the checkpoint (found: ${keys})`);
    }
    v = value.get(key) as PyValue;
  }
  if (v instanceof PyObject) return moduleStateDict(v, file);
  if (!(v instanceof PyDict)) throw new CheckpointError(file, `expected a state dict, got ${describePy(v)}`);
  const out = new Map<string, Tensor>();
  for (const [k, x] of v) {
    const t = asTensor(x);
    if (typeof k !== 'string' || !t) {
      throw new CheckpointError(file, `state dict entry ${describeKeys([k])} is ${describePy(x)}, expected a tensor`);
    }
    out.set(k, t);
  }
  return out;
}
