import { UnsupportedOpError } from '../core/errors.js';
import { convOps } from './ops/conv.js';
import { elementwiseOps } from './ops/elementwise.js';
import { matmulOps } from './ops/matmul.js';
import { movementOps } from './ops/movement.js';
import { reduceOps } from './ops/reduce.js';
import type { OpAttrMap, OpDef, OpName, OpTable } from './types.js';

let table: OpTable | undefined;

// Built on first use: op families import the builders in value.ts, which import this module.
function buildTable(): OpTable {
  return { ...elementwiseOps, ...reduceOps, ...matmulOps, ...convOps, ...movementOps };
}

export function opDef<K extends OpName>(op: K): OpDef<OpAttrMap[K]> {
  table ??= buildTable();
  const def = table[op] as OpDef<OpAttrMap[K]> | undefined;
  if (!def) throw new UnsupportedOpError(`unknown op '${op}'`);
  return def;
}

export function opNames(): OpName[] {
  table ??= buildTable();
  return Object.keys(table) as OpName[];
}
