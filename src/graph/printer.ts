import type { DType } from '../core/dtype.js';
import { formatShape } from '../core/shape.js';
import { topoSort } from './topo.js';
import type { Value } from './value.js';

const SHORT: Record<string, string> = { float32: 'f32', float64: 'f64', float16: 'f16', int64: 'i64', int32: 'i32', uint8: 'u8', bool: 'b' };

function typeOf(v: Value): string {
  return `${SHORT[v.dtype]}${formatShape(v.shape)}`;
}

/**
 * The shortest decimal that reads back to the same stored value: a float32 0.2 prints as `0.2`, not
 * as the double `0.20000000298023224` it widens to.
 */
export function formatNumber(x: number | bigint, dtype: DType): string {
  if (typeof x === 'bigint' || dtype !== 'float32' || !Number.isFinite(x)) return String(x);
  for (let p = 1; p < 9; p++) {
    const short = Number(x.toPrecision(p));
    if (Math.fround(short) === x) return String(short);
  }
  return String(x);
}

function attrText(attrs: object): string {
  const parts = Object.entries(attrs).map(([k, val]) => `${k}=${Array.isArray(val) ? `[${val.join(',')}]` : String(val)}`);
  return parts.length ? ` {${parts.join(', ')}}` : '';
}

/**
 * Readable IR, one line per value: `%3:f32[1,512] = Gemm %1 %2 {transB=true}`. Ids are renumbered
 * from 0 in topological order so the text is stable across runs (used for snapshots).
 */
export function printGraph(outputs: readonly Value[]): string {
  const order = topoSort(outputs);
  const local = new Map<number, number>();
  order.forEach((v, i) => {
    local.set(v.id, i);
  });
  const ref = (v: Value) => `%${local.get(v.id)}`;
  const lines = order.map((v) => {
    const head = `${ref(v)}:${typeOf(v)}`;
    const s = v.source;
    if (s.kind === 'input') return `${head} = input '${s.name}'`;
    if (s.kind === 'constant') {
      const t = s.tensor;
      const values = Array.from(t.data as ArrayLike<number | bigint>, (x) => formatNumber(x, t.dtype));
      const preview = t.size <= 4 ? ` (${values.join(', ')})` : '';
      return `${head} = const${s.name ? ` '${s.name}'` : ''}${preview}`;
    }
    return `${head} = ${s.op} ${s.inputs.map(ref).join(' ')}${attrText(s.attrs)}`;
  });
  lines.push(`return ${outputs.map(ref).join(', ')}`);
  return lines.join('\n');
}
