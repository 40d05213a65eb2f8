import { ShapeError } from '../../core/errors.js';
import { formatShape } from '../../core/shape.js';
import { add, mul, sub } from '../../graph/ops/elementwise.js';
import { concat, expand, reshape, slice } from '../../graph/ops/movement.js';
import type { Value } from '../../graph/value.js';
import { fullyConnected, normalize2ndMoment } from '../../nn/functional.js';
import type { Scope } from '../../nn/weights.js';
import type { GeneratorConfig, ResolvedGenerator } from './config.js';

export interface TruncationOptions {
  /** psi: 1 = none, 0 = w_avg, negative = the "opposite" image. */
  psi?: number;
  /** Truncate only ws rows below this index (null = all rows; NVIDIA's truncation_cutoff). */
  cutoff?: number | null;
}

/** torch.lerp's two-branch formula, so truncated ws round exactly as the reference does. */
export function torchLerp(start: Value, end: Value, weight: number): Value {
  return weight < 0.5 ? add(start, mul(sub(end, start), weight)) : sub(end, mul(sub(end, start), 1 - weight));
}

/**
 * The mapping network: z [N, zDim] (and c [N, cDim]) -> w [N, wDim]: 2nd-moment normalisation,
 * optional class embedding, `mappingLayers` equalised-LR FC layers with lrelu.
 */
export type MappingConfig = Pick<GeneratorConfig, 'zDim' | 'cDim' | 'mappingLayers' | 'mappingLrMultiplier'>;

export function mapToW(p: Scope, cfg: MappingConfig, z: Value | null, c: Value | null = null): Value {
  const parts: Value[] = [];
  if (cfg.zDim > 0) {
    if (!z || z.rank !== 2 || z.shape[1] !== cfg.zDim) {
      throw new ShapeError(`mapping: z should be [N, ${cfg.zDim}], got ${z ? formatShape(z.shape) : 'none'}`);
    }
    parts.push(normalize2ndMoment(z));
  }
  if (cfg.cDim > 0) {
    if (!c || c.rank !== 2 || c.shape[1] !== cfg.cDim) {
      throw new ShapeError(`mapping: this model is conditional: c should be [N, ${cfg.cDim}], got ${c ? formatShape(c.shape) : 'none'}`);
    }
    parts.push(normalize2ndMoment(fullyConnected(p.at('embed'), c)));
  }
  let x = concat(parts, 1);
  for (let i = 0; i < cfg.mappingLayers; i++) {
    x = fullyConnected(p.at(`fc${i}`), x, { activation: 'lrelu', lrMultiplier: cfg.mappingLrMultiplier });
  }
  return x;
}

/** What broadcasting and truncation need of a generator (StyleGAN2 and StyleGAN3 alike). */
export type WsLayout = Pick<ResolvedGenerator, 'wDim' | 'numWs'>;

/** Broadcasts w [N, wDim] to ws [N, numWs, wDim], truncating toward w_avg as NVIDIA does. */
export function broadcastWs(p: Scope, cfg: WsLayout, w: Value, t: TruncationOptions = {}): Value {
  const n = w.shape[0];
  const psi = t.psi ?? 1;
  const rows = (v: Value, count: number) => expand(reshape(v, [n, 1, cfg.wDim]), [n, count, cfg.wDim]);
  if (psi === 1) return rows(w, cfg.numWs);
  const cutoff = Math.min(t.cutoff ?? cfg.numWs, cfg.numWs);
  const wAvg = reshape(p.get('w_avg', [cfg.wDim]), [1, cfg.wDim]);
  const truncated = torchLerp(expand(wAvg, w.shape), w, psi);
  return cutoff >= cfg.numWs ? rows(truncated, cfg.numWs) : concat([rows(truncated, cutoff), rows(w, cfg.numWs - cutoff)], 1);
}

/** Truncates given ws rows toward w_avg (for W/W+ latents that were not made by broadcastWs). */
export function truncateWs(p: Scope, cfg: WsLayout, ws: Value, t: TruncationOptions): Value {
  const psi = t.psi ?? 1;
  if (psi === 1) return ws;
  const [n, numWs] = ws.shape;
  const cutoff = Math.min(t.cutoff ?? numWs, numWs);
  const head = cutoff >= numWs ? ws : slice(ws, [0], [cutoff], [1]);
  const wAvg = expand(reshape(p.get('w_avg', [cfg.wDim]), [1, 1, cfg.wDim]), [n, cutoff, cfg.wDim]);
  const truncated = torchLerp(wAvg, head, psi);
  return cutoff >= numWs ? truncated : concat([truncated, slice(ws, [cutoff], [numWs], [1])], 1);
}
