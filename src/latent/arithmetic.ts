import { ArgumentError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { GanModel } from '../models/ganModel.js';
import { broadcastW, checkLatent, latentFromCodes, type Latent, type LatentSpace } from './latent.js';

/**
 * Vector arithmetic over latents: `a - b + c`, `0.5*a + 0.5*b`, `c + 1.5*(a - b)`, `(a + b) / 2`.
 * Names are bound to latents of one model; latents with one row broadcast over the others. w and w+
 * operands mix (w is repeated over the ws rows); z does not mix with w (different spaces).
 */

type Token = { kind: 'num'; value: number } | { kind: 'name'; name: string } | { kind: 'op'; op: string };

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/()]))/y;
  let at = 0;
  while (at < expr.length) {
    if (/^\s*$/.test(expr.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(expr);
    if (!m) throw new ArgumentError(`expression '${expr}': cannot read '${expr.slice(at).trim()}' (at character ${at + 1})`);
    if (m[1] !== undefined) tokens.push({ kind: 'num', value: Number(m[1]) });
    else if (m[2] !== undefined) tokens.push({ kind: 'name', name: m[2] });
    else tokens.push({ kind: 'op', op: m[3] });
    at = re.lastIndex;
  }
  return tokens;
}

/** A value while evaluating: a scalar, or codes as float64 [rows, size]. */
type Value = { scalar: number } | { rows: number; size: number; data: Float64Array };

function isScalar(v: Value): v is { scalar: number } {
  return 'scalar' in v;
}

function combine(a: Value, b: Value, op: string, expr: string): Value {
  if (isScalar(a) && isScalar(b)) {
    const x = a.scalar;
    const y = b.scalar;
    return { scalar: op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : x / y };
  }
  if (isScalar(a) || isScalar(b)) {
    if (op === '+' || op === '-') throw new ArgumentError(`expression '${expr}': cannot add a number to a latent`);
    if (op === '/' && isScalar(a)) throw new ArgumentError(`expression '${expr}': cannot divide by a latent`);
    const s = isScalar(a) ? a.scalar : (b as { scalar: number }).scalar;
    const v = (isScalar(a) ? b : a) as Exclude<Value, { scalar: number }>;
    const k = op === '/' ? 1 / s : s;
    return { rows: v.rows, size: v.size, data: v.data.map((x) => x * k) };
  }
  if (op === '*' || op === '/') throw new ArgumentError(`expression '${expr}': latents can be added and scaled, not multiplied`);
  if (a.size !== b.size) throw new ArgumentError(`expression '${expr}': operands have code sizes ${a.size} and ${b.size}`);
  if (a.rows !== b.rows && a.rows !== 1 && b.rows !== 1) throw new ArgumentError(`expression '${expr}': operands have ${a.rows} and ${b.rows} rows`);
  const rows = Math.max(a.rows, b.rows);
  const data = new Float64Array(rows * a.size);
  const sign = op === '-' ? -1 : 1;
  for (let r = 0; r < rows; r++) {
    const ra = a.rows === 1 ? 0 : r;
    const rb = b.rows === 1 ? 0 : r;
    for (let k = 0; k < a.size; k++) data[r * a.size + k] = a.data[ra * a.size + k] + sign * b.data[rb * b.size + k];
  }
  return { rows, size: a.size, data };
}

/** Recursive descent: expr = term (± term)*, term = unary ((*|/) unary)*, unary = -unary | primary. */
function evaluate(expr: string, lookup: (name: string) => Value): Value {
  const tokens = tokenize(expr);
  let i = 0;
  const peek = () => tokens[i];
  const isOp = (op: string) => peek()?.kind === 'op' && (peek() as { op: string }).op === op;
  const parseExpr = (): Value => {
    let v = parseTerm();
    while (isOp('+') || isOp('-')) {
      const op = (tokens[i++] as { op: string }).op;
      v = combine(v, parseTerm(), op, expr);
    }
    return v;
  };
  const parseTerm = (): Value => {
    let v = parseUnary();
    while (isOp('*') || isOp('/')) {
      const op = (tokens[i++] as { op: string }).op;
      v = combine(v, parseUnary(), op, expr);
    }
    return v;
  };
  const parseUnary = (): Value => {
    if (isOp('-')) {
      i++;
      return combine({ scalar: -1 }, parseUnary(), '*', expr);
    }
    if (isOp('+')) i++;
    return parsePrimary();
  };
  const parsePrimary = (): Value => {
    const t = tokens[i++];
    if (!t) throw new ArgumentError(`expression '${expr}' ends early`);
    if (t.kind === 'num') return { scalar: t.value };
    if (t.kind === 'name') return lookup(t.name);
    if (t.op === '(') {
      const v = parseExpr();
      if (!isOp(')')) throw new ArgumentError(`expression '${expr}': missing ')'`);
      i++;
      return v;
    }
    throw new ArgumentError(`expression '${expr}': unexpected '${t.op}'`);
  };
  const v = parseExpr();
  if (i < tokens.length) throw new ArgumentError(`expression '${expr}': unexpected token after position ${i}`);
  return v;
}

/** Names used in an expression (to know which latents to load). */
export function expressionNames(expr: string): string[] {
  return [...new Set(tokenize(expr).flatMap((t) => (t.kind === 'name' ? [t.name] : [])))];
}

/**
 * Evaluates `expr` over `bindings` (float64, rounded once to float32). The result keeps the space of its
 * operands (w+ if any operand is w+), the truncation and noise of the first operand named.
 */
export function latentExpression(model: GanModel, expr: string, bindings: Readonly<Record<string, Latent>>): Latent {
  const names = expressionNames(expr);
  if (names.length === 0) throw new ArgumentError(`expression '${expr}' names no latent`);
  for (const name of names) {
    if (!bindings[name]) throw new ArgumentError(`expression '${expr}': '${name}' is not bound (bound: ${Object.keys(bindings).join(', ') || 'none'})`);
    checkLatent(model, bindings[name], name);
  }
  const spaces = new Set(names.map((n) => bindings[n].space));
  if (spaces.has('z') && spaces.size > 1) throw new ArgumentError(`expression '${expr}': cannot mix z with w/w+ latents`);
  const space: LatentSpace = spaces.has('w+') ? 'w+' : spaces.has('w') ? 'w' : 'z';
  const numWs = space === 'w+' ? model.styleSpace().numWs : 1;
  const values = new Map<string, Value>();
  for (const name of names) {
    const l = bindings[name];
    const codes = l.space === 'w' && space === 'w+' ? broadcastW(l.codes, numWs) : l.codes;
    const rows = codes.shape[0];
    values.set(name, { rows, size: codes.size / rows, data: Float64Array.from(codes.data) });
  }
  const result = evaluate(expr, (name) => values.get(name)!);
  if (isScalar(result)) throw new ArgumentError(`expression '${expr}' is a number, not a latent`);
  const first = bindings[names[0]];
  const shape = space === 'w+' ? [result.rows, numWs, result.size / numWs] : [result.rows, result.size];
  return latentFromCodes(model, space, Tensor.float32(shape, result.data), {
    psi: first.psi,
    cutoff: first.cutoff,
    classes: first.classes && first.codes.shape[0] === result.rows ? first.classes : undefined,
    noiseMode: first.noiseMode === 'random' ? 'const' : first.noiseMode,
    provenance: {
      kind: 'arithmetic',
      expression: expr,
      operands: Object.fromEntries(names.map((n) => [n, bindings[n].provenance])),
    },
  });
}
