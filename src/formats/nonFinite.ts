import type { Tensor } from '../core/tensor.js';

/** Counts of non-finite values in a float tensor. */
export interface NonFiniteReport {
  nan: number;
  posInf: number;
  negInf: number;
  /** Flat (row-major) index of the first non-finite element. */
  firstIndex: number;
}

/**
 * Finds NaN and ±Inf in a float tensor (float16 by its bit pattern). Checkpoints load even
 * when they hold such values; callers decide whether that is an error. Integer tensors: undefined.
 */
export function findNonFinite(t: Tensor): NonFiniteReport | undefined {
  const r: NonFiniteReport = { nan: 0, posInf: 0, negInf: 0, firstIndex: -1 };
  const note = (i: number, kind: 'nan' | 'posInf' | 'negInf') => {
    r[kind]++;
    if (r.firstIndex < 0) r.firstIndex = i;
  };
  if (t.dtype === 'float32' || t.dtype === 'float64') {
    const d = t.data as Float32Array | Float64Array;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (v - v !== 0) note(i, Number.isNaN(v) ? 'nan' : v > 0 ? 'posInf' : 'negInf');
    }
  } else if (t.dtype === 'float16') {
    const d = t.data as Uint16Array;
    for (let i = 0; i < d.length; i++) {
      const h = d[i];
      if ((h & 0x7c00) === 0x7c00) note(i, h & 0x3ff ? 'nan' : h & 0x8000 ? 'negInf' : 'posInf');
    }
  } else {
    return undefined;
  }
  return r.firstIndex < 0 ? undefined : r;
}

/** Names and reports of every tensor in a state dict that holds NaN or Inf. */
export function nonFiniteEntries(
  tensors: ReadonlyMap<string, Tensor>,
): { name: string; report: NonFiniteReport }[] {
  const out: { name: string; report: NonFiniteReport }[] = [];
  for (const [name, t] of tensors) {
    const report = findNonFinite(t);
    if (report) out.push({ name, report });
  }
  return out;
}
