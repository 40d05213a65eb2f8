import { ArgumentError, DTypeError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';

/** One parameter group: tensors sharing hyperparameters (PyTorch's `param_groups`). */
export interface AdamGroupConfig {
  params: readonly Tensor<'float32'>[];
  /** Learning rate; reset it each step from a schedule with `setLr`. Default 1e-3. */
  lr?: number;
  /** Coefficients of the running means of the gradient and its square. Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Added to the denominator for stability. Default 1e-8. */
  eps?: number;
  /** L2 penalty added to the gradient (torch `weight_decay`, not AdamW's decoupled decay). Default 0. */
  weightDecay?: number;
}

/** Hyperparameters of a group, as stored in a checkpoint. */
export interface AdamGroupState {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

/** Per-parameter moments; `step` counts the updates this parameter received (bias correction). */
export interface AdamParamState {
  step: number;
  m: Float32Array;
  v: Float32Array;
}

/** Everything needed to resume bit for bit; plain data, structured-clone and npz friendly. */
export interface AdamState {
  groups: AdamGroupState[];
  params: AdamParamState[];
}

/** A gradient for one parameter: a tensor or bare data of the same size; null skips the parameter. */
export type AdamGrad = Tensor | Float32Array | Float64Array | null;

interface Group {
  hp: AdamGroupState;
  params: Tensor<'float32'>[];
}

/**
 * Adam with PyTorch's semantics (torch.optim.Adam, amsgrad=False, maximize=False): bias-corrected
 * moments, eps added after the bias-corrected square root, L2 weight decay folded into the gradient.
 * Parameters are host float32 tensors updated in place, so a graph fed with them sees the new values.
 */
export class Adam {
  private readonly groups: Group[];
  private readonly states: AdamParamState[];

  constructor(groups: AdamGroupConfig | readonly AdamGroupConfig[]) {
    const list = Array.isArray(groups) ? (groups as readonly AdamGroupConfig[]) : [groups as AdamGroupConfig];
    if (list.length === 0) throw new ArgumentError('Adam: at least one parameter group is required');
    const seen = new Set<Tensor>();
    this.groups = list.map((g, gi) => {
      for (const p of g.params) {
        if (p.dtype !== 'float32' || !(p.data instanceof Float32Array)) {
          throw new DTypeError(
            `Adam: group ${gi} has a ${p.describe()} parameter; only float32 is supported`,
          );
        }
        // A tensor in two groups would be stepped twice per call.
        if (seen.has(p)) throw new ArgumentError(`Adam: a ${p.describe()} parameter appears twice`);
        seen.add(p);
      }
      const hp: AdamGroupState = {
        lr: g.lr ?? 1e-3,
        betas: [g.betas?.[0] ?? 0.9, g.betas?.[1] ?? 0.999],
        eps: g.eps ?? 1e-8,
        weightDecay: g.weightDecay ?? 0,
      };
      checkHyper(hp, gi);
      return { hp, params: [...g.params] };
    });
    this.states = this.parameters.map((p) => ({
      step: 0,
      m: new Float32Array(p.size),
      v: new Float32Array(p.size),
    }));
  }

  /** All parameters, group by group: the order of `step`'s gradients and of `state().params`. */
  get parameters(): Tensor<'float32'>[] {
    return this.groups.flatMap((g) => g.params);
  }

  get numGroups(): number {
    return this.groups.length;
  }

  lr(group = 0): number {
    return this.group(group).hp.lr;
  }

  /** Sets the learning rate of one group, or of every group when `group` is omitted. */
  setLr(lr: number, group?: number): void {
    if (!Number.isFinite(lr) || lr < 0)
      throw new ArgumentError(`Adam.setLr: learning rate must be finite and >= 0, got ${lr}`);
    if (group === undefined) for (const g of this.groups) g.hp.lr = lr;
    else this.group(group).hp.lr = lr;
  }

  /** One update from gradients listed in `parameters` order. */
  step(grads: readonly AdamGrad[]): void {
    const params = this.parameters;
    if (grads.length !== params.length) {
      throw new ArgumentError(`Adam.step: expected ${params.length} gradients, got ${grads.length}`);
    }
    let k = 0;
    for (const g of this.groups) {
      for (const p of g.params) {
        const grad = grads[k];
        if (grad !== null) this.update(p, gradData(grad, p, k), this.states[k], g.hp);
        k++;
      }
    }
  }

  private update(
    p: Tensor<'float32'>,
    grad: Float32Array | Float64Array,
    s: AdamParamState,
    hp: AdamGroupState,
  ): void {
    s.step++;
    const [b1, b2] = hp.betas;
    const { lr, eps, weightDecay: wd } = hp;
    const bc1 = 1 - b1 ** s.step;
    const bc2Sqrt = Math.sqrt(1 - b2 ** s.step);
    const stepSize = lr / bc1;
    const x = p.data as Float32Array;
    const { m, v } = s;
    for (let i = 0; i < x.length; i++) {
      const gi = wd === 0 ? grad[i] : grad[i] + wd * x[i];
      // Same ops in the same order as torch (m.lerp_(g, 1-b1); v.mul_(b2).addcmul_(g, g, 1-b2)), in
      // double with one float32 rounding per stored value.
      m[i] = m[i] + (1 - b1) * (gi - m[i]);
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      // Read back the stored (rounded) moments, as torch's float32 tensors would hold them.
      x[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2Sqrt + eps);
    }
  }

  /** A deep copy of the optimiser state (moments are copied, not shared). */
  state(): AdamState {
    return {
      groups: this.groups.map((g) => ({ ...g.hp, betas: [g.hp.betas[0], g.hp.betas[1]] })),
      params: this.states.map((s) => ({ step: s.step, m: s.m.slice(), v: s.v.slice() })),
    };
  }

  /** Restores a `state()`; the parameter layout (groups, sizes) must match this optimiser. */
  loadState(state: AdamState): void {
    if (state.groups.length !== this.groups.length) {
      throw new ArgumentError(
        `Adam.loadState: state has ${state.groups.length} groups, optimiser has ${this.groups.length}`,
      );
    }
    if (state.params.length !== this.states.length) {
      throw new ArgumentError(
        `Adam.loadState: state has ${state.params.length} parameters, optimiser has ${this.states.length}`,
      );
    }
    const params = this.parameters;
    state.params.forEach((s, k) => {
      const n = params[k].size;
      if (s.m.length !== n || s.v.length !== n) {
        throw new ShapeError(
          `Adam.loadState: parameter ${k} ${params[k].describe()} has moments of ${s.m.length}/${s.v.length} elements`,
        );
      }
      if (!Number.isInteger(s.step) || s.step < 0)
        throw new ArgumentError(`Adam.loadState: parameter ${k} has step ${s.step}`);
    });
    for (let gi = 0; gi < state.groups.length; gi++) checkHyper(state.groups[gi], gi);
    state.groups.forEach((hp, gi) => {
      this.groups[gi].hp = { ...hp, betas: [hp.betas[0], hp.betas[1]] };
    });
    state.params.forEach((s, k) => {
      const dst = this.states[k];
      dst.step = s.step;
      dst.m.set(s.m);
      dst.v.set(s.v);
    });
  }

  private group(i: number): Group {
    const g = this.groups[i];
    if (!g) throw new ArgumentError(`Adam: no parameter group ${i} (have ${this.groups.length})`);
    return g;
  }
}

function checkHyper(hp: AdamGroupState, gi: number): void {
  const [b1, b2] = hp.betas;
  if (!(hp.lr >= 0) || !Number.isFinite(hp.lr))
    throw new ArgumentError(`Adam: group ${gi} lr must be finite and >= 0, got ${hp.lr}`);
  if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1))
    throw new ArgumentError(`Adam: group ${gi} betas must lie in [0, 1), got [${b1}, ${b2}]`);
  if (!(hp.eps >= 0)) throw new ArgumentError(`Adam: group ${gi} eps must be >= 0, got ${hp.eps}`);
  if (!(hp.weightDecay >= 0))
    throw new ArgumentError(`Adam: group ${gi} weightDecay must be >= 0, got ${hp.weightDecay}`);
}

function gradData(
  g: Tensor | Float32Array | Float64Array,
  p: Tensor<'float32'>,
  k: number,
): Float32Array | Float64Array {
  if (g instanceof Float32Array || g instanceof Float64Array) {
    if (g.length !== p.size)
      throw new ShapeError(`Adam.step: gradient ${k} has ${g.length} elements, parameter is ${p.describe()}`);
    return g;
  }
  if (g.size !== p.size) {
    throw new ShapeError(
      `Adam.step: gradient ${k} is ${g.dtype}${formatShape(g.shape)}, parameter is ${p.describe()}`,
    );
  }
  if (g.data instanceof Float32Array || g.data instanceof Float64Array) return g.data;
  throw new DTypeError(`Adam.step: gradient ${k} has dtype ${g.dtype}; expected float32 or float64`);
}
